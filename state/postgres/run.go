package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

func notFoundRun(id int64) error { return depc.Errorf(depc.ENOTFOUND, "run %d not found", id) }

// CreateRun queues a run.
func (s *Store) CreateRun(ctx context.Context, team string, days []string) (depc.Run, error) {
	r := depc.Run{Team: team, Days: append([]string(nil), days...), Status: depc.RunQueued, CreatedAt: s.unix(), Errors: []depc.RunError{}}
	err := s.write(ctx, "create run", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if err := depc.ValidateRunDays(days); err != nil {
			return err
		}
		// The team's lock makes max + 1 safe.
		err = tx.QueryRow(ctx, `INSERT INTO run (team_id, id, days, status, created_at, nodes, errors, progress)
			SELECT $1, coalesce(max(id), 0) + 1, $2, $3, $4, 0, '[]', 0 FROM run WHERE team_id = $1
			RETURNING id`, tid, r.Days, r.Status, r.CreatedAt).Scan(&r.ID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO run_day (team_id, run_id, pos, day, state, claim, interruptions)
			SELECT $1, $2, d.pos - 1, d.day, 'queued', 0, 0 FROM unnest($3::text[]) WITH ORDINALITY AS d (day, pos)`,
			tid, r.ID, r.Days)
		return err
	})
	if err != nil {
		return depc.Run{}, err
	}
	return r, nil
}

const sqlRunColumns = `SELECT t.name, r.id, r.days, r.status, r.created_at, r.started_at, r.finished_at, r.nodes, r.errors, r.progress
	FROM run r JOIN team t ON t.id = r.team_id `

func scanRun(row pgx.CollectableRow) (depc.Run, error) {
	var r depc.Run
	var errs []byte
	if err := row.Scan(&r.Team, &r.ID, &r.Days, &r.Status, &r.CreatedAt, &r.StartedAt, &r.FinishedAt, &r.Nodes, &errs, &r.Progress); err != nil {
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
	rs, err := list(ctx, s, "run", sqlRunColumns+`WHERE t.name = $1 AND r.id = $2`, []any{team, id}, scanRun)
	if err != nil {
		return depc.Run{}, err
	}
	if len(rs) == 0 {
		return depc.Run{}, s.teamFirst(ctx, team, notFoundRun(id))
	}
	return rs[0], nil
}

// Runs returns up to limit runs of a team, newest first.
func (s *Store) Runs(ctx context.Context, team string, limit int) ([]depc.Run, error) {
	var lim *int // NULL: no limit
	if limit > 0 {
		lim = &limit
	}
	return teamList(ctx, s, "runs", team, sqlRunColumns+`WHERE t.name = $1 ORDER BY r.id DESC LIMIT $2`, []any{team, lim}, scanRun)
}

// UpdateRun saves a run's progress.
func (s *Store) UpdateRun(ctx context.Context, r depc.Run) error {
	return s.write(ctx, "update run", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, r.Team, lockTeamWrite)
		if err != nil {
			return err
		}
		var status depc.RunStatus
		err = tx.QueryRow(ctx, `SELECT status FROM run WHERE team_id = $1 AND id = $2 FOR UPDATE`, tid, r.ID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
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
		_, err = tx.Exec(ctx, `UPDATE run SET status = $1, started_at = $2, finished_at = $3, nodes = $4, errors = $5, progress = $6
			WHERE team_id = $7 AND id = $8`, r.Status, r.StartedAt, r.FinishedAt, r.Nodes, string(eb), r.Progress, tid, r.ID)
		if err != nil || !r.Status.Finished() {
			return err
		}
		return dropDays(ctx, tx, tid, r.ID)
	})
}
