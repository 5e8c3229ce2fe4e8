package embedded

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
)

// Traversals go breadth-first, one query per frontier chunk of up to
// lookupChunk nodes (never one per node), with a visited set so that cycles
// end. Activity is decided in Go on the decoded periods.

// idArray returns ids as a JSON array, the one parameter of a frontier
// query.
func idArray(ids []int64) string {
	var b strings.Builder
	b.Grow(len(ids)*8 + 2)
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteByte(']')
	return b.String()
}

// scratch decodes period blobs into a reused buffer, for the many periods
// that are only tested, not kept.
type scratch struct{ buf depc.Periods }

func (s *scratch) decode(b []byte) (depc.Periods, error) {
	n, err := periodsLen(b)
	if err != nil {
		return nil, err
	}
	if cap(s.buf) < n {
		s.buf = make(depc.Periods, n)
	}
	ps := s.buf[:n]
	return ps, decodePeriodsInto(ps, b)
}

// Impacted returns a page of the ancestors of a node, of one label, that
// reach it through a path active at `at`.
func (s *Store) Impacted(ctx context.Context, team string, k depc.NodeKey, ancestorLabel string, at int64, limit int, after string) ([]depc.NodeKey, string, error) {
	if err := checkKey(team, k); err != nil {
		return nil, "", err
	}
	if err := depc.CheckLabel("ancestor label", ancestorLabel); err != nil {
		return nil, "", err
	}
	if err := checkLimit(limit); err != nil {
		return nil, "", err
	}
	done, err := s.enter()
	if err != nil {
		return nil, "", err
	}
	defer done()
	tx, err := s.readTx(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	start, err := s.findNode(ctx, tx, team, k)
	if err != nil {
		return nil, "", err
	}
	labels, err := labelIDs(ctx, tx, team)
	if err != nil {
		return nil, "", s.fail(err, "impacted: read labels")
	}
	want, ok := labels.byName[ancestorLabel]
	if !ok || !start.periods.ActiveAt(at) {
		return nil, "", nil
	}
	// The start node is visited from the outset: it is never its own
	// ancestor, even on a cycle.
	visited := map[int64]bool{start.id: true}
	frontier := []int64{start.id}
	var names []string
	var sc scratch
	for len(frontier) > 0 {
		var next []int64
		for chunk := range slices.Chunk(frontier, lookupChunk) {
			rows, err := tx.QueryContext(ctx, `SELECT r.src, r.periods, n.label, n.name, n.periods
				FROM json_each(?) j CROSS JOIN rel r ON r.dst = j.value CROSS JOIN node n ON n.id = r.src`,
				idArray(chunk))
			if err != nil {
				return nil, "", s.fail(err, "impacted: read dependents")
			}
			for rows.Next() {
				var src, label int64
				var name string
				var relBlob, nodeBlob sql.RawBytes
				if err := rows.Scan(&src, &relBlob, &label, &name, &nodeBlob); err != nil {
					rows.Close()
					return nil, "", s.fail(err, "impacted: read dependents")
				}
				if visited[src] {
					continue
				}
				if active, err := activeAt(&sc, relBlob, at); err != nil || !active {
					if err != nil {
						rows.Close()
						return nil, "", s.fail(err, "impacted: relation to %s", name)
					}
					continue
				}
				if active, err := activeAt(&sc, nodeBlob, at); err != nil || !active {
					if err != nil {
						rows.Close()
						return nil, "", s.fail(err, "impacted: node %s", name)
					}
					continue
				}
				visited[src] = true
				next = append(next, src)
				if label == want && name > after {
					names = append(names, name)
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, "", s.fail(err, "impacted: read dependents")
			}
		}
		frontier = next
	}
	slices.Sort(names)
	out := make([]depc.NodeKey, 0, min(len(names), limit))
	for _, n := range names[:min(len(names), limit)] {
		out = append(out, depc.NodeKey{Label: ancestorLabel, Name: n})
	}
	if len(names) > limit {
		return out, names[limit-1], nil
	}
	return out, "", nil
}

func activeAt(sc *scratch, blob []byte, at int64) (bool, error) {
	ps, err := sc.decode(blob)
	return err == nil && ps.ActiveAt(at), err
}

// idIndex maps the database ids of a snapshot's nodes to their snapshot
// IDs: a dense table when the ids are close together (the usual case: a
// team's nodes are inserted in bulk), else a sorted array searched in
// O(log n). Both take a few bytes per node, against ~50 for a map.
type idIndex struct {
	min   int64
	dense []int32
	keys  []int64
	vals  []int32
}

// newIDIndex indexes ids, where ids[i] has snapshot ID i.
func newIDIndex(ids []int64) *idIndex {
	x := &idIndex{}
	if len(ids) == 0 {
		return x
	}
	lo, hi := slices.Min(ids), slices.Max(ids)
	if span := uint64(hi - lo); span < 4*uint64(len(ids))+1024 {
		x.min = lo
		x.dense = make([]int32, span+1)
		for i := range x.dense {
			x.dense[i] = -1
		}
		for i, id := range ids {
			x.dense[id-lo] = int32(i)
		}
		return x
	}
	order := make([]int32, len(ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		switch {
		case ids[a] < ids[b]:
			return -1
		case ids[a] > ids[b]:
			return 1
		}
		return 0
	})
	x.keys = make([]int64, len(ids))
	for i, o := range order {
		x.keys[i] = ids[o]
	}
	x.vals = order
	return x
}

func (x *idIndex) find(id int64) (int32, bool) {
	if x.dense != nil {
		if id < x.min || id-x.min >= int64(len(x.dense)) {
			return 0, false
		}
		v := x.dense[id-x.min]
		return v, v >= 0
	}
	i, ok := slices.BinarySearch(x.keys, id)
	if !ok {
		return 0, false
	}
	return x.vals[i], true
}

// Snapshot streams the nodes of some labels active during w, then the
// relations between them active during w. It reads in one transaction, so
// the snapshot is consistent, and holds in memory only the ids of the
// delivered nodes, never the rows.
func (s *Store) Snapshot(ctx context.Context, team string, w depc.Window, labels []string, sink depc.SnapshotSink) error {
	if err := depc.CheckTeam("team", team); err != nil {
		return err
	}
	for _, l := range labels {
		if err := depc.CheckLabel("labels", l); err != nil {
			return err
		}
	}
	if err := checkWindow(w); err != nil {
		return err
	}
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	tx, err := s.readTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	known, err := labelIDs(ctx, tx, team)
	if err != nil {
		return s.fail(err, "snapshot: read labels")
	}
	if len(labels) == 0 {
		for l := range known.byName {
			labels = append(labels, l)
		}
	}
	labels = slices.Clone(labels)
	slices.Sort(labels)
	labels = slices.Compact(labels)
	var chosen []int64
	var mine int64
	for _, l := range labels {
		if id, ok := known.byName[l]; ok {
			chosen = append(chosen, id)
			mine += known.nodes[id]
		}
	}
	if len(chosen) == 0 {
		return nil
	}
	var all int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(nodes), 0) FROM label`).Scan(&all); err != nil {
		return s.fail(err, "snapshot: count nodes")
	}
	// When the snapshot covers most of the database (one big team), the
	// node and relation tables are read front to back, which costs half
	// as much per row as walking the key index label by label and seeking
	// each row; the rows of other labels and teams are dropped on the way.
	// Otherwise only the chosen labels' index ranges are read.
	scan := 2*mine >= all
	d := &delivery{s: s, ctx: ctx, tx: tx, w: w, sink: sink, labels: known}
	if scan {
		want := make(map[int64]bool, len(chosen))
		for _, id := range chosen {
			want[id] = true
		}
		err = d.nodes(`SELECT id, label, name, periods, adj FROM node`, nil, want)
	} else {
		for _, label := range chosen {
			if err = d.nodes(`SELECT id, label, name, periods, adj FROM node WHERE label = ?`, []any{label}, nil); err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	// Every node is delivered: the relations leaving them are in their
	// adjacencies, kept in delivery order, so relations come by source in
	// that order, then by destination id, as rel's key would give them.
	d.index = newIDIndex(d.ids)
	d.ids = nil
	return d.relations()
}

// delivery is one snapshot being streamed.
type delivery struct {
	s      *Store
	ctx    context.Context
	tx     *sql.Tx
	w      depc.Window
	sink   depc.SnapshotSink
	labels *teamLabels
	ids    []int64   // database id of each delivered node, by snapshot ID
	adj    adjStream // adjacency of each delivered node, by snapshot ID
	index  *idIndex
	sl     slab
	sc     scratch
}

// nodes delivers the active nodes a query returns (id, label, name,
// periods, adj), keeping only the labels in want when it is not nil, and
// keeps their adjacencies.
func (d *delivery) nodes(q string, args []any, want map[int64]bool) error {
	rows, err := d.tx.QueryContext(d.ctx, q, args...)
	if err != nil {
		return d.s.fail(err, "snapshot: read nodes")
	}
	defer rows.Close()
	for rows.Next() {
		var id, label int64
		var n depc.SnapshotNode
		var name, blob, adj sql.RawBytes
		if err := rows.Scan(&id, &label, &name, &blob, &adj); err != nil {
			return d.s.fail(err, "snapshot: read nodes")
		}
		if want != nil && !want[label] {
			continue
		}
		ps, err := d.sc.decode(blob)
		if err != nil {
			return d.s.fail(err, "snapshot: node %s/%s", d.labels.byID[label], name)
		}
		if !ps.ActiveDuring(d.w) {
			continue
		}
		if len(d.ids) == math.MaxInt32 {
			return depc.Errorf(depc.ETOOLARGE, "snapshot: more than %d nodes", math.MaxInt32)
		}
		n.ID = int32(len(d.ids))
		n.Key = depc.NodeKey{Label: d.labels.byID[label], Name: string(name)}
		n.Periods = d.sl.take(len(ps))
		copy(n.Periods, ps)
		if err := d.sink.Node(n); err != nil {
			return err
		}
		d.ids = append(d.ids, id)
		d.adj.add(adj)
	}
	if err := rows.Err(); err != nil {
		return d.s.fail(err, "snapshot: read nodes")
	}
	return nil
}

// relations delivers the active relations in the delivered nodes'
// adjacencies whose destination was delivered too.
func (d *delivery) relations() error {
	return d.adj.each(func(i int, adj []byte) error {
		from := int32(i)
		err := walkAdj(adj, func(dst int64, blob []byte) error {
			to, ok := d.index.find(dst)
			if !ok {
				return nil
			}
			ps, err := d.sc.decode(blob)
			if err != nil {
				return d.s.fail(err, "snapshot: relation of snapshot node %d to node id %d", i, dst)
			}
			if !ps.ActiveDuring(d.w) {
				return nil
			}
			r := depc.SnapshotRelation{From: from, To: to, Periods: d.sl.take(len(ps))}
			copy(r.Periods, ps)
			return d.sink.Relation(r)
		})
		if errors.Is(err, errCorrupt) {
			return d.s.fail(err, "snapshot: adjacency of snapshot node %d", i)
		}
		return err
	})
}

// Subgraph streams a node and what it reaches through relations and nodes
// active during w, then the relations among them.
func (s *Store) Subgraph(ctx context.Context, team string, root depc.NodeKey, w depc.Window, sink depc.SnapshotSink) error {
	if err := checkKey(team, root); err != nil {
		return err
	}
	if err := checkWindow(w); err != nil {
		return err
	}
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	tx, err := s.readTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	start, err := s.findNode(ctx, tx, team, root)
	if err != nil {
		return err
	}
	labels, err := labelIDs(ctx, tx, team)
	if err != nil {
		return s.fail(err, "subgraph: read labels")
	}
	if err := sink.Node(depc.SnapshotNode{ID: 0, Key: root, Periods: start.periods}); err != nil {
		return err
	}
	delivered := map[int64]int32{start.id: 0}
	rejected := map[int64]bool{} // nodes seen inactive during w
	var rels []depc.SnapshotRelation
	var frontier []int64
	if start.periods.ActiveDuring(w) {
		frontier = append(frontier, start.id)
	}
	var sl slab
	var sc scratch
	for len(frontier) > 0 {
		var next []int64
		for chunk := range slices.Chunk(frontier, lookupChunk) {
			rows, err := tx.QueryContext(ctx, `SELECT r.src, r.dst, r.periods, n.label, n.name, n.periods
				FROM json_each(?) j CROSS JOIN rel r ON r.src = j.value CROSS JOIN node n ON n.id = r.dst`,
				idArray(chunk))
			if err != nil {
				return s.fail(err, "subgraph: read dependencies")
			}
			for rows.Next() {
				var src, dst, label int64
				var name string
				var relBlob, nodeBlob sql.RawBytes
				if err := rows.Scan(&src, &dst, &relBlob, &label, &name, &nodeBlob); err != nil {
					rows.Close()
					return s.fail(err, "subgraph: read dependencies")
				}
				if rejected[dst] {
					continue
				}
				relPeriods, err := sc.decode(relBlob)
				if err != nil {
					rows.Close()
					return s.fail(err, "subgraph: relation to %s", name)
				}
				if !relPeriods.ActiveDuring(w) {
					continue
				}
				rel := depc.SnapshotRelation{From: delivered[src], Periods: sl.take(len(relPeriods))}
				copy(rel.Periods, relPeriods)
				// Every delivered node but an inactive root is active; an
				// inactive root is never expanded, so never a destination here.
				if id, ok := delivered[dst]; ok {
					rel.To = id
					rels = append(rels, rel)
					continue
				}
				nodePeriods, err := sl.decode(nodeBlob)
				if err != nil {
					rows.Close()
					return s.fail(err, "subgraph: node %s", name)
				}
				if !nodePeriods.ActiveDuring(w) {
					rejected[dst] = true
					continue
				}
				id := int32(len(delivered))
				n := depc.SnapshotNode{ID: id, Key: depc.NodeKey{Label: labels.byID[label], Name: name}, Periods: nodePeriods}
				if err := sink.Node(n); err != nil {
					rows.Close()
					return err
				}
				delivered[dst] = id
				rel.To = id
				rels = append(rels, rel)
				next = append(next, dst)
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return s.fail(err, "subgraph: read dependencies")
			}
		}
		frontier = next
	}
	for _, r := range rels {
		if err := sink.Relation(r); err != nil {
			return err
		}
	}
	return nil
}

// DeleteNode removes a node and every relation from or to it.
func (s *Store) DeleteNode(ctx context.Context, team string, k depc.NodeKey) error {
	if err := checkKey(team, k); err != nil {
		return err
	}
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(err, "delete %s: begin", k)
	}
	defer tx.Rollback()
	n, err := s.findNode(ctx, writeTx{tx}, team, k)
	if err != nil {
		return err
	}
	// Dropped before the commit: were the commit to fail, the entry would
	// only be looked up again.
	s.ids.drop(nodeRef{n.label, k.Name})
	if err := dropFromAdjacencies(ctx, tx, n.id); err != nil {
		return s.fail(err, "delete %s", k)
	}
	for _, st := range []struct {
		q  string
		id int64
	}{
		{`DELETE FROM rel WHERE src = ?`, n.id},
		{`DELETE FROM rel WHERE dst = ?`, n.id},
		{`DELETE FROM node WHERE id = ?`, n.id},
		{`UPDATE label SET nodes = nodes - 1 WHERE id = ?`, n.label},
	} {
		if _, err := tx.ExecContext(ctx, st.q, st.id); err != nil {
			return s.fail(err, "delete %s", k)
		}
	}
	if err := bumpVersion(ctx, tx, team); err != nil {
		return s.fail(err, "delete %s: graph version", k)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(err, "delete %s: commit", k)
	}
	return nil
}
