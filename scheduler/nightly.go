package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/go-co-op/gocron/v2"
)

// yesterday returns the day before the day of t in the team's zone.
func yesterday(t time.Time, timezone string) (string, error) {
	today, _, err := compute.Today(t, timezone)
	if err != nil {
		return "", err
	}
	return depc.AddDays(today, -1)
}

// Nightly queues, for every team with a config, a run of yesterday in the
// team's time zone, unless a queued or running run already holds that day.
// It is the nightly job's body, exported so that operators and tests can
// trigger it. It returns the runs queued; the error of one team does not
// stop the others (their errors are joined).
func (s *Scheduler) Nightly(ctx context.Context) ([]depc.Run, error) {
	teams, err := s.state.Teams(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var runs []depc.Run
	var errs []error
	for _, t := range teams {
		r, ok, err := s.nightlyTeam(ctx, t, now)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("team %s: %w", t.Name, err))
		case ok:
			runs = append(runs, r)
		}
	}
	return runs, errors.Join(errs...)
}

func (s *Scheduler) nightlyTeam(ctx context.Context, t depc.Team, now time.Time) (depc.Run, bool, error) {
	if _, err := s.state.Config(ctx, t.Name); err != nil {
		if depc.ErrorCode(err) == depc.ENOTFOUND {
			return depc.Run{}, false, nil
		}
		return depc.Run{}, false, err
	}
	day, err := yesterday(now, t.Timezone)
	if err != nil {
		return depc.Run{}, false, err
	}
	pending, err := s.pending(ctx, t.Name)
	if err != nil || pending[day] {
		return depc.Run{}, false, err
	}
	r, err := s.Enqueue(ctx, t.Name, []string{day})
	return r, err == nil, err
}

// nightOf returns the instant of the nightly job that computes day: the
// first Nightly time (UTC) at or after the day's end in the team's zone.
func (s *Scheduler) nightOf(day, timezone string) (time.Time, error) {
	w, err := compute.DayWindow(day, timezone)
	if err != nil {
		return time.Time{}, err
	}
	end := time.Unix(w.End, 0).UTC()
	n := time.Date(end.Year(), end.Month(), end.Day(), s.hour, s.min, 0, 0, time.UTC)
	if n.Before(end) {
		n = n.AddDate(0, 0, 1)
	}
	return n, nil
}

// CatchUp queues the nights missed while no scheduler ran: for every team
// with a config, one run (oldest day first) of the days among the
// CatchUpDays days before today (in the team's zone) whose night was
// missed. The night of day D is the first nightly time at or after D's
// end; it was missed when
//
//   - it has passed,
//   - the team had a config then (its first config version was saved
//     before it),
//   - D has no results (no run finished it: a failed run leaves none), and
//   - no queued or running run holds D.
//
// Start calls it; it returns the runs queued. Among the schedulers of
// several processes starting together, one catches up (it holds the lease
// "catch-up" meanwhile) and the others skip it: those starting later find
// its runs queued.
func (s *Scheduler) CatchUp(ctx context.Context) ([]depc.Run, error) {
	if s.o.CatchUpDays <= 0 {
		return nil, nil
	}
	err := s.state.AcquireLease(ctx, catchUpLease, s.o.Owner, s.now(), s.o.LeaseTTL)
	if depc.ErrorCode(err) == depc.ECONFLICT {
		s.log.Info("catch-up skipped: another scheduler is catching up")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := s.state.ReleaseLease(context.WithoutCancel(ctx), catchUpLease, s.o.Owner); err != nil {
			s.log.Warn("release the catch-up lease", "err", err)
		}
	}()
	teams, err := s.state.Teams(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var runs []depc.Run
	var errs []error
	for _, t := range teams {
		r, ok, err := s.catchUpTeam(ctx, t, now)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("team %s: %w", t.Name, err))
		case ok:
			runs = append(runs, r)
		}
	}
	return runs, errors.Join(errs...)
}

func (s *Scheduler) catchUpTeam(ctx context.Context, t depc.Team, now time.Time) (depc.Run, bool, error) {
	configs, err := s.state.Configs(ctx, t.Name)
	if err != nil || len(configs) == 0 {
		return depc.Run{}, false, err
	}
	first := configs[len(configs)-1].CreatedAt
	today, _, err := compute.Today(now, t.Timezone)
	if err != nil {
		return depc.Run{}, false, err
	}
	td, err := depc.ParseDay("day", today)
	if err != nil {
		return depc.Run{}, false, err
	}
	from := depc.FormatDay(td.AddDate(0, 0, -s.o.CatchUpDays))
	to := depc.FormatDay(td.AddDate(0, 0, -1))
	computed := map[string]bool{}
	results, err := s.state.TeamQoS(ctx, t.Name, from, to)
	if err != nil {
		return depc.Run{}, false, err
	}
	for _, r := range results {
		computed[r.Day] = true
	}
	pending, err := s.pending(ctx, t.Name)
	if err != nil {
		return depc.Run{}, false, err
	}
	var missed []string
	for k := s.o.CatchUpDays; k >= 1; k-- {
		d := depc.FormatDay(td.AddDate(0, 0, -k))
		night, err := s.nightOf(d, t.Timezone)
		if err != nil {
			return depc.Run{}, false, err
		}
		if night.After(now) || night.Unix() < first || computed[d] || pending[d] {
			continue
		}
		missed = append(missed, d)
	}
	if len(missed) == 0 {
		return depc.Run{}, false, nil
	}
	r, err := s.state.CreateRun(ctx, t.Name, missed)
	if err != nil {
		return depc.Run{}, false, err
	}
	s.log.Info("missed nights queued", "team", t.Name, "run", r.ID, "days", strings.Join(missed, ","))
	s.notify()
	return r, true, nil
}

// The names of the scheduler's leases of jobs (depc.RunStore.AcquireLease).
const (
	catchUpLease   = "scheduler/catch-up"
	jobLeasePrefix = "scheduler/job/"
)

// jobLocker is gocron's Locker of the nightly job, on the state store's
// leases: the first scheduler whose timer fires takes the lease for
// jobLeaseTTL and runs the job; the others find it held and skip the
// night. The lease is not released when the job ends (Unlock does
// nothing): it must outlive the splay between the processes' timers.
type jobLocker struct{ s *Scheduler }

func (j jobLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	err := j.s.state.AcquireLease(ctx, jobLeasePrefix+key, j.s.o.Owner, j.s.now(), jobLeaseTTL)
	if err != nil {
		if depc.ErrorCode(err) == depc.ECONFLICT {
			j.s.log.Info("job skipped: another scheduler runs it", "job", key)
		} else {
			j.s.log.Error("lock a job", "job", key, "err", err)
		}
		return nil, err
	}
	return jobLock{}, nil
}

type jobLock struct{}

func (jobLock) Unlock(context.Context) error { return nil }
