package neo4j

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/depc-dev/depc"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Activity predicates on a stored period list p (flattened pairs; null
// for always), as Cypher list predicates so that inactive entities never
// leave the server.
func activeDuring(p string) string {
	return fmt.Sprintf("(%[1]s IS NULL OR any(k IN range(0, size(%[1]s) - 2, 2) WHERE %[1]s[k] < $end AND %[1]s[k + 1] > $start))", p)
}

func activeAt(p string) string {
	return fmt.Sprintf("(%[1]s IS NULL OR any(k IN range(0, size(%[1]s) - 2, 2) WHERE %[1]s[k] <= $at AND $at < %[1]s[k + 1]))", p)
}

// Traversals and snapshots identify nodes by id(x): an int64 is a quarter
// of an elementId string in memory, which matters for a snapshot of a
// million nodes, and id() stays valid within one transaction, which is
// all a traversal needs. (id() is deprecated in Cypher 25, not in 5.x.)

// sinkError carries an error of the caller's sink through the driver's
// transaction functions, so that it comes back unchanged.
type sinkError struct{ err error }

func (e sinkError) Error() string { return e.err.Error() }
func (e sinkError) Unwrap() error { return e.err }

func (s *Store) finish(ctx context.Context, err error, what string) error {
	var se sinkError
	if errors.As(err, &se) {
		return se.err
	}
	return s.wrap(ctx, err, what)
}

// readTx runs work in one explicit read transaction, without retries:
// streaming work hands records to a sink as they come and cannot be run
// twice.
func (s *Store) readTx(ctx context.Context, work func(tx neo4j.ExplicitTransaction) error) error {
	sess := s.session(ctx, neo4j.AccessModeRead)
	defer sess.Close(context.WithoutCancel(ctx))
	tx, err := sess.BeginTransaction(ctx)
	if err != nil {
		return err
	}
	defer tx.Close(context.WithoutCancel(ctx))
	if err := work(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Snapshot streams the team's nodes of the labels active during w, then
// the relations between them active during w, in one read transaction.
//
// Records come in chunks: each query returns one record holding up to
// FetchSize nodes (or the relations of up to FetchSize nodes) as lists.
// Bolt and the driver spend more per record than per value, so this
// streams several times faster than a record per node or relation, and
// memory stays at one chunk. Nodes are paged by name through the key
// constraint's index (keyset pagination: each page is an index seek, never a
// sort), relations by the ids of the nodes delivered. The store keeps
// only those ids (the snapshot ID of a node is its index in that slice)
// and a map back from them.
func (s *Store) Snapshot(ctx context.Context, team string, w depc.Window, labels []string, sink depc.SnapshotSink) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := depc.CheckTeam("team", team); err != nil {
		return err
	}
	for i, l := range labels {
		if err := depc.CheckLabel(fmt.Sprintf("labels[%d]", i), l); err != nil {
			return err
		}
	}
	if err := validWindow(w); err != nil {
		return err
	}
	labels = slices.Compact(slices.Sorted(slices.Values(labels)))
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	err := s.readTx(ctx, func(tx neo4j.ExplicitTransaction) error {
		if len(labels) == 0 {
			var err error
			if labels, err = teamLabels(ctx, tx, team); err != nil {
				return err
			}
		}
		var order []int64          // Neo4j id of each delivered node, by snapshot ID
		index := map[int64]int32{} // and back
		// Ordered by the whole key, so that the index provides the order
		// (see Nodes).
		page := "MATCH (x:" + nodeLabel + `) WHERE x.team = $team AND x.label = $label AND x.name > $after
WITH x ORDER BY x.team, x.label, x.name LIMIT $n
WITH collect(x) AS xs
RETURN size(xs), xs[-1].name, [x IN xs WHERE ` + activeDuring("x.periods") + " | [id(x), x.name, x.periods]]"
		for _, l := range labels {
			after := ""
			for {
				r, err := tx.Run(ctx, page, map[string]any{"team": team, "label": l, "after": after, "n": int64(s.fetchSize), "start": w.Start, "end": w.End})
				if err != nil {
					return err
				}
				rec, err := single(ctx, r)
				if err != nil {
					return err
				}
				v := rec.Values
				seen, _ := v[0].(int64)
				after, _ = v[1].(string)
				nodes, _ := v[2].([]any)
				for _, x := range nodes {
					x, _ := x.([]any)
					if len(x) != 3 {
						return fmt.Errorf("snapshot: node record %v", x)
					}
					id, _ := x[0].(int64)
					name, _ := x[1].(string)
					ps, err := readPeriods(x[2])
					if err != nil {
						return fmt.Errorf("node %s/%s: %w", l, name, err)
					}
					if len(order) == math.MaxInt32 {
						return depc.Errorf(depc.ETOOLARGE, "snapshot: more than %d nodes", math.MaxInt32)
					}
					n := depc.SnapshotNode{ID: int32(len(order)), Key: depc.NodeKey{Label: l, Name: name}, Periods: ps}
					order = append(order, id)
					index[id] = n.ID
					if err := sink.Node(n); err != nil {
						return sinkError{err}
					}
				}
				if seen < int64(s.fetchSize) {
					break
				}
			}
		}
		q := fmt.Sprintf(`UNWIND $rows AS i
MATCH (x)-[y:DEPENDS_ON]->(z) WHERE id(x) = i AND %s
RETURN collect(i), collect(id(z)), collect(coalesce(y.periods, []))`, activeDuring("y.periods"))
		for c := range slices.Chunk(order, s.fetchSize) {
			r, err := tx.Run(ctx, q, map[string]any{"rows": c, "start": w.Start, "end": w.End})
			if err != nil {
				return err
			}
			rec, err := single(ctx, r)
			if err != nil {
				return err
			}
			xs, _ := rec.Values[0].([]any)
			zs, _ := rec.Values[1].([]any)
			ps, _ := rec.Values[2].([]any)
			if len(zs) != len(xs) || len(ps) != len(xs) {
				return fmt.Errorf("snapshot: relation lists of %d, %d and %d", len(xs), len(zs), len(ps))
			}
			for i := range xs {
				x, _ := xs[i].(int64)
				z, _ := zs[i].(int64)
				to, ok := index[z]
				if !ok {
					continue // the target is inactive or of a label not asked for
				}
				periods, err := readPeriods(ps[i])
				if err != nil {
					return fmt.Errorf("relation: %w", err)
				}
				if err := sink.Relation(depc.SnapshotRelation{From: index[x], To: to, Periods: periods}); err != nil {
					return sinkError{err}
				}
			}
		}
		return nil
	})
	return s.finish(ctx, err, "snapshot")
}

// Subgraph walks down from the root one hop level per query (never one
// query per node), delivering nodes as they are found and keeping the
// relations, which are delivered at the end.
func (s *Store) Subgraph(ctx context.Context, team string, root depc.NodeKey, w depc.Window, sink depc.SnapshotSink) error {
	if err := s.checkKey(team, root); err != nil {
		return err
	}
	if err := validWindow(w); err != nil {
		return err
	}
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	err := s.readTx(ctx, func(tx neo4j.ExplicitTransaction) error {
		r, err := tx.Run(ctx, matchKey+" RETURN id(x), x.periods", keyParams(team, root))
		if err != nil {
			return err
		}
		if !r.Next(ctx) {
			if err := r.Err(); err != nil {
				return err
			}
			return notFound(root)
		}
		v := r.Record().Values
		rootID, _ := v[0].(int64)
		ps, err := readPeriods(v[1])
		if err != nil {
			return fmt.Errorf("node %v: %w", root, err)
		}
		if err := sink.Node(depc.SnapshotNode{ID: 0, Key: root, Periods: ps}); err != nil {
			return sinkError{err}
		}
		if !ps.ActiveDuring(w) {
			return nil // an inactive root has no active relation
		}
		ids := map[int64]int32{rootID: 0}
		var rels []depc.SnapshotRelation
		hop := fmt.Sprintf(`UNWIND $rows AS i
MATCH (x)-[y:DEPENDS_ON]->(z) WHERE id(x) = i
WITH i, z, y.periods AS rp, z.periods AS np
WHERE %s AND %s
RETURN i, id(z), z.label, z.name, np, rp`, activeDuring("rp"), activeDuring("np"))
		frontier := []int64{rootID}
		for len(frontier) > 0 {
			var next []int64
			for c := range slices.Chunk(frontier, s.batchRows) {
				p := map[string]any{"rows": c, "start": w.Start, "end": w.End}
				r, err := tx.Run(ctx, hop, p)
				if err != nil {
					return err
				}
				for r.Next(ctx) {
					v := r.Record().Values
					x, _ := v[0].(int64)
					z, _ := v[1].(int64)
					to, seen := ids[z]
					if !seen {
						label, err := storedLabel(v[2])
						if err != nil {
							return err
						}
						name, _ := v[3].(string)
						ps, err := readPeriods(v[4])
						if err != nil {
							return fmt.Errorf("node %s/%s: %w", label, name, err)
						}
						to = int32(len(ids))
						ids[z] = to
						next = append(next, z)
						if err := sink.Node(depc.SnapshotNode{ID: to, Key: depc.NodeKey{Label: label, Name: name}, Periods: ps}); err != nil {
							return sinkError{err}
						}
					}
					ps, err := readPeriods(v[5])
					if err != nil {
						return fmt.Errorf("relation: %w", err)
					}
					rels = append(rels, depc.SnapshotRelation{From: ids[x], To: to, Periods: ps})
				}
				if err := r.Err(); err != nil {
					return err
				}
			}
			frontier = next
		}
		for _, rel := range rels {
			if err := sink.Relation(rel); err != nil {
				return sinkError{err}
			}
		}
		return nil
	})
	return s.finish(ctx, err, "subgraph")
}

// Impacted walks up from the node one hop level per query, through
// relations and nodes active at `at`, and pages through the ancestors of
// ancestorLabel it met.
func (s *Store) Impacted(ctx context.Context, team string, key depc.NodeKey, ancestorLabel string, at int64, limit int, after string) ([]depc.NodeKey, string, error) {
	if err := s.checkKey(team, key); err != nil {
		return nil, "", err
	}
	if err := depc.CheckLabel("ancestor label", ancestorLabel); err != nil {
		return nil, "", err
	}
	if err := validLimit(limit); err != nil {
		return nil, "", err
	}
	if err := s.ensureSchema(ctx); err != nil {
		return nil, "", err
	}
	var names []string
	err := s.readTx(ctx, func(tx neo4j.ExplicitTransaction) error {
		names = nil
		r, err := tx.Run(ctx, matchKey+" RETURN id(x), x.periods", keyParams(team, key))
		if err != nil {
			return err
		}
		if !r.Next(ctx) {
			if err := r.Err(); err != nil {
				return err
			}
			return notFound(key)
		}
		v := r.Record().Values
		start, _ := v[0].(int64)
		ps, err := readPeriods(v[1])
		if err != nil {
			return fmt.Errorf("node %v: %w", key, err)
		}
		if !ps.ActiveAt(at) {
			return nil
		}
		// The name is returned only for nodes of the ancestor label.
		hop := fmt.Sprintf(`UNWIND $rows AS i
MATCH (x)-[y:DEPENDS_ON]->(z) WHERE id(z) = i
WITH x, y.periods AS rp, x.periods AS np
WHERE %s AND %s
RETURN DISTINCT id(x), CASE WHEN x:%s THEN x.name END`, activeAt("rp"), activeAt("np"), neoLabel(team, ancestorLabel))
		seen := map[int64]bool{start: true}
		frontier := []int64{start}
		for len(frontier) > 0 {
			var next []int64
			for c := range slices.Chunk(frontier, s.batchRows) {
				r, err := tx.Run(ctx, hop, map[string]any{"rows": c, "at": at})
				if err != nil {
					return err
				}
				for r.Next(ctx) {
					v := r.Record().Values
					x, _ := v[0].(int64)
					if seen[x] {
						continue
					}
					seen[x] = true
					next = append(next, x)
					if name, ok := v[1].(string); ok && name > after {
						names = append(names, name)
					}
				}
				if err := r.Err(); err != nil {
					return err
				}
			}
			frontier = next
		}
		return nil
	})
	if err != nil {
		return nil, "", s.finish(ctx, err, "impacted")
	}
	slices.Sort(names)
	next := ""
	if len(names) > limit {
		names, next = names[:limit], names[limit-1]
	}
	out := make([]depc.NodeKey, len(names))
	for i, n := range names {
		out[i] = depc.NodeKey{Label: ancestorLabel, Name: n}
	}
	return out, next, nil
}
