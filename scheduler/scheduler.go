package scheduler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
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
	// DefaultLeaseTTL is how long a day's lease lasts unless renewed: how
	// long the day of a worker that died waits before another takes it.
	// Workers renew every third of it.
	DefaultLeaseTTL = 60 * time.Second
	// jobLeaseTTL is how long the lease of the nightly job outlives the
	// job: the schedulers of other processes, whose timers fire a little
	// earlier or later, find it held and skip the night (gocron's Locker).
	jobLeaseTTL = 30 * time.Minute
	// MaxDays bounds the days of one run (a backfill of a year).
	MaxDays = 366
	// MaxRunErrors bounds the errors a run lists; the others are counted
	// in its last entry (depc.AppendRunErrors).
	MaxRunErrors = depc.MaxRunErrors
)

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
	// MaxInterruptions is how many times a day of a run may be
	// interrupted by the death of the process computing it (its lease
	// expired) and taken over before the run is failed. Default
	// DefaultMaxInterruptions.
	MaxInterruptions int
	// Workers is how many days this process computes at once, never two
	// of one team (default 1: a day already uses every core, and a large
	// team's day needs its memory). Other processes sharing the state
	// store compute other days, of the same runs too.
	Workers int
	// LeaseTTL is how long a claimed day's lease lasts unless renewed
	// (default DefaultLeaseTTL).
	LeaseTTL time.Duration
	// Owner names this scheduler in the leases it takes (default: host
	// name, process id and a random suffix). It must differ between the
	// processes sharing a state store.
	Owner string
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
// missed nights), and the days that dead processes left unfinished.
//
// Any number of Schedulers, in as many processes, may share a state store:
// they drain the same queue day by day, each day under a lease (see
// depc.RunStore), and the nightly job and the catch-up run in one of them
// only. One Scheduler never computes two days of one team at once.
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
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.LeaseTTL < 3*time.Millisecond {
		return nil, depc.Errorf(depc.EINVALID, "lease: %s is too short to be renewed", o.LeaseTTL)
	}
	if o.Owner == "" {
		o.Owner = defaultOwner()
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

// Start queues the missed nights (CatchUp), then starts the nightly job
// and the workers. It returns once they run; Stop stops them. ctx bounds
// only Start itself. The days that dead processes left unfinished are
// taken by the workers once their leases expire.
func (s *Scheduler) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return depc.Errorf(depc.ECONFLICT, "scheduler: already started")
	}
	s.started = true
	s.mu.Unlock()
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
		gocron.WithDistributedJobLocker(jobLocker{s}),
	)
	if err != nil {
		cron.Shutdown()
		return depc.WrapError(depc.EINTERNAL, err, "scheduler: nightly job: %v", err)
	}
	s.cron = cron
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for i := range s.o.Workers {
		s.done.Add(1)
		go func() {
			defer s.done.Done()
			s.work(wctx, fmt.Sprintf("%s/w%d", s.o.Owner, i))
		}()
	}
	cron.Start()
	s.log.Info("scheduler started", "nightly", s.o.Nightly+" UTC", "workers", s.o.Workers, "owner", s.o.Owner, "lease", s.o.LeaseTTL)
	return nil
}

// Stop stops the nightly job and the workers. The days being computed are
// given back to the queue (a run none of whose days is held any more is
// queued again with its progress), for this or another process.
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

// defaultOwner names a process's scheduler: host, process id and a random
// suffix, so that a restarted process with the same id is another owner.
func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Owner returns the name of this scheduler in the leases it takes.
func (s *Scheduler) Owner() string { return s.o.Owner }
