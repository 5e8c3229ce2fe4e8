package scheduler

import (
	"context"
	"fmt"
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

// work is a worker: it claims days and computes them until ctx ends. The
// days it computes of one team in a row share a compute.Sequence (the
// days of a backfill read an unchanged graph once, and each is computed
// while the one before is written); it is closed as soon as the worker has
// no day of that team to compute next, and when the worker stops.
func (s *Scheduler) work(ctx context.Context, owner string) {
	var seq *compute.Sequence
	defer func() {
		if seq != nil {
			seq.Close()
		}
	}()
	for ctx.Err() == nil {
		l, ok := s.claim(ctx, owner)
		if seq != nil && (!ok || seq.Team() != l.Team) {
			seq.Close()
			seq = nil
		}
		if !ok {
			t := time.NewTimer(s.o.PollInterval)
			select {
			case <-ctx.Done():
			case <-s.wake:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		if seq == nil {
			seq = s.c.Sequence(l.Team)
		}
		s.runDay(ctx, l, seq)
		s.unlockTeam(l.Team)
	}
}

// claim claims a day of a team this process is not computing, and marks
// the team busy. ok is false when there is none (or the store failed,
// which is logged).
func (s *Scheduler) claim(ctx context.Context, owner string) (depc.DayLease, bool) {
	s.mu.Lock()
	except := make([]string, 0, len(s.busy))
	for t := range s.busy {
		except = append(except, t)
	}
	s.mu.Unlock()
	l, err := s.state.ClaimDay(ctx, depc.ClaimRequest{Owner: owner, Now: s.now(), TTL: s.o.LeaseTTL, ExceptTeams: except})
	if err != nil {
		if ctx.Err() == nil && depc.ErrorCode(err) != depc.ENOTFOUND {
			s.log.Error("claim a day", "err", err)
		}
		return l, false
	}
	s.mu.Lock()
	taken := s.busy[l.Team]
	s.busy[l.Team] = true
	s.mu.Unlock()
	if taken {
		// RunNow took the team meanwhile: the day goes back, for it or
		// another process.
		s.release(l)
		return l, false
	}
	return l, true
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

// runDay computes the day l holds, renewing its lease meanwhile, and
// records it (FinishDay): done with its node count and errors, or failing
// its run when the day could not be computed. When ctx ends first the day
// is given back (ReleaseDay); when the lease is lost (taken over after it
// expired, or the run finished meanwhile) nothing is recorded. It returns
// the run as saved, and false when nothing was recorded. The day is
// computed with seq, a Sequence of l's team, told the run's days after it.
func (s *Scheduler) runDay(ctx context.Context, l depc.DayLease, seq *compute.Sequence) (depc.Run, bool) {
	defer s.notify()
	run, err := s.state.Run(ctx, l.Team, l.Run)
	if err != nil {
		s.log.Error("read the claimed run", "team", l.Team, "run", l.Run, "err", err)
		s.release(l)
		return run, false
	}
	var notes []depc.RunError
	if l.Interruptions > 0 {
		if l.Interruptions > s.o.MaxInterruptions {
			s.log.Warn("run failed after interruptions", "team", l.Team, "run", l.Run, "day", l.Day, "interruptions", l.Interruptions)
			return s.finish(l, depc.DayOutcome{Failure: &depc.RunError{
				Error: fmt.Sprintf("%sinterrupted %d times by the end of its process; given up", dayPrefix(run, l.Day), l.Interruptions)}})
		}
		notes = append(notes, depc.RunError{Error: interruptedPrefix + l.Day + ": its worker stopped renewing its lease, which expired at " +
			l.ExpiresAt().UTC().Format(time.RFC3339) + "; computed again"})
		s.log.Warn("interrupted day taken over", "team", l.Team, "run", l.Run, "day", l.Day, "interruptions", l.Interruptions)
	}
	h := s.hold(ctx, l)
	t0 := time.Now()
	rep, err := seq.Day(h.ctx, l.Day, laterDays(run, l.Day)...)
	lost := h.stop()
	switch {
	case lost:
		s.log.Warn("day abandoned: its lease was lost", "team", l.Team, "run", l.Run, "day", l.Day)
		return run, false
	case err != nil && ctx.Err() != nil:
		s.release(h.lease())
		return run, false
	case err != nil:
		s.log.Error("run failed", "team", l.Team, "run", l.Run, "day", l.Day, "err", err)
		return s.finish(h.lease(), depc.DayOutcome{Errors: notes, Failure: &depc.RunError{Error: l.Day + ": " + depc.ErrorMessage(err)}})
	}
	for _, e := range rep.Errors {
		e.Error = dayPrefix(run, l.Day) + e.Error
		notes = append(notes, e)
	}
	r, ok := s.finish(h.lease(), depc.DayOutcome{Nodes: rep.Nodes, Errors: notes})
	if !ok {
		return r, false
	}
	s.log.Info("day computed", "team", l.Team, "run", l.Run, "day", l.Day, "owner", l.Owner, "nodes", rep.Nodes,
		"errors", len(rep.Errors), "took", time.Since(t0).Round(time.Millisecond),
		"snapshot", rep.Timings.Snapshot.Round(time.Millisecond), "sources", rep.Timings.Sources.Round(time.Millisecond),
		"engine", rep.Timings.Engine.Round(time.Millisecond), "write", rep.Timings.Write.Round(time.Millisecond))
	if s.o.OnDay != nil {
		s.o.OnDay(r, rep)
	}
	return r, true
}

// laterDays returns the days of the run after day, in its order: those the
// run's workers compute next (ClaimDay claims them in that order).
func laterDays(r depc.Run, day string) []string {
	for i, d := range r.Days {
		if d == day {
			return r.Days[i+1:]
		}
	}
	return nil
}

// dayPrefix starts the errors of a day of a run of several days.
func dayPrefix(r depc.Run, day string) string {
	if len(r.Days) > 1 {
		return day + ": "
	}
	return ""
}

// finish records the day (FinishDay), even when the computation's context
// ended.
func (s *Scheduler) finish(l depc.DayLease, o depc.DayOutcome) (depc.Run, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := s.state.FinishDay(ctx, l, s.now(), o)
	if err != nil {
		s.log.Error("record the computed day", "team", l.Team, "run", l.Run, "day", l.Day, "err", err)
		return r, false
	}
	if r.Status.Finished() {
		s.log.Info("run finished", "team", r.Team, "run", r.ID, "status", r.Status, "nodes", r.Nodes, "errors", len(r.Errors))
	}
	return r, true
}

// RunNow computes a run of the team for the days in the calling goroutine
// (`depc run`, the demo): the run is created and its days claimed and
// computed here, one after the other, and it is returned finished. Another
// process's scheduler may compute some of its days meanwhile; RunNow then
// waits for them.
func (s *Scheduler) RunNow(ctx context.Context, team string, days []string) (depc.Run, error) {
	r, err := s.state.CreateRun(ctx, team, days)
	if err != nil {
		return depc.Run{}, err
	}
	if !s.lockTeam(ctx, team) {
		return r, depc.WrapError(depc.EUNAVAILABLE, ctx.Err(), "run %d stopped before its start", r.ID)
	}
	owner := s.o.Owner + "/now"
	seq := s.c.Sequence(team)
	defer seq.Close()
	for {
		l, err := s.state.ClaimDay(ctx, depc.ClaimRequest{Owner: owner, Now: s.now(), TTL: s.o.LeaseTTL, Team: team, Run: r.ID})
		if err != nil {
			if depc.ErrorCode(err) != depc.ENOTFOUND {
				s.unlockTeam(team)
				return r, err
			}
			break
		}
		s.runDay(ctx, l, seq)
		if ctx.Err() != nil {
			s.unlockTeam(team)
			r, _ = s.state.Run(context.WithoutCancel(ctx), team, r.ID)
			return r, depc.WrapError(depc.EUNAVAILABLE, ctx.Err(), "run %d stopped before its end; queued again", r.ID)
		}
	}
	s.unlockTeam(team)
	return s.Wait(ctx, team, r.ID)
}
