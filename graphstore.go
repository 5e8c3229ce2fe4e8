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
// snapshot: relations refer to nodes by it.
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
// every relation. It may keep the values it receives. An error returned by
// the sink stops the snapshot and is returned by it.
type SnapshotSink interface {
	Node(SnapshotNode) error
	Relation(SnapshotRelation) error
}

// GraphStore is the time-versioned dependency graph of every team.
//
// Teams are namespaces: a store knows nothing of which teams exist (the
// state store does) and a team with no node simply has an empty graph.
// Labels, names and team names reaching a store have been validated; a store
// that puts them into a query text checks them again and answers EINVALID.
// A store that cannot reach its database answers EUNAVAILABLE: the caller
// may retry, nothing was written.
type GraphStore interface {
	// Apply records a batch of events in one transaction: all or nothing.
	// Node events create the node if needed; relation events create the
	// relation and both its nodes if needed. Periods are derived from each
	// entity's event set (EventSet.Periods), so the result does not depend
	// on the order of events within or across batches, and applying a
	// batch twice changes nothing.
	Apply(ctx context.Context, team string, events []Event) error

	// Node returns one node with its periods. ENOTFOUND if absent.
	Node(ctx context.Context, team string, key NodeKey) (Node, error)

	// Labels returns the labels of the team's graph with node counts,
	// sorted by label.
	Labels(ctx context.Context, team string) ([]LabelCount, error)

	// Nodes returns up to limit node names of a label, sorted by name
	// (byte order), after the name `after` (exclusive; "" for the first
	// page), keeping only names that contain substring (all when ""). next
	// is the last name returned when more names follow, else "".
	Nodes(ctx context.Context, team, label, substring string, limit int, after string) (names []string, next string, err error)

	// Dependencies returns every direct dependency of the node (the nodes
	// it DEPENDS_ON), never truncated, sorted by label then name, each with
	// its relation's periods and its Active flag evaluated for `when`.
	// ENOTFOUND if the node does not exist.
	Dependencies(ctx context.Context, team string, key NodeKey, when Activity) ([]Dependency, error)

	// Dependents is Dependencies in the other direction: the nodes that
	// DEPEND_ON this one.
	Dependents(ctx context.Context, team string, key NodeKey, when Activity) ([]Dependency, error)

	// Impacted returns the nodes of ancestorLabel that have at least one
	// path down to the node whose every node and relation (both ends
	// included) is active at `at`, sorted by name, paged like Nodes.
	// ENOTFOUND if the node does not exist.
	Impacted(ctx context.Context, team string, key NodeKey, ancestorLabel string, at int64, limit int, after string) (nodes []NodeKey, next string, err error)

	// Snapshot streams every node of the given labels that is active
	// during w, then every relation between two such nodes that is active
	// during w, with full (unclipped) periods: what a run loads in one pass.
	Snapshot(ctx context.Context, team string, w Window, labels []string, sink SnapshotSink) error

	// Subgraph streams the node and every node reachable from it through
	// relations active during w whose nodes are active during w, then
	// those relations: the dependency subgraph of one node on one day
	// (root cause, live QoS). ENOTFOUND if the node does not exist.
	Subgraph(ctx context.Context, team string, root NodeKey, w Window, sink SnapshotSink) error

	// DeleteNode removes the node and all its relations. ENOTFOUND if
	// absent.
	DeleteNode(ctx context.Context, team string, key NodeKey) error

	// Ping checks that the database answers (readiness).
	Ping(ctx context.Context) error

	// Close releases the store's resources.
	Close() error
}
