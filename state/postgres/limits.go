package postgres

import (
	"context"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// TeamLimits returns the limits the admin set for a team.
func (s *Store) TeamLimits(ctx context.Context, team string) (depc.Limits, error) {
	var b string
	ok, err := s.queryRow(ctx, "team limits", `SELECT limits FROM team WHERE name = $1`, []any{team}, &b)
	if err != nil {
		return depc.Limits{}, err
	}
	if !ok {
		return depc.Limits{}, notFoundTeam(team)
	}
	return depc.DecodeLimits([]byte(b))
}

// SetTeamLimits replaces the limits the admin set for a team.
func (s *Store) SetTeamLimits(ctx context.Context, team string, l depc.Limits) error {
	b, err := depc.EncodeLimits(l)
	if err != nil {
		return err
	}
	return s.write(ctx, "set team limits", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE team SET limits = $1 WHERE name = $2`, string(b), team)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFoundTeam(team)
		}
		return nil
	})
}
