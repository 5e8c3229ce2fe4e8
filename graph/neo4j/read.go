package neo4j

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/depc-dev/depc"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Node returns one node with its periods.
func (s *Store) Node(ctx context.Context, team string, key depc.NodeKey) (depc.Node, error) {
	if err := s.checkKey(team, key); err != nil {
		return depc.Node{}, err
	}
	if err := s.ensureSchema(ctx); err != nil {
		return depc.Node{}, err
	}
	res, err := s.read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, matchKey+" RETURN x.periods", keyParams(team, key))
		if err != nil {
			return nil, err
		}
		if !r.Next(ctx) {
			return nil, r.Err()
		}
		ps, err := readPeriods(r.Record().Values[0])
		if err != nil {
			return nil, fmt.Errorf("node %v: %w", key, err)
		}
		return depc.Node{Key: key, Periods: ps}, r.Err()
	})
	if err != nil {
		return depc.Node{}, s.wrap(ctx, err, "node")
	}
	if res == nil {
		return depc.Node{}, notFound(key)
	}
	return res.(depc.Node), nil
}

func notFound(key depc.NodeKey) error {
	return depc.Errorf(depc.ENOTFOUND, "node %s not found", key)
}

func (s *Store) checkKey(team string, key depc.NodeKey) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := depc.CheckTeam("team", team); err != nil {
		return err
	}
	return key.Validate()
}

// teamLabels lists the depc labels of the team that the database knows.
// db.labels() lists the labels in use in the whole database; the team's
// are those under its prefix.
func teamLabels(ctx context.Context, tx neo4j.ManagedTransaction, team string) ([]string, error) {
	r, err := tx.Run(ctx, "CALL db.labels() YIELD label WHERE label STARTS WITH $prefix RETURN label",
		map[string]any{"prefix": labelPrefix(team)})
	if err != nil {
		return nil, err
	}
	var out []string
	for r.Next(ctx) {
		neo, _ := r.Record().Values[0].(string)
		if l := depcLabel(team, neo); l != "" {
			out = append(out, l)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}

// Labels returns the team's labels with their node counts. The count of
// a label comes from Neo4j's count store, so it costs nothing per node.
func (s *Store) Labels(ctx context.Context, team string) ([]depc.LabelCount, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := depc.CheckTeam("team", team); err != nil {
		return nil, err
	}
	if err := s.ensureSchema(ctx); err != nil {
		return nil, err
	}
	res, err := s.read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		labels, err := teamLabels(ctx, tx, team)
		if err != nil || len(labels) == 0 {
			return []depc.LabelCount(nil), err
		}
		var out []depc.LabelCount
		for _, l := range labels {
			r, err := tx.Run(ctx, fmt.Sprintf("MATCH (x:%s) RETURN count(x)", neoLabel(team, l)), nil)
			if err != nil {
				return nil, err
			}
			rec, err := single(ctx, r)
			if err != nil {
				return nil, err
			}
			// A label whose last node went may still be listed.
			if n, _ := rec.Values[0].(int64); n > 0 {
				out = append(out, depc.LabelCount{Label: l, Nodes: int(n)})
			}
		}
		return out, nil
	})
	if err != nil {
		return nil, s.wrap(ctx, err, "labels")
	}
	return res.([]depc.LabelCount), nil
}

// Nodes pages through the names of a label. The index of the key
// constraint serves both the range (team and label equal, name > after)
// and the order, so a page costs its own size, not the label's.
func (s *Store) Nodes(ctx context.Context, team, label, substring string, limit int, after string) ([]string, string, error) {
	if err := s.check(); err != nil {
		return nil, "", err
	}
	if err := depc.CheckTeam("team", team); err != nil {
		return nil, "", err
	}
	if err := depc.CheckLabel("label", label); err != nil {
		return nil, "", err
	}
	if err := validLimit(limit); err != nil {
		return nil, "", err
	}
	if err := s.ensureSchema(ctx); err != nil {
		return nil, "", err
	}
	// Ordering by the whole key lets the planner read the index in order
	// (ordering by name alone makes it sort every name after $after).
	const q = "MATCH (x:" + nodeLabel + `) WHERE x.team = $team AND x.label = $label AND x.name > $after AND x.name CONTAINS $sub
WITH x ORDER BY x.team, x.label, x.name LIMIT $limit
RETURN x.name`
	res, err := s.read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, q, map[string]any{"team": team, "label": label, "after": after, "sub": substring, "limit": int64(limit) + 1})
		if err != nil {
			return nil, err
		}
		var names []string
		for r.Next(ctx) {
			n, _ := r.Record().Values[0].(string)
			names = append(names, n)
		}
		return names, r.Err()
	})
	if err != nil {
		return nil, "", s.wrap(ctx, err, "nodes")
	}
	names := res.([]string)
	if len(names) > limit {
		return names[:limit], names[limit-1], nil
	}
	return names, "", nil
}

// Dependencies returns the direct dependencies of a node.
func (s *Store) Dependencies(ctx context.Context, team string, key depc.NodeKey, when depc.Activity) ([]depc.Dependency, error) {
	return s.neighbours(ctx, team, key, when, "(x)-[r:DEPENDS_ON]->(y)")
}

// Dependents returns the direct dependents of a node.
func (s *Store) Dependents(ctx context.Context, team string, key depc.NodeKey, when depc.Activity) ([]depc.Dependency, error) {
	return s.neighbours(ctx, team, key, when, "(x)<-[r:DEPENDS_ON]-(y)")
}

// neighbours reads every neighbour across pattern in one query. The Active
// flags are computed here rather than in Cypher: every neighbour is
// returned anyway.
func (s *Store) neighbours(ctx context.Context, team string, key depc.NodeKey, when depc.Activity, pattern string) ([]depc.Dependency, error) {
	if err := s.checkKey(team, key); err != nil {
		return nil, err
	}
	if err := validActivity(when); err != nil {
		return nil, err
	}
	if err := s.ensureSchema(ctx); err != nil {
		return nil, err
	}
	q := matchKey + `
OPTIONAL MATCH ` + pattern + `
RETURN y.label, y.name, y.periods, r.periods`
	res, err := s.read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, q, keyParams(team, key))
		if err != nil {
			return nil, err
		}
		found := false
		out := []depc.Dependency{}
		for r.Next(ctx) {
			found = true
			v := r.Record().Values
			if v[1] == nil { // OPTIONAL MATCH found no neighbour
				continue
			}
			d, err := dependency(v)
			if err != nil {
				return nil, fmt.Errorf("neighbour of %v: %w", key, err)
			}
			d.Active = when.Holds(d.Node.Periods) && when.Holds(d.Relation)
			out = append(out, d)
		}
		if err := r.Err(); err != nil {
			return nil, err
		}
		if !found {
			return nil, nil
		}
		return out, nil
	})
	if err != nil {
		return nil, s.wrap(ctx, err, "neighbours")
	}
	if res == nil {
		return nil, notFound(key)
	}
	out := res.([]depc.Dependency)
	slices.SortFunc(out, func(a, b depc.Dependency) int {
		return cmp.Or(cmp.Compare(a.Node.Key.Label, b.Node.Key.Label), cmp.Compare(a.Node.Key.Name, b.Node.Key.Name))
	})
	return out, nil
}

// dependency decodes y.label, y.name, y.periods, r.periods.
func dependency(v []any) (depc.Dependency, error) {
	var d depc.Dependency
	label, err := storedLabel(v[0])
	if err != nil {
		return d, err
	}
	name, _ := v[1].(string)
	d.Node.Key = depc.NodeKey{Label: label, Name: name}
	if d.Node.Periods, err = readPeriods(v[2]); err != nil {
		return d, fmt.Errorf("%v: %w", d.Node.Key, err)
	}
	if d.Relation, err = readPeriods(v[3]); err != nil {
		return d, fmt.Errorf("relation to %v: %w", d.Node.Key, err)
	}
	return d, nil
}

// storedLabel reads a node's label property, which every node has: relations
// never cross teams, so a neighbour is a node of the team.
func storedLabel(v any) (string, error) {
	l, _ := v.(string)
	if !depc.ValidLabel(l) {
		return "", fmt.Errorf("node with label property %v", v)
	}
	return l, nil
}

// DeleteNode removes a node and its relations.
func (s *Store) DeleteNode(ctx context.Context, team string, key depc.NodeKey) error {
	if err := s.checkKey(team, key); err != nil {
		return err
	}
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	const q = matchKey + " DETACH DELETE x RETURN count(*)"
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	res, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, q, keyParams(team, key))
		if err != nil {
			return nil, err
		}
		rec, err := single(ctx, r)
		if err != nil {
			return nil, err
		}
		n, _ := rec.Values[0].(int64)
		return n, nil
	})
	if err != nil {
		return s.wrap(ctx, err, "delete node")
	}
	if res.(int64) == 0 {
		return notFound(key)
	}
	return nil
}

// NodesExist reports, for each key, whether the team has the node: one
// query per BatchRows keys through the key index (package limits asks
// it near a team's node limit).
func (s *Store) NodesExist(ctx context.Context, team string, keys []depc.NodeKey) ([]bool, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := depc.CheckTeam("team", team); err != nil {
		return nil, err
	}
	rows := make([]any, len(keys))
	for i, k := range keys {
		if err := k.Validate(); err != nil {
			return nil, depc.Errorf(depc.EINVALID, "keys[%d]: %s", i, depc.ErrorMessage(err))
		}
		rows[i] = map[string]any{"i": int64(i), "l": k.Label, "n": k.Name}
	}
	if err := s.ensureSchema(ctx); err != nil {
		return nil, err
	}
	const q = "UNWIND $rows AS r MATCH (x:" + nodeLabel + " {team: $team, label: r.l, name: r.n}) RETURN r.i"
	res, err := s.read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		out := make([]bool, len(keys))
		err := s.query(ctx, tx, q, rows, func(v []any) error {
			if i, ok := v[0].(int64); ok && i >= 0 && int(i) < len(out) {
				out[i] = true
			}
			return nil
		}, "team", team)
		return out, err
	})
	if err != nil {
		return nil, s.wrap(ctx, err, "nodes exist")
	}
	return res.([]bool), nil
}
