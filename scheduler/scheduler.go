package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/go-co-op/gocron/v2"
)

// Defaults of Options.
const (
	DefaultNightly          = "01:15"
	DefaultCatchUpDays      = 3
	DefaultPollInterval     = 2 * time.Second
	DefaultMaxInterruptions = 2
	// MaxDays bounds the days of one run (a backfill of a year).
	MaxDays = 366
	// MaxRunErrors bounds the errors a run lists; the others are counted
	// in its last entry.
	MaxRunErrors = 1000
)

// interruptedPrefix starts the error a run gets each time the process
// running it died (see Recover).
const interruptedPrefix = "interrupted: "

// Options configure a Scheduler. The zero Options are the defaults,
// without catch-up.
type Options struct {
	// Nightly is the time of day, "HH:MM" in UTC, of the nightly job that
	// queues yesterday (in each team's time zone) for every team with a
	// config. Default DefaultNightly.
	Nightly string
	// CatchUpDays is how many days before today Start looks at for missed
	// nights (see CatchUp); 0 looks at none. cmd/depc's default is
	// DefaultCatchUpDays.
	CatchUpDays int
	// PollInterval is how often the worker reads the queue for runs that
	// other processes queued (the API of a separate `depc api`); runs
	// queued through this Scheduler start at once. Default
	// DefaultPollInterval.
	PollInterval time.Duration
	// MaxInterruptions is how many times a run may be interrupted by the
	// death of its process and queued again before Recover fails it.
	// Default DefaultMaxInterruptions.
	MaxInterruptions int
	// Workers is how many runs are computed at once, never two of one
	// team (default 1: a run already uses every core, and a large team's
	// run needs its memory).
	Workers int
	// Now is the clock (default time.Now). Tests give a fake clock's Now
	// here and the same clock to gocron in Gocron.
	Now func() time.Time
	// Gocron are options of the gocron scheduler of the nightly job, such
	// as gocron.WithClock.
	Gocron []gocron.SchedulerOption
	// Logger receives what the scheduler does (default slog.Default()).
	Logger *slog.Logger
	// OnDay, when set, is called after each day a run computed, with the
	// run as saved and the day's report (timings, errors): for commands
	// that print them and for metrics.
	OnDay func(depc.Run, compute.Report)
}

// State is what a Scheduler needs of the state store: the runs it queues,
// claims and updates, the teams and their configs (the nightly job and
// catch-up), and the results that tell a computed day from a missed one.
type State interface {
	depc.TeamStore
	depc.CatalogStore
	depc.RunStore
	depc.ResultStore
}

// Scheduler runs the computations of depc: the nightly job, the queue of
// runs persisted in the state store (on-demand runs, backfills, catch-up of
// missed nights), and recovery after a crash.
//
// One Scheduler runs per state store: it takes every queued run, and at
// start it takes a run found running for one its own process was running
// when it died (Recover). Runs of one team never run at once.
type Scheduler struct {
	state State
	c     *compute.Computer
	o     Options
	log   *slog.Logger
	hour  int
	min   int

	cron   gocron.Scheduler
	wake   chan struct{}
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever a run changes
	busy    map[string]bool
	free    *sync.Cond
	started bool
}

// New returns a Scheduler computing runs with c and keeping them in state.
// It does nothing before Start. EINVALID for bad options.
func New(state State, c *compute.Computer, o Options) (*Scheduler, error) {
	if o.Nightly == "" {
		o.Nightly = DefaultNightly
	}
	t, err := time.Parse("15:04", o.Nightly)
	if err != nil || len(o.Nightly) != 5 {
		return nil, depc.Errorf(depc.EINVALID, "nightly: %q is not a time HH:MM", o.Nightly)
	}
	if o.CatchUpDays < 0 || o.CatchUpDays > MaxDays {
		return nil, depc.Errorf(depc.EINVALID, "catch-up days: %d is not within [0, %d]", o.CatchUpDays, MaxDays)
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.MaxInterruptions <= 0 {
		o.MaxInterruptions = DefaultMaxInterruptions
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Scheduler{state: state, c: c, o: o, log: o.Logger, hour: t.Hour(), min: t.Minute(),
		wake: make(chan struct{}, 1), changed: make(chan struct{}), busy: map[string]bool{}}
	s.free = sync.NewCond(&s.mu)
	return s, nil
}

func (s *Scheduler) now() time.Time { return s.o.Now() }

// Start recovers the runs a dead process left running (Recover), queues
// the missed nights (CatchUp), then starts the nightly job and the workers.
// It returns once they run; Stop stops them. ctx bounds only Start itself.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return depc.Errorf(depc.ECONFLICT, "scheduler: already started")
	}
	s.started = true
	s.mu.Unlock()
	if err := s.Recover(ctx); err != nil {
		return err
	}
	if _, err := s.CatchUp(ctx); err != nil {
		return err
	}
	opts := append([]gocron.SchedulerOption{gocron.WithLocation(time.UTC)}, s.o.Gocron...)
	cron, err := gocron.NewScheduler(opts...)
	if err != nil {
		return depc.WrapError(depc.EINTERNAL, err, "scheduler: %v", err)
	}
	_, err = cron.NewJob(
		gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(uint(s.hour), uint(s.min), 0))),
		gocron.NewTask(func(ctx context.Context) {
			if _, err := s.Nightly(ctx); err != nil {
				s.log.Error("nightly runs", "err", err)
			}
		}),
		gocron.WithName("nightly"),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
	)
	if err != nil {
		cron.Shutdown()
		return depc.WrapError(depc.EINTERNAL, err, "scheduler: nightly job: %v", err)
	}
	s.cron = cron
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for range s.o.Workers {
		s.done.Add(1)
		go func() {
			defer s.done.Done()
			s.work(wctx)
		}()
	}
	cron.Start()
	s.log.Info("scheduler started", "nightly", s.o.Nightly+" UTC", "workers", s.o.Workers)
	return nil
}

// Stop stops the nightly job and the workers. A run being computed is
// queued again with its progress, to go on at the next start.
func (s *Scheduler) Stop() error {
	var err error
	if s.cron != nil {
		err = s.cron.Shutdown()
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.mu.Lock()
	s.free.Broadcast()
	s.mu.Unlock()
	s.done.Wait()
	return err
}

// notify wakes the workers and every Wait.
func (s *Scheduler) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *Scheduler) changes() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

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
		if t, err := time.Parse(time.DateOnly, d); err != nil || t.Format(time.DateOnly) != d {
			return depc.Run{}, depc.Errorf(depc.EINVALID, "days[%d]: %q is not a date YYYY-MM-DD", i, d)
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

// yesterday returns the day before the day of t in the team's zone.
func yesterday(t time.Time, timezone string) (string, error) {
	today, _, err := compute.Today(t, timezone)
	if err != nil {
		return "", err
	}
	d, _ := time.Parse(time.DateOnly, today)
	return d.AddDate(0, 0, -1).Format(time.DateOnly), nil
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
// Start calls it; it returns the runs queued.
func (s *Scheduler) CatchUp(ctx context.Context) ([]depc.Run, error) {
	if s.o.CatchUpDays <= 0 {
		return nil, nil
	}
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
	td, _ := time.Parse(time.DateOnly, today)
	from := td.AddDate(0, 0, -s.o.CatchUpDays).Format(time.DateOnly)
	to := td.AddDate(0, 0, -1).Format(time.DateOnly)
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
		d := td.AddDate(0, 0, -k).Format(time.DateOnly)
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

// Recover deals with the runs found running when the scheduler starts:
// their process died while it computed them (one scheduler runs per state
// store). Such a run is queued again, keeping its progress so that it goes
// on with the day it was computing (results of a day are replaced
// atomically, so a day cut short left nothing half written), and gets an
// error entry saying so. A run interrupted MaxInterruptions times already
// is failed instead: it may be what kills the process (memory), and
// queueing it forever would kill every start. Start calls it.
func (s *Scheduler) Recover(ctx context.Context) error {
	teams, err := s.state.Teams(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	for _, t := range teams {
		runs, err := s.state.Runs(ctx, t.Name, 0)
		if err != nil {
			return err
		}
		for _, r := range runs {
			if r.Status != depc.RunRunning {
				continue
			}
			n := 0
			for _, e := range r.Errors {
				if e.Label == "" && e.Name == "" && strings.HasPrefix(e.Error, interruptedPrefix) {
					n++
				}
			}
			if n >= s.o.MaxInterruptions {
				r.Status = depc.RunFailed
				at := now.Unix()
				r.FinishedAt = &at
				r.Errors = append(r.Errors, depc.RunError{Error: fmt.Sprintf("interrupted %d times by the end of its process; given up", n+1)})
				s.log.Warn("run failed after interruptions", "team", r.Team, "run", r.ID, "interruptions", n+1)
			} else {
				r.Status = depc.RunQueued
				r.StartedAt = nil
				r.Errors = append(r.Errors, depc.RunError{Error: interruptedPrefix + "its process ended at or before " + now.UTC().Format(time.RFC3339) + "; queued again"})
				s.log.Warn("interrupted run queued again", "team", r.Team, "run", r.ID, "progress", r.Progress)
			}
			if err := s.state.UpdateRun(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
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

// requeue puts a run back in the queue with its progress, when the
// scheduler stops while it runs.
func (s *Scheduler) requeue(r depc.Run) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.Status, r.StartedAt = depc.RunQueued, nil
	if err := s.state.UpdateRun(ctx, r); err != nil {
		s.log.Error("queue interrupted run again", "team", r.Team, "run", r.ID, "err", err)
	}
	s.notify()
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
