package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/depc-dev/depc"
)

// The days of runs and their leases (run_day), and the named leases of the
// scheduler's jobs (lease). Every method is one write transaction: SQLite
// runs them one at a time, also across the processes sharing the file, so
// a claim's choice and its update cannot interleave with another's.

// ClaimDay leases the next claimable day.
func (s *Store) ClaimDay(ctx context.Context, q depc.ClaimRequest) (depc.DayLease, error) {
	if err := q.Validate(); err != nil {
		return depc.DayLease{}, err
	}
	except, err := json.Marshal(append([]string{}, q.ExceptTeams...))
	if err != nil {
		return depc.DayLease{}, err
	}
	now := q.Now.UnixMilli()
	l := depc.DayLease{Owner: q.Owner, Expires: now + q.TTL.Milliseconds()}
	err = s.write(ctx, "claim day", func(tx *sql.Tx) error {
		var tid int64
		var state string
		err := tx.QueryRowContext(ctx, `SELECT d.team_id, t.name, d.run_id, d.pos, d.day, d.state, d.claim, d.interruptions
			FROM run_day d
				JOIN run r ON r.team_id = d.team_id AND r.id = d.run_id
				JOIN team t ON t.id = d.team_id
			WHERE d.state IN ('queued', 'running') AND r.status IN ('queued', 'running')
				AND (d.state = 'queued' OR d.expires < ?1)
				AND t.name NOT IN (SELECT value FROM json_each(?2))
				AND (?3 = '' OR (t.name = ?3 AND d.run_id = ?4))
				AND NOT EXISTS (SELECT 1 FROM run_day o
					WHERE o.team_id = d.team_id AND o.day = d.day AND o.state = 'running' AND o.expires >= ?1
						AND (o.run_id <> d.run_id OR o.pos <> d.pos))
			ORDER BY r.created_at, d.team_id, d.run_id, d.pos
			LIMIT 1`, now, string(except), q.Team, q.Run).
			Scan(&tid, &l.Team, &l.Run, &l.Index, &l.Day, &state, &l.Claim, &l.Interruptions)
		if errors.Is(err, sql.ErrNoRows) {
			return depc.Errorf(depc.ENOTFOUND, "no day of a run can be claimed")
		}
		if err != nil {
			return err
		}
		l.Claim++
		if state == "running" {
			l.Interruptions++
		}
		if _, err := tx.ExecContext(ctx, `UPDATE run_day SET state = 'running', owner = ?, claim = ?, expires = ?, interruptions = ?
			WHERE team_id = ? AND run_id = ? AND pos = ?`, l.Owner, l.Claim, l.Expires, l.Interruptions, tid, l.Run, l.Index); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE run SET status = 'running', started_at = ? WHERE team_id = ? AND id = ? AND status = 'queued'`,
			q.Now.Unix(), tid, l.Run)
		return err
	})
	if err != nil {
		return depc.DayLease{}, err
	}
	return l, nil
}

// held checks, in tx, that l still holds its day, and returns its team's id
// and its run. ECONFLICT when it does not.
func held(ctx context.Context, tx *sql.Tx, l depc.DayLease) (int64, depc.Run, error) {
	tid, err := teamID(ctx, tx, l.Team)
	if err != nil {
		return 0, depc.Run{}, err
	}
	var state string
	var owner sql.NullString
	var claim int64
	err = tx.QueryRowContext(ctx, `SELECT state, owner, claim FROM run_day WHERE team_id = ? AND run_id = ? AND pos = ?`,
		tid, l.Run, l.Index).Scan(&state, &owner, &claim)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, depc.Run{}, notFoundRun(l.Run)
	}
	if err != nil {
		return 0, depc.Run{}, err
	}
	if state != "running" || owner.String != l.Owner || claim != l.Claim {
		return 0, depc.Run{}, depc.Errorf(depc.ECONFLICT, "day %s of run %d: %s no longer holds it (released, finished or taken over)", l.Day, l.Run, l.Owner)
	}
	r, err := scanRun(tx.QueryRowContext(ctx, sqlRunColumns+`WHERE r.team_id = ? AND r.id = ?`, tid, l.Run))
	if err != nil {
		return 0, depc.Run{}, err
	}
	if r.Status.Finished() {
		return 0, depc.Run{}, depc.Errorf(depc.ECONFLICT, "run %d is already %s", l.Run, r.Status)
	}
	return tid, r, nil
}

// RenewDay extends a lease.
func (s *Store) RenewDay(ctx context.Context, l depc.DayLease, now time.Time, ttl time.Duration) (depc.DayLease, error) {
	if ttl <= 0 {
		return depc.DayLease{}, depc.Errorf(depc.EINVALID, "ttl: %s must be positive", ttl)
	}
	err := s.write(ctx, "renew day", func(tx *sql.Tx) error {
		tid, _, err := held(ctx, tx, l)
		if err != nil {
			return err
		}
		l.Expires = now.UnixMilli() + ttl.Milliseconds()
		_, err = tx.ExecContext(ctx, `UPDATE run_day SET expires = ? WHERE team_id = ? AND run_id = ? AND pos = ?`, l.Expires, tid, l.Run, l.Index)
		return err
	})
	if err != nil {
		return depc.DayLease{}, err
	}
	return l, nil
}

// FinishDay records a day and aggregates its run.
func (s *Store) FinishDay(ctx context.Context, l depc.DayLease, now time.Time, o depc.DayOutcome) (depc.Run, error) {
	var r depc.Run
	err := s.write(ctx, "finish day", func(tx *sql.Tx) error {
		tid, run, err := held(ctx, tx, l)
		if err != nil {
			return err
		}
		r = run
		if o.Nodes < 0 {
			return depc.Errorf(depc.EINVALID, "nodes: %d must not be negative", o.Nodes)
		}
		r.Errors = depc.AppendRunErrors(r.Errors, o.Errors...)
		at := now.Unix()
		if o.Failure != nil {
			r.Errors = depc.AppendRunErrors(r.Errors, *o.Failure)
			r.Status, r.FinishedAt = depc.RunFailed, &at
			if err := saveRun(ctx, tx, tid, r); err != nil {
				return err
			}
			return dropDays(ctx, tx, tid, r.ID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE run_day SET state = 'done', owner = NULL, expires = NULL
			WHERE team_id = ? AND run_id = ? AND pos = ?`, tid, l.Run, l.Index); err != nil {
			return err
		}
		var done int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM run_day WHERE team_id = ? AND run_id = ? AND state = 'done'`,
			tid, l.Run).Scan(&done); err != nil {
			return err
		}
		r.Nodes += o.Nodes
		r.Progress = float64(done) / float64(len(r.Days))
		if done == len(r.Days) {
			r.Status, r.FinishedAt, r.Progress = depc.RunSucceeded, &at, 1
		}
		return saveRun(ctx, tx, tid, r)
	})
	if err != nil {
		return depc.Run{}, err
	}
	return r, nil
}

// ReleaseDay gives a day back to the queue.
func (s *Store) ReleaseDay(ctx context.Context, l depc.DayLease, now time.Time) (depc.Run, error) {
	var r depc.Run
	err := s.write(ctx, "release day", func(tx *sql.Tx) error {
		tid, run, err := held(ctx, tx, l)
		if err != nil {
			return err
		}
		r = run
		if _, err := tx.ExecContext(ctx, `UPDATE run_day SET state = 'queued', owner = NULL, expires = NULL
			WHERE team_id = ? AND run_id = ? AND pos = ?`, tid, l.Run, l.Index); err != nil {
			return err
		}
		var others int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM run_day WHERE team_id = ? AND run_id = ? AND state = 'running' AND expires >= ?`,
			tid, l.Run, now.UnixMilli()).Scan(&others); err != nil {
			return err
		}
		if others > 0 {
			return nil
		}
		r.Status, r.StartedAt = depc.RunQueued, nil
		return saveRun(ctx, tx, tid, r)
	})
	if err != nil {
		return depc.Run{}, err
	}
	return r, nil
}

// saveRun writes what changes of a run.
func saveRun(ctx context.Context, tx *sql.Tx, tid int64, r depc.Run) error {
	eb, err := json.Marshal(r.Errors)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE run SET status = ?, started_at = ?, finished_at = ?, nodes = ?, errors = ?, progress = ?
		WHERE team_id = ? AND id = ?`, r.Status, nullInt(r.StartedAt), nullInt(r.FinishedAt), r.Nodes, eb, r.Progress, tid, r.ID)
	return err
}

// AcquireLease takes or extends a named lease.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) error {
	if err := depc.ValidateLease(name, owner, ttl); err != nil {
		return err
	}
	return s.write(ctx, "acquire lease", func(tx *sql.Tx) error {
		var got string
		err := tx.QueryRowContext(ctx, `INSERT INTO lease (name, owner, expires) VALUES (?1, ?2, ?3)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
				WHERE lease.owner = excluded.owner OR lease.expires < ?4
			RETURNING owner`, name, owner, now.UnixMilli()+ttl.Milliseconds(), now.UnixMilli()).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return depc.Errorf(depc.ECONFLICT, "lease %q: held by another owner", name)
		}
		return err
	})
}

// ReleaseLease ends a hold of a named lease.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	return s.write(ctx, "release lease", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM lease WHERE name = ? AND owner = ?`, name, owner)
		return err
	})
}
