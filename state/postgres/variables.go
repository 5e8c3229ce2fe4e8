package postgres

import (
	"context"
	"encoding/json"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// Variables: one row of variable_set per set, its variables as a JSON
// object.

// ownerQuery finds the owner of each owned scope.
var ownerQuery = map[string]string{
	depc.VariableScopeSource: `SELECT 1 FROM source WHERE team_id = $1 AND name = $2`,
	depc.VariableScopeRule:   `SELECT 1 FROM rule WHERE team_id = $1 AND name = $2`,
	depc.VariableScopeCheck:  `SELECT 1 FROM indicator WHERE team_id = $1 AND name = $2`,
}

// Variables returns the team's variable sets.
func (s *Store) Variables(ctx context.Context, team string) ([]depc.VariableSet, error) {
	out, err := teamList(ctx, s, "variables", team, `SELECT scope, owner, variables FROM variable_set
		WHERE team_id = (SELECT id FROM team WHERE name = $1)`, []any{team},
		func(row pgx.CollectableRow) (depc.VariableSet, error) {
			var v depc.VariableSet
			var raw string
			if err := row.Scan(&v.Scope, &v.Owner, &raw); err != nil {
				return v, err
			}
			return v, json.Unmarshal([]byte(raw), &v.Variables)
		})
	depc.SortVariableSets(out)
	return out, err
}

// SetVariables replaces one variable set.
func (s *Store) SetVariables(ctx context.Context, team string, v depc.VariableSet) (depc.VariableSet, error) {
	err := s.write(ctx, "set variables", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if err := v.Validate(); err != nil {
			return err
		}
		if q, ok := ownerQuery[v.Scope]; ok {
			var one int
			if err := tx.QueryRow(ctx, q, tid, v.Owner).Scan(&one); err != nil {
				if err == pgx.ErrNoRows {
					return depc.Errorf(depc.ENOTFOUND, "%s %q not found", v.Scope, v.Owner)
				}
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM variable_set WHERE team_id = $1 AND scope = $2 AND owner = $3`, tid, v.Scope, v.Owner); err != nil || len(v.Variables) == 0 {
			return err
		}
		raw, err := json.Marshal(v.Variables)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO variable_set (team_id, scope, owner, variables) VALUES ($1, $2, $3, $4)`, tid, v.Scope, v.Owner, string(raw))
		return err
	})
	if v.Variables == nil {
		v.Variables = map[string]string{}
	}
	return v, err
}
