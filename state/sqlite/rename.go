package sqlite

import (
	"context"
	"database/sql"

	"github.com/depc-dev/depc"
)

// RenameTeam gives a team another name. Every part keeps its rows by the
// team's id, so one row changes; the audit log keeps the name each entry
// was written under.
func (s *Store) RenameTeam(ctx context.Context, from, to string) (depc.Team, error) {
	if err := depc.CheckTeam("name", to); err != nil {
		return depc.Team{}, err
	}
	var t depc.Team
	err := s.write(ctx, "rename team", func(tx *sql.Tx) error {
		if _, err := teamID(ctx, tx, from); err != nil {
			return err
		}
		if from == to {
			return nil
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM team WHERE name = ?`, to); err != nil || ok {
			if ok {
				return depc.Errorf(depc.ECONFLICT, "name: team %s already exists", to)
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE team SET name = ? WHERE name = ?`, to, from)
		return err
	})
	if err != nil {
		return depc.Team{}, err
	}
	t, err = s.Team(ctx, to)
	return t, err
}
