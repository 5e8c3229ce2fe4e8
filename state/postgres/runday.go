package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// The days of runs and their leases (run_day), and the named leases of the
// scheduler's jobs (lease).
//
// Locks are taken in one order, so that claims, renewals, finishes and
// releases never wait for each other in a cycle: a day's row first, then
// its run's row. ClaimDay takes its day with FOR UPDATE SKIP LOCKED, so
// that the schedulers of many processes each take another day instead of
// queueing behind the first; what drops the days of a finished run skips
// the rows a claim holds (the claim then finds the run finished).

// dayLock is the first key of the advisory locks that serialize the claims
// of one team's day in different runs; the second is a hash of the team
// and day.
const dayLock = 0x64617973 // "days"

// claimAttempts bounds the candidates one ClaimDay tries when the first
// ones turn out to be taken (the same day of the team held by another
// run's claim, or a run finished meanwhile).
const claimAttempts = 8

// ClaimDay leases the next claimable day.
func (s *Store) ClaimDay(ctx context.Context, q depc.ClaimRequest) (depc.DayLease, error) {
	if err := q.Validate(); err != nil {
		return depc.DayLease{}, err
	}
	if err := s.usable(); err != nil {
		return depc.DayLease{}, err
	}
	now := q.Now.UnixMilli()
	except := append([]string{}, q.ExceptTeams...)
	skip := []string{}
	for range claimAttempts {
		l := depc.DayLease{Owner: q.Owner, Expires: now + q.TTL.Milliseconds()}
		var taken string // the candidate's key when another took its day meanwhile
		err := s.write(ctx, "claim day", func(tx pgx.Tx) error {
			var tid int64
			var state string
			err := tx.QueryRow(ctx, `SELECT d.team_id, t.name, d.run_id, d.pos, d.day, d.state, d.claim, d.interruptions
				FROM run_day d
					JOIN run r ON r.team_id = d.team_id AND r.id = d.run_id
					JOIN team t ON t.id = d.team_id
				WHERE d.state IN ('queued', 'running') AND r.status IN ('queued', 'running')
					AND (d.state = 'queued' OR d.expires < $1)
					AND t.name <> ALL ($2::text[])
					AND ($3 = '' OR (t.name = $3 AND d.run_id = $4))
					AND (d.team_id || '/' || d.run_id || '/' || d.pos) <> ALL ($5::text[])
					AND NOT EXISTS (SELECT 1 FROM run_day o
						WHERE o.team_id = d.team_id AND o.day = d.day AND o.state = 'running' AND o.expires >= $1
							AND (o.run_id <> d.run_id OR o.pos <> d.pos))
				ORDER BY r.created_at, d.team_id, d.run_id, d.pos
				LIMIT 1
				FOR UPDATE OF d SKIP LOCKED`, now, except, q.Team, q.Run, skip).
				Scan(&tid, &l.Team, &l.Run, &l.Index, &l.Day, &state, &l.Claim, &l.Interruptions)
			if errors.Is(err, pgx.ErrNoRows) {
				return depc.Errorf(depc.ENOTFOUND, "no day of a run can be claimed")
			}
			if err != nil {
				return err
			}
			key := fmt.Sprintf("%d/%d/%d", tid, l.Run, l.Index)
			// Another run's claim of the same team and day may have
			// committed since the query's snapshot, or be under way: the
			// advisory lock waits for it, the check then sees it.
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, dayLock, fmt.Sprintf("%d/%s", tid, l.Day)); err != nil {
				return err
			}
			var busy bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM run_day
				WHERE team_id = $1 AND day = $2 AND state = 'running' AND expires >= $3 AND (run_id <> $4 OR pos <> $5))`,
				tid, l.Day, now, l.Run, l.Index).Scan(&busy); err != nil {
				return err
			}
			var status depc.RunStatus
			if err := tx.QueryRow(ctx, `SELECT status FROM run WHERE team_id = $1 AND id = $2 FOR UPDATE`, tid, l.Run).Scan(&status); err != nil {
				return err
			}
			if busy || status.Finished() {
				taken = key
				return nil // nothing written: the next attempt skips it
			}
			l.Claim++
			if state == "running" {
				l.Interruptions++
			}
			if _, err := tx.Exec(ctx, `UPDATE run_day SET state = 'running', owner = $1, claim = $2, expires = $3, interruptions = $4
				WHERE team_id = $5 AND run_id = $6 AND pos = $7`, l.Owner, l.Claim, l.Expires, l.Interruptions, tid, l.Run, l.Index); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE run SET status = 'running', started_at = $1 WHERE team_id = $2 AND id = $3 AND status = 'queued'`,
				q.Now.Unix(), tid, l.Run)
			return err
		})
		if err != nil {
			return depc.DayLease{}, err
		}
		if taken == "" {
			return l, nil
		}
		skip = append(skip, taken)
	}
	return depc.DayLease{}, depc.Errorf(depc.ENOTFOUND, "no day of a run can be claimed (the candidates were taken meanwhile)")
}

// held checks, in tx, that l still holds its day, locking the day's row
// then its run's, and returns the team's id and the run. ECONFLICT when it
// does not hold it.
func held(ctx context.Context, tx pgx.Tx, l depc.DayLease) (int64, depc.Run, error) {
	tid, err := teamID(ctx, tx, l.Team, "")
	if err != nil {
		return 0, depc.Run{}, err
	}
	var state string
	var owner *string
	var claim int64
	err = tx.QueryRow(ctx, `SELECT state, owner, claim FROM run_day WHERE team_id = $1 AND run_id = $2 AND pos = $3 FOR UPDATE`,
		tid, l.Run, l.Index).Scan(&state, &owner, &claim)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, depc.Run{}, notFoundRun(l.Run)
	}
	if err != nil {
		return 0, depc.Run{}, err
	}
	if state != "running" || owner == nil || *owner != l.Owner || claim != l.Claim {
		return 0, depc.Run{}, depc.Errorf(depc.ECONFLICT, "day %s of run %d: %s no longer holds it (released, finished or taken over)", l.Day, l.Run, l.Owner)
	}
	rows, _ := tx.Query(ctx, sqlRunColumns+`WHERE r.team_id = $1 AND r.id = $2 FOR UPDATE OF r`, tid, l.Run)
	rs, err := pgx.CollectRows(rows, scanRun)
	if err != nil {
		return 0, depc.Run{}, err
	}
	if len(rs) != 1 {
		return 0, depc.Run{}, notFoundRun(l.Run)
	}
	if rs[0].Status.Finished() {
		return 0, depc.Run{}, depc.Errorf(depc.ECONFLICT, "run %d is already %s", l.Run, rs[0].Status)
	}
	return tid, rs[0], nil
}

// RenewDay extends a lease.
func (s *Store) RenewDay(ctx context.Context, l depc.DayLease, now time.Time, ttl time.Duration) (depc.DayLease, error) {
	if ttl <= 0 {
		return depc.DayLease{}, depc.Errorf(depc.EINVALID, "ttl: %s must be positive", ttl)
	}
	err := s.write(ctx, "renew day", func(tx pgx.Tx) error {
		tid, _, err := held(ctx, tx, l)
		if err != nil {
			return err
		}
		l.Expires = now.UnixMilli() + ttl.Milliseconds()
		_, err = tx.Exec(ctx, `UPDATE run_day SET expires = $1 WHERE team_id = $2 AND run_id = $3 AND pos = $4`, l.Expires, tid, l.Run, l.Index)
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
	err := s.write(ctx, "finish day", func(tx pgx.Tx) error {
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
		var done int
		err = tx.QueryRow(ctx, `WITH d AS (UPDATE run_day SET state = 'done', owner = NULL, expires = NULL
				WHERE team_id = $1 AND run_id = $2 AND pos = $3)
			SELECT count(*) + 1 FROM run_day WHERE team_id = $1 AND run_id = $2 AND state = 'done'`,
			tid, l.Run, l.Index).Scan(&done)
		if err != nil {
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
	err := s.write(ctx, "release day", func(tx pgx.Tx) error {
		tid, run, err := held(ctx, tx, l)
		if err != nil {
			return err
		}
		r = run
		var others bool
		err = tx.QueryRow(ctx, `WITH d AS (UPDATE run_day SET state = 'queued', owner = NULL, expires = NULL
				WHERE team_id = $1 AND run_id = $2 AND pos = $3)
			SELECT EXISTS (SELECT 1 FROM run_day WHERE team_id = $1 AND run_id = $2 AND pos <> $3 AND state = 'running' AND expires >= $4)`,
			tid, l.Run, l.Index, now.UnixMilli()).Scan(&others)
		if err != nil || others {
			return err
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
func saveRun(ctx context.Context, tx pgx.Tx, tid int64, r depc.Run) error {
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
	return err
}

// dropDays ends the days of a finished run that are not done: nobody
// claims them, and a lease on one is lost. The rows a claim holds at this
// moment are skipped (lock order, above): that claim finds the run
// finished and takes nothing.
func dropDays(ctx context.Context, tx pgx.Tx, tid, run int64) error {
	_, err := tx.Exec(ctx, `UPDATE run_day SET state = 'dropped', owner = NULL, expires = NULL
		WHERE (team_id, run_id, pos) IN (SELECT team_id, run_id, pos FROM run_day
			WHERE team_id = $1 AND run_id = $2 AND state IN ('queued', 'running') FOR UPDATE SKIP LOCKED)`, tid, run)
	return err
}

// AcquireLease takes or extends a named lease.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) error {
	if err := depc.ValidateLease(name, owner, ttl); err != nil {
		return err
	}
	return s.write(ctx, "acquire lease", func(tx pgx.Tx) error {
		var got string
		err := tx.QueryRow(ctx, `INSERT INTO lease (name, owner, expires) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
				WHERE lease.owner = excluded.owner OR lease.expires < $4
			RETURNING owner`, name, owner, now.UnixMilli()+ttl.Milliseconds(), now.UnixMilli()).Scan(&got)
		if errors.Is(err, pgx.ErrNoRows) {
			return depc.Errorf(depc.ECONFLICT, "lease %q: held by another owner", name)
		}
		return err
	})
}

// ReleaseLease ends a hold of a named lease.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	return s.write(ctx, "release lease", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM lease WHERE name = $1 AND owner = $2`, name, owner)
		return err
	})
}
