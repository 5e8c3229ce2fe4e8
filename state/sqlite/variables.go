package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/depc-dev/depc"
)

// Variables: one row of variable_set per set, its variables as a JSON
// object.

// ownerTable is the catalog table of each owned scope.
var ownerTable = map[string]string{
	depc.VariableScopeSource: `SELECT 1 FROM source WHERE team_id = ? AND name = ?`,
	depc.VariableScopeRule:   `SELECT 1 FROM rule WHERE team_id = ? AND name = ?`,
	depc.VariableScopeCheck:  `SELECT 1 FROM indicator WHERE team_id = ? AND name = ?`,
}

func deleteVariables(ctx context.Context, tx *sql.Tx, tid int64, scope, owner string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM variable_set WHERE team_id = ? AND scope = ? AND owner = ?`, tid, scope, owner)
	return err
}

// Variables returns the team's variable sets.
func (s *Store) Variables(ctx context.Context, team string) ([]depc.VariableSet, error) {
	var out []depc.VariableSet
	err := s.read(ctx, "variables", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT scope, owner, variables FROM variable_set WHERE team_id = ?`, tid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v depc.VariableSet
			var raw string
			if err := rows.Scan(&v.Scope, &v.Owner, &raw); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(raw), &v.Variables); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	depc.SortVariableSets(out)
	return out, err
}

// SetVariables replaces one variable set.
func (s *Store) SetVariables(ctx context.Context, team string, v depc.VariableSet) (depc.VariableSet, error) {
	err := s.write(ctx, "set variables", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := v.Validate(); err != nil {
			return err
		}
		if q, ok := ownerTable[v.Scope]; ok {
			if ok, err := exists(ctx, tx, q, tid, v.Owner); err != nil || !ok {
				if err == nil {
					err = depc.Errorf(depc.ENOTFOUND, "%s %q not found", v.Scope, v.Owner)
				}
				return err
			}
		}
		if err := deleteVariables(ctx, tx, tid, v.Scope, v.Owner); err != nil || len(v.Variables) == 0 {
			return err
		}
		raw, err := json.Marshal(v.Variables)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO variable_set (team_id, scope, owner, variables) VALUES (?, ?, ?, ?)`, tid, v.Scope, v.Owner, string(raw))
		return err
	})
	if v.Variables == nil {
		v.Variables = map[string]string{}
	}
	return v, err
}
