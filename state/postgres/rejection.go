package postgres

import (
	"context"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// AddRejections records rejected messages; the last of rs is the newest.
func (s *Store) AddRejections(ctx context.Context, team string, rs []depc.Rejection) error {
	return s.write(ctx, "add rejections", func(tx pgx.Tx) error {
		// The team's lock orders the writers, so ids grow in the order
		// batches commit and the trim below keeps the newest.
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
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
		// COPY keeps the order of the rows, and so of their ids.
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"rejection"}, []string{"team_id", "at", "source", "error", "message"},
			pgx.CopyFromSlice(len(rs), func(i int) ([]any, error) {
				r := rs[i]
				return []any{tid, r.At, r.Source, bytesOf(r.Error), bytesOf(depc.CutRejectedMessage(r.Message))}, nil
			})); err != nil {
			return err
		}
		// Keep the newest MaxRejections: delete from the first one past
		// them, found by the (team_id, id) index.
		_, err = tx.Exec(ctx, `DELETE FROM rejection WHERE team_id = $1 AND id <=
			(SELECT id FROM rejection WHERE team_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`, tid, depc.MaxRejections)
		return err
	})
}

// bytesOf returns s as bytes for a NOT NULL bytea column: pgx writes a
// nil slice as NULL.
func bytesOf(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return []byte(s)
}

// Rejections returns up to limit rejected messages, newest first.
func (s *Store) Rejections(ctx context.Context, team string, limit int) ([]depc.Rejection, error) {
	if limit <= 0 || limit > depc.MaxRejections {
		limit = depc.MaxRejections
	}
	return teamList(ctx, s, "rejections", team, `SELECT at, source, error, message FROM rejection
		WHERE team_id = (SELECT id FROM team WHERE name = $1) ORDER BY id DESC LIMIT $2`, []any{team, limit},
		func(r pgx.CollectableRow) (depc.Rejection, error) {
			var rj depc.Rejection
			var e, m []byte
			err := r.Scan(&rj.At, &rj.Source, &e, &m)
			rj.Error, rj.Message = string(e), string(m)
			return rj, err
		})
}
