package postgres

import (
	"context"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// RenameTeam gives a team another name. Every part keeps its rows by the
// team's id, so one row changes, under the lock a deletion takes (writes
// of the team in progress finish first); the audit log keeps the name each
// entry was written under.
func (s *Store) RenameTeam(ctx context.Context, from, to string) (depc.Team, error) {
	if err := depc.CheckTeam("name", to); err != nil {
		return depc.Team{}, err
	}
	var t depc.Team
	err := s.write(ctx, "rename team", func(tx pgx.Tx) error {
		id, err := teamID(ctx, tx, from, lockTeamDelete)
		if err != nil {
			return err
		}
		if from != to {
			tag, err := tx.Exec(ctx, `UPDATE team SET name = $1 WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM team WHERE name = $1)`, to, id)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return depc.Errorf(depc.ECONFLICT, "name: team %s already exists", to)
			}
		}
		t.Name = to
		return tx.QueryRow(ctx, `SELECT timezone FROM team WHERE id = $1`, id).Scan(&t.Timezone)
	})
	if err != nil {
		return depc.Team{}, err
	}
	return t, nil
}
