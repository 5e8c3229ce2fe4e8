package scheduler

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
)

// Days returns the days from "from" to "to", inclusive, for a backfill:
// EINVALID when one is not a date, from is after to, or the range is longer
// than MaxDays.
func Days(from, to string) ([]string, error) {
	return compute.DayRange("from", from, "to", to, MaxDays)
}

// Enqueue queues a run of the team for the days, computed in the order
// given, and returns it (status queued). EINVALID for no day, a bad or
// repeated day, more than MaxDays, or a team without a config (there is
// nothing to compute); ENOTFOUND for an unknown team.
func (s *Scheduler) Enqueue(ctx context.Context, team string, days []string) (depc.Run, error) {
	if len(days) > MaxDays {
		return depc.Run{}, depc.Errorf(depc.EINVALID, "days: a run holds at most %d days", MaxDays)
	}
	for i, d := range days {
		if _, err := depc.ParseDay(fmt.Sprintf("days[%d]", i), d); err != nil {
			return depc.Run{}, err
		}
	}
	if _, err := s.state.Config(ctx, team); err != nil {
		if depc.ErrorCode(err) == depc.ENOTFOUND {
			if _, terr := s.state.Team(ctx, team); terr != nil {
				return depc.Run{}, terr
			}
			return depc.Run{}, depc.Errorf(depc.EINVALID, "team %q has no config: there is nothing to compute", team)
		}
		return depc.Run{}, err
	}
	r, err := s.state.CreateRun(ctx, team, days)
	if err != nil {
		return depc.Run{}, err
	}
	s.log.Info("run queued", "team", team, "run", r.ID, "days", len(days))
	s.notify()
	return r, nil
}

// Wait waits until the run is finished and returns it. It returns early
// with the run as it is and ctx's error (EUNAVAILABLE) when ctx ends;
// ENOTFOUND for an unknown team or run.
func (s *Scheduler) Wait(ctx context.Context, team string, id int64) (depc.Run, error) {
	for {
		ch := s.changes()
		r, err := s.state.Run(ctx, team, id)
		if err != nil || r.Status.Finished() {
			return r, err
		}
		t := time.NewTimer(s.o.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return r, depc.WrapError(depc.EUNAVAILABLE, ctx.Err(), "run %d is still %s", id, r.Status)
		case <-ch:
		case <-t.C:
		}
		t.Stop()
	}
}

// pending returns the days of the team's queued or running runs.
func (s *Scheduler) pending(ctx context.Context, team string) (map[string]bool, error) {
	runs, err := s.state.Runs(ctx, team, 0)
	if err != nil {
		return nil, err
	}
	days := map[string]bool{}
	for _, r := range runs {
		if !r.Status.Finished() {
			for _, d := range r.Days {
				days[d] = true
			}
		}
	}
	return days, nil
}

// work is a worker: it claims queued runs and computes them until ctx
// ends.
func (s *Scheduler) work(ctx context.Context) {
	for ctx.Err() == nil {
		r, err := s.state.ClaimRun(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if depc.ErrorCode(err) != depc.ENOTFOUND {
				s.log.Error("claim run", "err", err)
			}
			t := time.NewTimer(s.o.PollInterval)
			select {
			case <-ctx.Done():
			case <-s.wake:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		if !s.lockTeam(ctx, r.Team) {
			s.requeue(r)
			return
		}
		if s.o.Workers > 1 {
			// It may have waited for its team: it starts now.
			at := s.now().Unix()
			r.StartedAt = &at
		}
		s.Execute(ctx, r)
		s.unlockTeam(r.Team)
	}
}

func (s *Scheduler) lockTeam(ctx context.Context, team string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.busy[team] {
		if ctx.Err() != nil {
			return false
		}
		s.free.Wait()
	}
	s.busy[team] = true
	return true
}

func (s *Scheduler) unlockTeam(team string) {
	s.mu.Lock()
	delete(s.busy, team)
	s.free.Broadcast()
	s.mu.Unlock()
}

// Execute computes a run that is running (claimed), day after day,
// starting after the days its progress says are done, saving its progress,
// node count and errors after each day, and finishes it: succeeded, or
// failed at the first day that could not be computed (the later days are
// not). When ctx ends first, the run is queued again with its progress. It
// returns the run as saved.
func (s *Scheduler) Execute(ctx context.Context, r depc.Run) depc.Run {
	defer s.notify()
	n := len(r.Days)
	if n == 0 {
		return s.finish(r, depc.RunFailed, depc.RunError{Error: "the run has no day"})
	}
	done := min(max(int(math.Round(r.Progress*float64(n))), 0), n)
	errs := &runErrors{list: r.Errors}
	for i := done; i < n; i++ {
		day := r.Days[i]
		t0 := time.Now()
		rep, err := s.c.Day(ctx, r.Team, day)
		if err != nil {
			if ctx.Err() != nil {
				r.Errors = errs.list
				s.requeue(r)
				return r
			}
			s.log.Error("run failed", "team", r.Team, "run", r.ID, "day", day, "err", err)
			r.Errors = errs.list
			return s.finish(r, depc.RunFailed, depc.RunError{Error: day + ": " + depc.ErrorMessage(err)})
		}
		for _, e := range rep.Errors {
			if n > 1 {
				e.Error = day + ": " + e.Error
			}
			errs.add(e)
		}
		r.Nodes += rep.Nodes
		r.Errors = errs.list
		r.Progress = float64(i+1) / float64(n)
		s.log.Info("day computed", "team", r.Team, "run", r.ID, "day", day, "nodes", rep.Nodes,
			"errors", len(rep.Errors), "took", time.Since(t0).Round(time.Millisecond),
			"snapshot", rep.Timings.Snapshot.Round(time.Millisecond), "sources", rep.Timings.Sources.Round(time.Millisecond),
			"engine", rep.Timings.Engine.Round(time.Millisecond), "write", rep.Timings.Write.Round(time.Millisecond))
		if i+1 < n {
			if err := s.state.UpdateRun(ctx, r); err != nil {
				s.log.Error("save run progress", "team", r.Team, "run", r.ID, "err", err)
			}
			s.notify()
		}
		if s.o.OnDay != nil {
			s.o.OnDay(r, rep)
		}
	}
	return s.finish(r, depc.RunSucceeded)
}

func (s *Scheduler) finish(r depc.Run, status depc.RunStatus, errs ...depc.RunError) depc.Run {
	r.Status = status
	at := s.now().Unix()
	r.FinishedAt = &at
	r.Errors = append(r.Errors, errs...)
	if status == depc.RunSucceeded {
		r.Progress = 1
	}
	// The run's end is saved even when the computation's context ended.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.state.UpdateRun(ctx, r); err != nil {
		s.log.Error("save finished run", "team", r.Team, "run", r.ID, "err", err)
	}
	s.log.Info("run finished", "team", r.Team, "run", r.ID, "status", status, "nodes", r.Nodes, "errors", len(r.Errors))
	return r
}

// runErrors bounds a run's error list: after MaxRunErrors entries, one
// last entry counts the others.
type runErrors struct {
	list    []depc.RunError
	dropped int
}

func (e *runErrors) add(x depc.RunError) {
	if len(e.list) < MaxRunErrors {
		e.list = append(e.list, x)
		return
	}
	e.dropped++
	e.list[MaxRunErrors-1] = depc.RunError{Error: fmt.Sprintf("%d more errors not listed", e.dropped+1)}
}

// RunNow computes a run of the team for the days in the calling goroutine,
// without the queue (`depc run`): the run is created, marked running and
// computed at once, and returned finished. The scheduler of a server
// sharing the store could claim it in the instant between creation and
// start; it would then be computed twice, to the same results.
func (s *Scheduler) RunNow(ctx context.Context, team string, days []string) (depc.Run, error) {
	r, err := s.state.CreateRun(ctx, team, days)
	if err != nil {
		return depc.Run{}, err
	}
	at := s.now().Unix()
	r.Status, r.StartedAt = depc.RunRunning, &at
	if err := s.state.UpdateRun(ctx, r); err != nil {
		return r, err
	}
	if !s.lockTeam(ctx, team) {
		return r, ctx.Err()
	}
	defer s.unlockTeam(team)
	r = s.Execute(ctx, r)
	if r.Status == depc.RunQueued {
		return r, depc.WrapError(depc.EUNAVAILABLE, ctx.Err(), "run %d stopped before its end; queued again", r.ID)
	}
	return r, nil
}
