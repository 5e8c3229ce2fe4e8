package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/depc-dev/depc"
)

// TeamLimits returns the limits the admin set for a team.
func (s *Store) TeamLimits(ctx context.Context, team string) (depc.Limits, error) {
	var b []byte
	err := s.r.QueryRowContext(ctx, `SELECT limits FROM team WHERE name = ?`, team).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return depc.Limits{}, notFoundTeam(team)
	}
	if err != nil {
		return depc.Limits{}, storeError(err, "team limits")
	}
	return depc.DecodeLimits(b)
}

// SetTeamLimits replaces the limits the admin set for a team.
func (s *Store) SetTeamLimits(ctx context.Context, team string, l depc.Limits) error {
	b, err := depc.EncodeLimits(l)
	if err != nil {
		return err
	}
	return s.write(ctx, "set team limits", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE team SET limits = ? WHERE name = ?`, b, team)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFoundTeam(team)
		}
		return nil
	})
}
