package neo4j

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The schema is one uniqueness constraint, whatever teams and labels
// arrive: every depc node carries the common label nodeLabel and the key
// (team, label, name), unique under keyConstraint, whose index serves
// every lookup by name and every ordered page of a label's names. A
// producer that invents labels adds label tokens (bounded by the team's
// label limit), never schema: schema changes are slow, serialised by the
// server and cannot share a transaction with writes.
const (
	nodeLabel     = "DepcNode"
	keyConstraint = "depc_node_key"

	createKeyConstraint = "CREATE CONSTRAINT " + keyConstraint + " IF NOT EXISTS FOR (x:" + nodeLabel +
		") REQUIRE (x.team, x.label, x.name) IS UNIQUE"

	// matchKey finds one node by its key through the constraint's index.
	// It has one text for every team and label, so Neo4j plans it once.
	matchKey = "MATCH (x:" + nodeLabel + " {team: $team, label: $label, name: $name})"
)

// keyParams are the parameters of matchKey.
func keyParams(team string, k depc.NodeKey) map[string]any {
	return map[string]any{"team": team, "label": k.Label, "name": k.Name}
}

// ensureSchema makes sure, once per store, that the key constraint exists
// and that no schema of the old layout is left (migrate). Every method
// that touches the graph calls it first, after validating its arguments;
// a failure (the server is down) is returned and the next call tries
// again.
func (s *Store) ensureSchema(ctx context.Context) error {
	if s.schemaReady.Load() {
		return nil
	}
	select {
	case s.schemaLock <- struct{}{}:
		defer func() { <-s.schemaLock }()
	case <-ctx.Done():
		return depc.WrapError(depc.EUNAVAILABLE, ctx.Err(), "neo4j: schema: interrupted")
	}
	if s.schemaReady.Load() {
		return nil
	}
	if err := s.migrate(ctx); err != nil {
		return s.wrap(ctx, err, "schema")
	}
	s.schemaReady.Store(true)
	return nil
}

// oldConstraint is a uniqueness constraint of the old layout: one per
// Neo4j label `<team>_<Label>`, named depc_<team>_<Label>_name, on name.
type oldConstraint struct {
	name, team, label string
}

// migrate creates the key constraint, then moves every label of the old
// layout to the new one: its nodes get the common label and the team and
// label properties, in transactions of BatchRows nodes, and its
// constraint is dropped last. The old constraint is the marker of a label
// still to migrate, so an interrupted migration resumes at the next start,
// and several processes may migrate at once (each step is idempotent).
// Writes wait for it: a node written under the new key before its old
// twin was migrated would break the key's uniqueness.
func (s *Store) migrate(ctx context.Context) error {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	if err := schemaChange(ctx, sess, createKeyConstraint); err != nil && !alreadyExists(err) {
		return err
	}
	old, err := s.oldConstraints(ctx, sess)
	if err != nil {
		return err
	}
	for _, c := range old {
		if err := s.migrateLabel(ctx, sess, c); err != nil {
			return fmt.Errorf("migrate %s/%s: %w", c.team, c.label, err)
		}
	}
	return nil
}

// schemaChange runs one schema command in a transaction of its own.
func schemaChange(ctx context.Context, sess neo4j.SessionWithContext, q string) error {
	_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, q, nil)
		if err != nil {
			return nil, err
		}
		return r.Consume(ctx)
	})
	return err
}

// alreadyExists reports a constraint created concurrently by another
// store between IF NOT EXISTS and the creation.
func alreadyExists(err error) bool {
	var ne *neo4j.Neo4jError
	return errors.As(err, &ne) && (ne.Code == "Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists" ||
		ne.Code == "Neo.ClientError.Schema.ConstraintAlreadyExists")
}

// oldConstraints lists the constraints of the old layout, recognised by
// name, label and property together; anything else in the database is
// not depc's and is left alone.
func (s *Store) oldConstraints(ctx context.Context, sess neo4j.SessionWithContext) ([]oldConstraint, error) {
	res, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, `SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties
WHERE type = 'UNIQUENESS' AND entityType = 'NODE' AND name STARTS WITH 'depc_'
  AND size(labelsOrTypes) = 1 AND properties = ['name']
RETURN name, labelsOrTypes[0]`, nil)
		if err != nil {
			return nil, err
		}
		var out []oldConstraint
		for r.Next(ctx) {
			name, _ := r.Record().Values[0].(string)
			neo, _ := r.Record().Values[1].(string)
			if c, ok := parseOldConstraint(name, neo); ok {
				out = append(out, c)
			}
		}
		return out, r.Err()
	})
	if err != nil {
		return nil, err
	}
	return res.([]oldConstraint), nil
}

// parseOldConstraint recognises a constraint of the old layout from its
// name and label. A depc label holds no '_', so the label is what follows
// the last one.
func parseOldConstraint(name, neo string) (oldConstraint, bool) {
	i := strings.LastIndexByte(neo, '_')
	if i < 0 {
		return oldConstraint{}, false
	}
	c := oldConstraint{name: name, team: neo[:i], label: neo[i+1:]}
	if !depc.ValidTeam(c.team) || !depc.ValidLabel(c.label) || name != "depc_"+neo+"_name" {
		return oldConstraint{}, false
	}
	return c, true
}

// migrateLabel gives the nodes of one old label the common label and
// their key, then drops the label's constraint.
func (s *Store) migrateLabel(ctx context.Context, sess neo4j.SessionWithContext, c oldConstraint) error {
	l := neoLabel(c.team, c.label)
	ids, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, fmt.Sprintf("MATCH (x:%s) WHERE NOT x:%s RETURN id(x)", l, nodeLabel), nil)
		if err != nil {
			return nil, err
		}
		var ids []any
		for r.Next(ctx) {
			ids = append(ids, r.Record().Values[0])
		}
		return ids, r.Err()
	})
	if err != nil {
		return err
	}
	// The label in the pattern guards against an id reused since it was
	// read.
	q := fmt.Sprintf(`UNWIND $rows AS i
MATCH (x:%s) WHERE id(x) = i
SET x:%s, x.team = $team, x.label = $label`, l, nodeLabel)
	for chunk := range slices.Chunk(ids.([]any), s.batchRows) {
		_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			r, err := tx.Run(ctx, q, map[string]any{"rows": chunk, "team": c.team, "label": c.label})
			if err != nil {
				return nil, err
			}
			return r.Consume(ctx)
		})
		if err != nil {
			return err
		}
	}
	return schemaChange(ctx, sess, "DROP CONSTRAINT `"+c.name+"` IF EXISTS")
}
