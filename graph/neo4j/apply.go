package neo4j

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/depc-dev/depc"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Apply writes a batch in one transaction (see doc.go for the plan).
func (s *Store) Apply(ctx context.Context, team string, events []depc.Event) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := depc.CheckTeam("team", team); err != nil {
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
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	b := newBatch(events)
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
	for _, g := range byLabel {
		slices.Sort(g.periodic)
		slices.Sort(g.exists)
		b.nodeGroups = append(b.nodeGroups, *g)
	}
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

// Queries of applyTx. Every one has a single text for every team and
// label, so that Neo4j plans it once per server: nodes are found by their
// key (team, label, name) through the key constraint's index, and get
// their team's Neo4j label when they are created (a dynamic label, Neo4j
// 5.26); nodes and relations already found are then addressed by id. All
// the nodes of a batch go in one query whatever their labels: a batch
// of a few nodes of each of many labels costs no more than one label's.
//
// An entity with period events that does not exist yet is created with
// its final properties, computed from the batch alone. One that exists is
// write-locked (setting a property takes the lock) before its stored
// events are read: a concurrent batch touching it has committed by then,
// so its events are read, not lost. Go merges, and writes back only what
// changed; the lock property never outlives the transaction.
const (
	// mergePeriodicNodes: rows are {i: index of the key, l: label, k:
	// name, n: Neo4j label, and the properties of createRow}. The key
	// constraint makes MERGE safe against two batches creating one node.
	mergePeriodicNodes = `UNWIND $rows AS r
MERGE (x:` + nodeLabel + ` {team: $team, label: r.l, name: r.k})
ON CREATE SET x:$(r.n), x.periods = r.p, x.opens = r.o, x.closes = r.c, x.spans = r.s
ON MATCH SET x.depc_lock = true
WITH r, x, x.depc_lock IS NOT NULL AS matched
RETURN r.i, id(x), matched, CASE WHEN matched THEN [x.opens, x.closes, x.spans] END`
	// mergeNodes: nodes only declared, or ends of relations, whose
	// periods do not change; rows are {i, l, k, n} as above.
	// It reports which nodes it created (the marker never outlives the
	// statement): a relation to a node created in this transaction cannot
	// exist yet, so it is created without MERGE's search.
	mergeNodes = `UNWIND $rows AS r
MERGE (x:` + nodeLabel + ` {team: $team, label: r.l, name: r.k})
ON CREATE SET x:$(r.n), x.depc_new = true
WITH r, x, x.depc_new IS NOT NULL AS created
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | REMOVE x.depc_new)
RETURN r.i, id(x), created`
	writeNodes = `UNWIND $rows AS r
MATCH (x) WHERE id(x) = r.id
SET x.periods = r.p, x.opens = r.o, x.closes = r.c, x.spans = r.s
REMOVE x.depc_lock`
	unlockNodes = `UNWIND $rows AS id
MATCH (x) WHERE id(x) = id
REMOVE x.depc_lock`
	// mergePeriodicRels: MERGE of a relationship locks both its nodes,
	// so two batches cannot create one relation twice.
	mergePeriodicRels = `UNWIND $rows AS r
MATCH (a) WHERE id(a) = r.a
MATCH (b) WHERE id(b) = r.b
MERGE (a)-[y:DEPENDS_ON]->(b)
ON CREATE SET y.periods = r.p, y.opens = r.o, y.closes = r.c, y.spans = r.s
ON MATCH SET y.depc_lock = true
WITH r, y WHERE y.depc_lock IS NOT NULL
RETURN r.k, id(y), [y.opens, y.closes, y.spans]`
	// createPeriodicRels and createRels make relations one of whose
	// nodes this transaction created: no other transaction can see that
	// node, so the relation is new and MERGE's search is skipped.
	createPeriodicRels = `UNWIND $rows AS r
MATCH (a) WHERE id(a) = r.a
MATCH (b) WHERE id(b) = r.b
CREATE (a)-[y:DEPENDS_ON]->(b)
SET y.periods = r.p, y.opens = r.o, y.closes = r.c, y.spans = r.s`
	createRels = `UNWIND $rows AS r
MATCH (a) WHERE id(a) = r.a
MATCH (b) WHERE id(b) = r.b
CREATE (a)-[:DEPENDS_ON]->(b)`
	mergeRels = `UNWIND $rows AS r
MATCH (a) WHERE id(a) = r.a
MATCH (b) WHERE id(b) = r.b
MERGE (a)-[y:DEPENDS_ON]->(b)`
	writeRels = `UNWIND $rows AS r
MATCH ()-[y]->() WHERE id(y) = r.id
SET y.periods = r.p, y.opens = r.o, y.closes = r.c, y.spans = r.s
REMOVE y.depc_lock`
	unlockRels = `UNWIND $rows AS id
MATCH ()-[y]->() WHERE id(y) = id
REMOVE y.depc_lock`
)

// applyTx writes the batch inside tx. It may run more than once (the
// driver retries transient errors such as deadlocks), so it never changes
// b.
//
//  1. MERGE the nodes with period events (created with their properties,
//     or locked and read), then the other nodes, reading the ids of all;
//  2. CREATE the relations to a node created in step 1 (they cannot
//     exist yet); MERGE the others with period events between those ids
//     (created, or locked and read), then the others only declared;
//  3. merge the batch's events into the sets read, derive the periods,
//     and write back by id what changed.
func (s *Store) applyTx(ctx context.Context, tx neo4j.ManagedTransaction, team string, b *batch) error {
	ids := make(map[depc.NodeKey]int64, len(b.nodes))
	created := map[depc.NodeKey]bool{} // by this transaction
	var w writes
	// Rows in label then name order, the order concurrent batches lock in.
	var keys []depc.NodeKey // by row index
	var periodicNodes, declaredNodes []any
	for _, g := range b.nodeGroups {
		n := neoName(team, g.label)
		for _, name := range g.periodic {
			k := depc.NodeKey{Label: g.label, Name: name}
			row := createRow(name, b.nodes[k].set)
			row["i"], row["l"], row["n"] = int64(len(keys)), g.label, n
			keys = append(keys, k)
			periodicNodes = append(periodicNodes, row)
		}
		for _, name := range g.exists {
			declaredNodes = append(declaredNodes, map[string]any{"i": int64(len(keys)), "l": g.label, "k": name, "n": n})
			keys = append(keys, depc.NodeKey{Label: g.label, Name: name})
		}
	}
	key := func(v any) (depc.NodeKey, error) {
		i, _ := v.(int64)
		if i < 0 || int(i) >= len(keys) {
			return depc.NodeKey{}, fmt.Errorf("apply: node row %d out of range", i)
		}
		return keys[i], nil
	}
	err := s.query(ctx, tx, mergePeriodicNodes, periodicNodes, func(v []any) error {
		k, err := key(v[0])
		if err != nil {
			return err
		}
		id, _ := v[1].(int64)
		ids[k] = id
		if matched, _ := v[2].(bool); matched {
			return w.node(k, id, v[3], b.nodes[k].set)
		}
		created[k] = true
		return nil
	}, "team", team)
	if err != nil {
		return err
	}
	err = s.query(ctx, tx, mergeNodes, declaredNodes, func(v []any) error {
		k, err := key(v[0])
		if err != nil {
			return err
		}
		id, _ := v[1].(int64)
		ids[k] = id
		if c, _ := v[2].(bool); c {
			created[k] = true
		}
		return nil
	}, "team", team)
	if err != nil {
		return err
	}

	var periodic, declared, newPeriodic, newDeclared []any
	var relKeys []relKey // of periodic, by index
	for _, g := range b.relGroups {
		for _, k := range g.periodic {
			fresh := created[k.From] || created[k.To]
			var row map[string]any
			if fresh {
				row = createRow(nil, b.rels[k].set)
				newPeriodic = append(newPeriodic, row)
			} else {
				row = createRow(int64(len(relKeys)), b.rels[k].set)
				periodic = append(periodic, row)
				relKeys = append(relKeys, k)
			}
			row["a"], row["b"] = ids[k.From], ids[k.To]
		}
		for _, k := range g.exists {
			row := map[string]any{"a": ids[k.From], "b": ids[k.To]}
			if created[k.From] || created[k.To] {
				newDeclared = append(newDeclared, row)
			} else {
				declared = append(declared, row)
			}
		}
	}
	err = s.query(ctx, tx, mergePeriodicRels, periodic, func(v []any) error {
		i, _ := v[0].(int64)
		id, _ := v[1].(int64)
		if i < 0 || int(i) >= len(relKeys) {
			return fmt.Errorf("apply: relation row %d out of range", i)
		}
		return w.rel(relKeys[i], id, v[2], b.rels[relKeys[i]].set)
	})
	if err != nil {
		return err
	}
	for _, q := range []struct {
		text string
		rows []any
	}{
		{createPeriodicRels, newPeriodic}, {createRels, newDeclared}, {mergeRels, declared},
		{writeNodes, w.nodes}, {unlockNodes, w.unlockNodes},
		{writeRels, w.rels}, {unlockRels, w.unlockRels},
	} {
		if err := s.query(ctx, tx, q.text, q.rows, nil); err != nil {
			return err
		}
	}
	return nil
}

// createRow is the row of an entity with period events: its key k and the
// properties it gets if it is created, from the batch's events alone.
func createRow(k any, set depc.EventSet) map[string]any {
	row := map[string]any{"k": k, "p": periodsProp(set.Periods())}
	row["o"], row["c"], row["s"] = eventProps(set)
	return row
}

// writes collects the rows that write back existing entities: those whose
// event set changed, and those only to unlock.
type writes struct {
	nodes, unlockNodes, rels, unlockRels []any
}

func (w *writes) node(k depc.NodeKey, id int64, stored any, batch depc.EventSet) error {
	row, err := mergeRow(id, stored, batch)
	if err != nil {
		return fmt.Errorf("stored events of %v: %w", k, err)
	}
	if row == nil {
		w.unlockNodes = append(w.unlockNodes, id)
	} else {
		w.nodes = append(w.nodes, row)
	}
	return nil
}

func (w *writes) rel(k relKey, id int64, stored any, batch depc.EventSet) error {
	row, err := mergeRow(id, stored, batch)
	if err != nil {
		return fmt.Errorf("stored events of %v->%v: %w", k.From, k.To, err)
	}
	if row == nil {
		w.unlockRels = append(w.unlockRels, id)
	} else {
		w.rels = append(w.rels, row)
	}
	return nil
}

// mergeRow merges the batch's events into the stored ones ([opens,
// closes, spans] as read) and returns the write row, or nil when nothing
// changed.
func mergeRow(id int64, stored any, batch depc.EventSet) (map[string]any, error) {
	props, _ := stored.([]any)
	if len(props) != 3 {
		return nil, fmt.Errorf("want [opens, closes, spans], got %v", stored)
	}
	set, err := readEventSet(props[0], props[1], props[2])
	if err != nil {
		return nil, err
	}
	if !set.Merge(batch) {
		return nil, nil
	}
	row := map[string]any{"id": id, "p": periodsProp(set.Periods())}
	row["o"], row["c"], row["s"] = eventProps(set)
	return row, nil
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
