package neo4j

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Apply writes a batch in one transaction (see doc.go for the plan).
func (s *Store) Apply(ctx context.Context, team string, events []depc.Event) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := validTeam(team); err != nil {
		return err
	}
	for i, e := range events {
		if err := depc.ValidateEvent(e); err != nil {
			return depc.Errorf(depc.EINVALID, "events[%d]: %s", i, depc.ErrorMessage(err))
		}
	}
	if len(events) == 0 {
		return nil
	}
	b := newBatch(events)
	if err := s.ensureConstraints(ctx, team, b.labels); err != nil {
		return err
	}
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		return nil, s.applyTx(ctx, tx, team, b)
	})
	return s.wrap(ctx, err, "apply")
}

type relKey struct{ From, To depc.NodeKey }

// entity is what a batch says about one node or relation.
type entity struct {
	set depc.EventSet
	// periodic is true when the batch holds a period event for it, so
	// its stored event set must be read, merged and written back.
	periodic bool
}

// batch is a validated event batch folded per entity and grouped by label
// (nodes) or label pair (relations), names sorted so that concurrent
// transactions lock in one order.
type batch struct {
	labels []string // every label touched, sorted

	nodes      map[depc.NodeKey]*entity
	nodeGroups []nodeGroup
	rels       map[relKey]*entity
	relGroups  []relGroup
}

type nodeGroup struct {
	label    string
	periodic []string // names with period events
	exists   []string // names only declared, or ends of relations
}

type relGroup struct {
	from, to string // labels
	periodic []relKey
	exists   []relKey
}

func newBatch(events []depc.Event) *batch {
	b := &batch{nodes: map[depc.NodeKey]*entity{}, rels: map[relKey]*entity{}}
	node := func(k depc.NodeKey) *entity {
		n := b.nodes[k]
		if n == nil {
			n = &entity{}
			b.nodes[k] = n
		}
		return n
	}
	for _, e := range events {
		var x *entity
		if e.IsRelation() {
			node(e.Node)
			node(e.Target)
			k := relKey{e.Node, e.Target}
			x = b.rels[k]
			if x == nil {
				x = &entity{}
				b.rels[k] = x
			}
		} else {
			x = node(e.Node)
		}
		if e.Kind != depc.EventExists {
			x.set.Add(e)
			x.periodic = true
		}
	}

	byLabel := map[string]*nodeGroup{}
	for k, n := range b.nodes {
		g := byLabel[k.Label]
		if g == nil {
			g = &nodeGroup{label: k.Label}
			byLabel[k.Label] = g
		}
		if n.periodic {
			g.periodic = append(g.periodic, k.Name)
		} else {
			g.exists = append(g.exists, k.Name)
		}
	}
	for l, g := range byLabel {
		slices.Sort(g.periodic)
		slices.Sort(g.exists)
		b.labels = append(b.labels, l)
		b.nodeGroups = append(b.nodeGroups, *g)
	}
	slices.Sort(b.labels)
	slices.SortFunc(b.nodeGroups, func(x, y nodeGroup) int { return cmp.Compare(x.label, y.label) })

	byPair := map[[2]string]*relGroup{}
	for k, r := range b.rels {
		p := [2]string{k.From.Label, k.To.Label}
		g := byPair[p]
		if g == nil {
			g = &relGroup{from: p[0], to: p[1]}
			byPair[p] = g
		}
		if r.periodic {
			g.periodic = append(g.periodic, k)
		} else {
			g.exists = append(g.exists, k)
		}
	}
	cmpRel := func(x, y relKey) int {
		return cmp.Or(cmp.Compare(x.From.Name, y.From.Name), cmp.Compare(x.To.Name, y.To.Name))
	}
	for _, g := range byPair {
		slices.SortFunc(g.periodic, cmpRel)
		slices.SortFunc(g.exists, cmpRel)
		b.relGroups = append(b.relGroups, *g)
	}
	slices.SortFunc(b.relGroups, func(x, y relGroup) int {
		return cmp.Or(cmp.Compare(x.from, y.from), cmp.Compare(x.to, y.to))
	})
	return b
}

// always is the stored periods of an entity with no period event.
var always = []int64{qos.NegInf, qos.PosInf}

// Queries of applyTx. Those that find nodes by name carry the team's
// label in their text (labels cannot be parameters and still use the name
// index); every other query finds nodes and relations by id and has one
// text for every team, so that Neo4j plans it once per server.
const (
	// mergePeriodicNodes is formatted with the label. It creates the
	// nodes that do not exist, write-locks every node (setting a
	// property takes the lock) and only then reads its stored events:
	// a concurrent batch touching the node has committed by then, so its
	// events are read, not lost. The uniqueness constraint makes MERGE
	// safe against two batches creating one node.
	mergePeriodicNodes = `UNWIND $rows AS name
MERGE (x:%s {name: name})
ON CREATE SET x.periods = $always
SET x.depc_lock = true
RETURN name, id(x), x.opens, x.closes, x.spans`
	// mergeNodes is formatted with the label: nodes only declared, or
	// ends of relations, whose periods do not change.
	mergeNodes = `UNWIND $rows AS name
MERGE (x:%s {name: name})
ON CREATE SET x.periods = $always
RETURN name, id(x)`
	writeNodes = `UNWIND $rows AS r
MATCH (x) WHERE id(x) = r.id
SET x.periods = r.p, x.opens = r.o, x.closes = r.c, x.spans = r.s
REMOVE x.depc_lock`
	// mergePeriodicRels is mergePeriodicNodes for relations; MERGE of a
	// relationship locks both its nodes, so two batches cannot create
	// one relation twice.
	mergePeriodicRels = `UNWIND $rows AS r
MATCH (a) WHERE id(a) = r.a
MATCH (b) WHERE id(b) = r.b
MERGE (a)-[y:DEPENDS_ON]->(b)
ON CREATE SET y.periods = $always
SET y.depc_lock = true
RETURN r.i, id(y), y.opens, y.closes, y.spans`
	mergeRels = `UNWIND $rows AS r
MATCH (a) WHERE id(a) = r.a
MATCH (b) WHERE id(b) = r.b
MERGE (a)-[y:DEPENDS_ON]->(b)
ON CREATE SET y.periods = $always`
	writeRels = `UNWIND $rows AS r
MATCH ()-[y]->() WHERE id(y) = r.id
SET y.periods = r.p, y.opens = r.o, y.closes = r.c, y.spans = r.s
REMOVE y.depc_lock`
)

// applyTx writes the batch inside tx. It may run more than once (the
// driver retries transient errors such as deadlocks), so it never changes
// b.
//
//  1. per label, MERGE the nodes with period events, lock them and read
//     their stored event sets and ids; MERGE the other nodes, reading
//     their ids;
//  2. MERGE the relations with period events between those ids, lock
//     them and read their event sets; MERGE the relations only declared;
//  3. merge the batch's events into the stored sets in Go, derive the
//     periods, and write sets and periods back by id.
func (s *Store) applyTx(ctx context.Context, tx neo4j.ManagedTransaction, team string, b *batch) error {
	ids := make(map[depc.NodeKey]int64, len(b.nodes))
	var nodeRows []any
	for _, g := range b.nodeGroups {
		if len(g.periodic) > 0 {
			q := fmt.Sprintf(mergePeriodicNodes, neoLabel(team, g.label))
			err := s.query(ctx, tx, q, strings2any(g.periodic), func(v []any) error {
				name, _ := v[0].(string)
				id, _ := v[1].(int64)
				k := depc.NodeKey{Label: g.label, Name: name}
				stored, err := readEventSet(v[2], v[3], v[4])
				if err != nil {
					return fmt.Errorf("stored events of %v: %w", k, err)
				}
				ids[k] = id
				nodeRows = append(nodeRows, writeRow(id, stored, b.nodes[k].set))
				return nil
			}, "always", always)
			if err != nil {
				return err
			}
		}
		if len(g.exists) > 0 {
			q := fmt.Sprintf(mergeNodes, neoLabel(team, g.label))
			err := s.query(ctx, tx, q, strings2any(g.exists), func(v []any) error {
				name, _ := v[0].(string)
				id, _ := v[1].(int64)
				ids[depc.NodeKey{Label: g.label, Name: name}] = id
				return nil
			}, "always", always)
			if err != nil {
				return err
			}
		}
	}
	if err := s.query(ctx, tx, writeNodes, nodeRows, nil); err != nil {
		return err
	}

	var periodic, declared []any
	var keys []relKey // of periodic, by index
	for _, g := range b.relGroups {
		for _, k := range g.periodic {
			periodic = append(periodic, map[string]any{"i": int64(len(keys)), "a": ids[k.From], "b": ids[k.To]})
			keys = append(keys, k)
		}
		for _, k := range g.exists {
			declared = append(declared, map[string]any{"a": ids[k.From], "b": ids[k.To]})
		}
	}
	var relRows []any
	err := s.query(ctx, tx, mergePeriodicRels, periodic, func(v []any) error {
		i, _ := v[0].(int64)
		id, _ := v[1].(int64)
		if i < 0 || int(i) >= len(keys) {
			return fmt.Errorf("apply: relation row %d out of range", i)
		}
		stored, err := readEventSet(v[2], v[3], v[4])
		if err != nil {
			return fmt.Errorf("stored events of %v->%v: %w", keys[i].From, keys[i].To, err)
		}
		relRows = append(relRows, writeRow(id, stored, b.rels[keys[i]].set))
		return nil
	}, "always", always)
	if err != nil {
		return err
	}
	if err := s.query(ctx, tx, mergeRels, declared, nil, "always", always); err != nil {
		return err
	}
	return s.query(ctx, tx, writeRels, relRows, nil)
}

// writeRow is the write row of an entity: its stored event set merged
// with the batch's, and the derived periods.
func writeRow(id int64, stored, batch depc.EventSet) map[string]any {
	// stored is this attempt's own copy, read from the database.
	stored.Merge(batch)
	row := map[string]any{"id": id, "p": flattenPeriods(stored.Periods())}
	row["o"], row["c"], row["s"] = eventProps(stored)
	return row
}

func strings2any(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// query runs q with $rows bound to successive chunks of rows (at most
// BatchRows each, all in tx) and hands every record's values to each.
// params are more name, value pairs.
func (s *Store) query(ctx context.Context, tx neo4j.ManagedTransaction, q string, rows []any, each func([]any) error, params ...any) error {
	for c := range slices.Chunk(rows, s.batchRows) {
		p := map[string]any{"rows": c}
		for i := 0; i+1 < len(params); i += 2 {
			p[params[i].(string)] = params[i+1]
		}
		r, err := tx.Run(ctx, q, p)
		if err != nil {
			return err
		}
		for r.Next(ctx) {
			if each != nil {
				if err := each(r.Record().Values); err != nil {
					return err
				}
			}
		}
		if err := r.Err(); err != nil {
			return err
		}
	}
	return nil
}
