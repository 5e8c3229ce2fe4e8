package depc

import "context"

// LabelCount is a label of a team's graph with its number of nodes,
// whatever their periods.
type LabelCount struct {
	Label string
	Nodes int
}

// Activity says when dependencies are looked at: at an instant, during a
// window, or (Any) whenever.
type Activity struct {
	Kind   ActivityKind
	At     int64
	Window Window
}

// ActivityKind selects the form of an Activity.
type ActivityKind uint8

const (
	ActiveAny ActivityKind = iota
	ActiveAt
	ActiveDuring
)

// AtInstant returns the Activity "active at t".
func AtInstant(t int64) Activity { return Activity{Kind: ActiveAt, At: t} }

// During returns the Activity "active during some part of w".
func During(w Window) Activity { return Activity{Kind: ActiveDuring, Window: w} }

// Holds reports whether a period set is active according to a.
func (a Activity) Holds(ps Periods) bool {
	switch a.Kind {
	case ActiveAt:
		return ps.ActiveAt(a.At)
	case ActiveDuring:
		return ps.ActiveDuring(a.Window)
	}
	return len(ps) > 0
}

// Dependency is a neighbour of a node across one relation: a dependency
// (child) or a dependent (parent), with the relation's periods. Active is
// true when both the relation and the neighbour node are active according to
// the Activity of the query.
type Dependency struct {
	Node     Node
	Relation Periods
	Active   bool
}

// SnapshotNode is a node delivered by a snapshot. ID is local to one
// snapshot: the nodes of a snapshot are numbered 0, 1, 2, … in delivery
// order, so a sink can keep them in a slice indexed by ID, and relations
// refer to nodes by it.
type SnapshotNode struct {
	ID      int32
	Key     NodeKey
	Periods Periods
}

// SnapshotRelation is a relation From DEPENDS_ON To delivered by a snapshot,
// between two nodes already delivered.
type SnapshotRelation struct {
	From, To int32
	Periods  Periods
}

// SnapshotSink receives a snapshot as it streams: every node first, then
// every relation, each relation (From, To) once. It may keep the values it
// receives (no slice it is given is reused by the store). An error returned
// by the sink stops the snapshot and is returned by it (errors.Is holds).
type SnapshotSink interface {
	Node(SnapshotNode) error
	Relation(SnapshotRelation) error
}

// GraphStore is the time-versioned dependency graph of every team.
//
// Teams are namespaces: a store knows nothing of which teams exist (the
// state store does) and a team with no node simply has an empty graph.
// Labels, names and team names reaching a store have been validated by the
// decoder or the API; every store checks them again (ValidTeam, ValidLabel,
// ValidName) and answers EINVALID naming the bad value before touching its
// database, in every method. So does a window with Start >= End and a limit
// below 1. A store that cannot reach its database answers EUNAVAILABLE:
// the caller may retry, nothing was written. A closed store answers
// EUNAVAILABLE too. A store is safe for concurrent use.
//
// Names compare as bytes everywhere (sorting, paging, substrings): "B" sorts
// before "a" and a substring match is case-sensitive.
type GraphStore interface {
	// Apply records a batch of events in one transaction: all or nothing.
	// Node events create the node if needed; relation events create the
	// relation and both its nodes if needed. Periods are derived from each
	// entity's event set (EventSet.Periods), so the result does not depend
	// on the order of events within or across batches, and applying a
	// batch twice changes nothing. Every event is checked first
	// (ValidateEvent): one bad event makes Apply answer EINVALID, naming
	// the event's index, and write nothing. An empty batch does nothing.
	Apply(ctx context.Context, team string, events []Event) error

	// Node returns one node with its periods. ENOTFOUND if absent.
	Node(ctx context.Context, team string, key NodeKey) (Node, error)

	// Labels returns the labels of the team's graph with node counts,
	// sorted by label.
	Labels(ctx context.Context, team string) ([]LabelCount, error)

	// Nodes returns up to limit node names of a label, sorted by name
	// (byte order), after the name `after` (exclusive; "" for the first
	// page; it need not be an existing name), keeping only names that
	// contain substring (all when ""; case-sensitive, no wildcards). next
	// is the last name returned when more names follow, else "". A label
	// with no node gives an empty page. limit < 1 is EINVALID.
	Nodes(ctx context.Context, team, label, substring string, limit int, after string) (names []string, next string, err error)

	// Dependencies returns every direct dependency of the node (the nodes
	// it DEPENDS_ON), active or not, never truncated, sorted by label then
	// name, each with the dependency's own periods (Node.Periods), its
	// relation's periods and its Active flag evaluated for `when`. The
	// node's own periods do not matter. ENOTFOUND if the node does not
	// exist.
	Dependencies(ctx context.Context, team string, key NodeKey, when Activity) ([]Dependency, error)

	// Dependents is Dependencies in the other direction: the nodes that
	// DEPEND_ON this one.
	Dependents(ctx context.Context, team string, key NodeKey, when Activity) ([]Dependency, error)

	// Impacted returns the nodes of ancestorLabel that have at least one
	// path down to the node whose every node and relation (both ends
	// included) is active at `at`, sorted by name, paged like Nodes (after
	// is a name of ancestorLabel). A path has at least one relation and the
	// node itself is never in the result, even on a cycle. Cycles are
	// allowed in the graph and must not make a store loop. ENOTFOUND if the
	// node does not exist.
	Impacted(ctx context.Context, team string, key NodeKey, ancestorLabel string, at int64, limit int, after string) (nodes []NodeKey, next string, err error)

	// Snapshot streams every node of the given labels (every label when
	// labels is empty) that is active during w, then every relation between
	// two such nodes that is active during w, with full (unclipped)
	// periods: what a run loads in one pass. The order of nodes and of
	// relations is unspecified. A store streams: it never holds the whole
	// snapshot in memory.
	Snapshot(ctx context.Context, team string, w Window, labels []string, sink SnapshotSink) error

	// Subgraph streams the node and every node reachable from it through
	// relations active during w whose nodes are active during w, then
	// those relations: the dependency subgraph of one node on one day
	// (root cause, live QoS). The root comes first (ID 0) and is delivered
	// even when it is not active during w (then alone). The relations are
	// every relation between two delivered nodes that is active during w
	// and whose two nodes are active during w. ENOTFOUND if the node does
	// not exist.
	Subgraph(ctx context.Context, team string, root NodeKey, w Window, sink SnapshotSink) error

	// DeleteNode removes the node and all its relations, in both
	// directions; its neighbours stay. Events applied later recreate it
	// from those events alone. ENOTFOUND if absent.
	DeleteNode(ctx context.Context, team string, key NodeKey) error

	// DeleteTeam removes every node and relation of the team: what deleting
	// a team leaves in the graph. A team without a graph is no error. It
	// may commit in parts (a graph may be too large for one transaction):
	// running it again finishes an interrupted deletion.
	DeleteTeam(ctx context.Context, team string) error

	// RenameTeam moves the team's graph to the name to, nodes, relations
	// and their events unchanged. ECONFLICT when to has a graph already;
	// from without a graph is no error. Like DeleteTeam it may commit in
	// parts, and running it again finishes an interrupted rename.
	RenameTeam(ctx context.Context, from, to string) error

	// Ping checks that the database answers (readiness).
	Ping(ctx context.Context) error

	// Close releases the store's resources. Calls after Close answer
	// EUNAVAILABLE; closing twice is harmless.
	Close() error
}

// ValidateEvent checks what Apply requires of every event before it writes
// anything: valid labels and names (a relation needs both ends; a node event
// has no Target name either), a known kind, and times as messages allow
// them (spec/messages.md §2): From >= 0 for a span or an open, To >= 1 for
// a span or a close, From < To for a span. The error is EINVALID and names
// the field.
func ValidateEvent(e Event) error {
	if err := e.Node.Validate(); err != nil {
		return err
	}
	if e.Target.Label != "" || e.Target.Name != "" {
		if err := CheckLabel("target label", e.Target.Label); err != nil {
			return err
		}
		if err := CheckName("target name", e.Target.Name); err != nil {
			return err
		}
	}
	switch e.Kind {
	case EventExists:
	case EventSpan:
		if e.From < 0 {
			return Errorf(EINVALID, "from: %d is negative", e.From)
		}
		if e.To < 1 {
			return Errorf(EINVALID, "to: %d is below 1", e.To)
		}
		if e.From >= e.To {
			return Errorf(EINVALID, "from: %d is not before to %d", e.From, e.To)
		}
	case EventOpen:
		if e.From < 0 {
			return Errorf(EINVALID, "from: %d is negative", e.From)
		}
	case EventClose:
		if e.To < 1 {
			return Errorf(EINVALID, "to: %d is below 1", e.To)
		}
	default:
		return Errorf(EINVALID, "kind: unknown event kind %d", e.Kind)
	}
	return nil
}

// GraphVersioner is what a GraphStore may offer so that a computation of
// several days reuses one snapshot of a team's graph (compute.Sequence)
// instead of reading it again for every day: a store without it has every
// day read again, which is always correct.
type GraphVersioner interface {
	// GraphVersion returns the version of the team's graph: a number that
	// changes whenever the graph changes, committed with the change (Apply,
	// DeleteNode, DeleteTeam, RenameTeam of the team, to or from its name),
	// and never comes back to a value it had, even after the team's graph
	// was deleted or renamed away and written again. It may change when
	// nothing did (an Apply that repeats known events). A team that never
	// had a graph has version 0. Two equal versions read at two moments
	// mean that a snapshot taken between them saw the graph as it is at the
	// second. Errors are those of every GraphStore method.
	GraphVersion(ctx context.Context, team string) (int64, error)
}
