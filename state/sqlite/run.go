package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/depc-dev/depc"
)

func notFoundRun(id int64) error { return depc.Errorf(depc.ENOTFOUND, "run %d not found", id) }

// CreateRun queues a run.
func (s *Store) CreateRun(ctx context.Context, team string, days []string) (depc.Run, error) {
	r := depc.Run{Team: team, Days: append([]string(nil), days...), Status: depc.RunQueued, CreatedAt: s.unix(), Errors: []depc.RunError{}}
	err := s.write(ctx, "create run", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := depc.ValidateRunDays(days); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM run WHERE team_id = ?`, tid).Scan(&r.ID); err != nil {
			return err
		}
		ds, err := json.Marshal(r.Days)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO run (team_id, id, days, status, created_at, nodes, errors, progress)
			VALUES (?, ?, ?, ?, ?, 0, '[]', 0)`, tid, r.ID, ds, r.Status, r.CreatedAt)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO run_day (team_id, run_id, pos, day, state, claim, interruptions)
			SELECT ?, ?, key, value, 'queued', 0, 0 FROM json_each(?)`, tid, r.ID, ds)
		return err
	})
	if err != nil {
		return depc.Run{}, err
	}
	return r, nil
}

const sqlRunColumns = `SELECT t.name, r.id, r.days, r.status, r.created_at, r.started_at, r.finished_at, r.nodes, r.errors, r.progress
	FROM run r JOIN team t ON t.id = r.team_id `

func scanRun(sc interface{ Scan(...any) error }) (depc.Run, error) {
	var r depc.Run
	var days, errs []byte
	var started, finished sql.NullInt64
	if err := sc.Scan(&r.Team, &r.ID, &days, &r.Status, &r.CreatedAt, &started, &finished, &r.Nodes, &errs, &r.Progress); err != nil {
		return r, err
	}
	if started.Valid {
		r.StartedAt = &started.Int64
	}
	if finished.Valid {
		r.FinishedAt = &finished.Int64
	}
	if err := json.Unmarshal(days, &r.Days); err != nil {
		return r, err
	}
	if err := json.Unmarshal(errs, &r.Errors); err != nil {
		return r, err
	}
	if r.Errors == nil {
		r.Errors = []depc.RunError{}
	}
	return r, nil
}

// Run returns one run.
func (s *Store) Run(ctx context.Context, team string, id int64) (depc.Run, error) {
	var r depc.Run
	err := s.read(ctx, "run", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		r, err = scanRun(tx.QueryRowContext(ctx, sqlRunColumns+`WHERE r.team_id = ? AND r.id = ?`, tid, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundRun(id)
		}
		return err
	})
	if err != nil {
		return depc.Run{}, err
	}
	return r, nil
}

// Runs returns up to limit runs of a team, newest first.
func (s *Store) Runs(ctx context.Context, team string, limit int) ([]depc.Run, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	var rs []depc.Run
	err := s.read(ctx, "runs", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, sqlRunColumns+`WHERE r.team_id = ? ORDER BY r.id DESC LIMIT ?`, tid, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRun(rows)
			if err != nil {
				return err
			}
			rs = append(rs, r)
		}
		return rows.Err()
	})
	return rs, err
}

// UpdateRun saves a run's progress.
func (s *Store) UpdateRun(ctx context.Context, r depc.Run) error {
	return s.write(ctx, "update run", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, r.Team)
		if err != nil {
			return err
		}
		var status depc.RunStatus
		err = tx.QueryRowContext(ctx, `SELECT status FROM run WHERE team_id = ? AND id = ?`, tid, r.ID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundRun(r.ID)
		}
		if err != nil {
			return err
		}
		if err := r.ValidateProgress(); err != nil {
			return err
		}
		if status.Finished() {
			return depc.Errorf(depc.ECONFLICT, "run %d is already %s", r.ID, status)
		}
		errs := r.Errors
		if errs == nil {
			errs = []depc.RunError{}
		}
		eb, err := json.Marshal(errs)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE run SET status = ?, started_at = ?, finished_at = ?, nodes = ?, errors = ?, progress = ?
			WHERE team_id = ? AND id = ?`, r.Status, nullInt(r.StartedAt), nullInt(r.FinishedAt), r.Nodes, eb, r.Progress, tid, r.ID)
		if err != nil || !r.Status.Finished() {
			return err
		}
		return dropDays(ctx, tx, tid, r.ID)
	})
}

// dropDays ends the days of a finished run that are not done: nobody
// claims them, and a lease on one is lost.
func dropDays(ctx context.Context, tx *sql.Tx, tid, run int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE run_day SET state = 'dropped', owner = NULL, expires = NULL
		WHERE team_id = ? AND run_id = ? AND state IN ('queued', 'running')`, tid, run)
	return err
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
