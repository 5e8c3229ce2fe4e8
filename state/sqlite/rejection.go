package sqlite

import (
	"context"
	"database/sql"

	"github.com/depc-dev/depc"
)

// AddRejections records rejected messages; the last of rs is the newest.
func (s *Store) AddRejections(ctx context.Context, team string, rs []depc.Rejection) error {
	return s.write(ctx, "add rejections", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := depc.ValidateRejections(rs); err != nil {
			return err
		}
		if len(rs) == 0 {
			return nil
		}
		// Older ones would be trimmed right away.
		if len(rs) > depc.MaxRejections {
			rs = rs[len(rs)-depc.MaxRejections:]
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO rejection (team_id, at, source, error, message) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, r := range rs {
			if _, err := st.ExecContext(ctx, tid, r.At, r.Source, r.Error, depc.CutRejectedMessage(r.Message)); err != nil {
				return err
			}
		}
		// Keep the newest MaxRejections: delete from the first one past
		// them, found by the (team_id, id) index.
		_, err = tx.ExecContext(ctx, `DELETE FROM rejection WHERE team_id = ?1 AND id <=
			(SELECT id FROM rejection WHERE team_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)`, tid, depc.MaxRejections)
		return err
	})
}

// Rejections returns up to limit rejected messages, newest first.
func (s *Store) Rejections(ctx context.Context, team string, limit int) ([]depc.Rejection, error) {
	if limit <= 0 || limit > depc.MaxRejections {
		limit = depc.MaxRejections
	}
	var rs []depc.Rejection
	err := s.read(ctx, "rejections", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT at, source, error, message FROM rejection WHERE team_id = ? ORDER BY id DESC LIMIT ?`, tid, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r depc.Rejection
			if err := rows.Scan(&r.At, &r.Source, &r.Error, &r.Message); err != nil {
				return err
			}
			rs = append(rs, r)
		}
		return rows.Err()
	})
	return rs, err
}
