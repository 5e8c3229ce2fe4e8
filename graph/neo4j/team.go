package neo4j

import (
	"context"
	"slices"

	"github.com/depc-dev/depc"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// RenameTeam moves the team's graph to another name: each node's team
// property and its team label `<team>_<Label>` change, in transactions of
// BatchRows nodes (a team may hold millions), so it is not atomic; running
// it again finishes an interrupted rename, since the nodes it has not
// reached still carry the old name. The labels are dynamic labels (SET and
// REMOVE x:$(…), Neo4j 5.26) computed from parameters and each node's own
// label property: no team or label enters the query's text.
func (s *Store) RenameTeam(ctx context.Context, from, to string) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := depc.CheckTeam("from", from); err != nil {
		return err
	}
	if err := depc.CheckTeam("to", to); err != nil {
		return err
	}
	if from == to {
		return nil
	}
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	return s.wrap(ctx, s.renameTeam(ctx, from, to), "rename team")
}

// Queries of RenameTeam.
const (
	teamHasNodes = "MATCH (x:" + nodeLabel + `) WHERE x.team = $team AND x.label IS NOT NULL AND x.name IS NOT NULL
RETURN id(x) LIMIT 1`
	renameNodes = "UNWIND $rows AS i MATCH (x:" + nodeLabel + `) WHERE id(x) = i AND x.team = $from
SET x.team = $to, x:$($to + '_' + x.label)
REMOVE x:$($from + '_' + x.label)
RETURN count(*)`
)

func (s *Store) renameTeam(ctx context.Context, from, to string) error {
	taken, err := s.read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, teamHasNodes, map[string]any{"team": to})
		if err != nil {
			return nil, err
		}
		found := r.Next(ctx)
		return found, r.Err()
	})
	if err != nil {
		return err
	}
	if taken.(bool) {
		return depc.Errorf(depc.ECONFLICT, "team %s has a graph already: it cannot take team %s's", to, from)
	}
	ids, err := s.read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, teamNodes, map[string]any{"team": from})
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
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(context.WithoutCancel(ctx))
	for c := range slices.Chunk(ids.([]any), s.batchRows) {
		_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			r, err := tx.Run(ctx, renameNodes, map[string]any{"rows": c, "from": from, "to": to})
			if err != nil {
				return nil, err
			}
			_, err = r.Consume(ctx)
			return nil, err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
