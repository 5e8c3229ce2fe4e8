package scheduler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/scheduler"
	"github.com/depc-dev/depc/source/fake"
	"github.com/depc-dev/depc/state/sqlite"
	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
)

// graph is a graph store of one node per label whose snapshots a test can
// hold: with hold set, each Snapshot waits for a release (or its context's
// end), so that a test sees runs in the middle of a day.
type graph struct {
	depc.GraphStore // the methods not implemented panic if called

	mu       sync.Mutex
	hold     bool
	release  chan struct{}
	inflight map[string]int
	maxTeam  map[string]int
	started  chan string // the team of each snapshot that starts
	windows  map[string][]depc.Window
}

func newGraph(hold bool) *graph {
	return &graph{hold: hold, release: make(chan struct{}), inflight: map[string]int{}, maxTeam: map[string]int{},
		started: make(chan string, 100), windows: map[string][]depc.Window{}}
}

func (g *graph) Snapshot(ctx context.Context, team string, w depc.Window, labels []string, sink depc.SnapshotSink) error {
	g.mu.Lock()
	g.inflight[team]++
	g.maxTeam[team] = max(g.maxTeam[team], g.inflight[team])
	g.windows[team] = append(g.windows[team], w)
	hold := g.hold
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.inflight[team]--
		g.mu.Unlock()
	}()
	g.started <- team
	if hold {
		select {
		case <-g.release:
		case <-ctx.Done():
			return depc.WrapError(depc.EUNAVAILABLE, ctx.Err(), "snapshot stopped")
		}
	}
	for i, l := range labels {
		if err := sink.Node(depc.SnapshotNode{ID: int32(i), Key: depc.NodeKey{Label: l, Name: "n1"}, Periods: depc.Periods{{From: 0, To: 1 << 40}}}); err != nil {
			return err
		}
	}
	return nil
}

// world is a state store with teams, a scheduler and a fake clock.
type world struct {
	t     *testing.T
	ctx   context.Context
	state *sqlite.Store
	path  string
	graph *graph
	clock *clockwork.FakeClock
	s     *scheduler.Scheduler
}

func newWorld(t *testing.T, now time.Time, g *graph, o scheduler.Options) *world {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &world{t: t, ctx: context.Background(), state: st, path: path, graph: g, clock: clockwork.NewFakeClockAt(now)}
	c := compute.New(g, st, func(_ context.Context, sc depc.SourceConfig) (depc.Source, error) { return fake.Open(sc.Configuration) })
	o.Now = w.clock.Now
	o.Gocron = []gocron.SchedulerOption{gocron.WithClock(w.clock)}
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	w.s, err = scheduler.New(st, c, o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// second returns another scheduler on the same state file, opened again
// (another process), the same graph and clock.
func (w *world) second(o scheduler.Options) *scheduler.Scheduler {
	w.t.Helper()
	st, err := sqlite.Open(w.path)
	w.must(err)
	w.t.Cleanup(func() { st.Close() })
	c := compute.New(w.graph, st, func(_ context.Context, sc depc.SourceConfig) (depc.Source, error) { return fake.Open(sc.Configuration) })
	o.Now = w.clock.Now
	o.Gocron = []gocron.SchedulerOption{gocron.WithClock(w.clock)}
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := scheduler.New(st, c, o)
	w.must(err)
	return s
}

func (w *world) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) start() {
	w.t.Helper()
	w.must(w.s.Start(w.ctx))
	w.t.Cleanup(func() { w.s.Stop() })
}

// team creates a team; with a config, it computes the label Server with
// the Fake source.
func (w *world) team(name, tz string, config bool) {
	w.t.Helper()
	_, err := w.state.CreateTeam(w.ctx, depc.Team{Name: name, Timezone: tz})
	w.must(err)
	if !config {
		return
	}
	_, err = w.state.CreateSource(w.ctx, name, depc.SourceConfig{Name: "fake", Plugin: depc.PluginFake})
	w.must(err)
	_, err = w.state.CreateCheck(w.ctx, name, depc.Check{Name: "Ping", Source: "fake", Type: depc.CheckThreshold,
		Parameters: depc.CheckParameters{Query: "depc.tutorial.ping", Threshold: "20"}})
	w.must(err)
	_, err = w.state.CreateRule(w.ctx, name, depc.Rule{Name: "Servers", Checks: []string{"Ping"}})
	w.must(err)
	_, err = w.state.SaveConfig(w.ctx, name, []byte(`{"Server": {"qos": "rule.Servers"}}`), []string{"Servers"})
	w.must(err)
}

// waitFor waits until cond holds. It is a wait for a state, not a
// measure of time: the limit only keeps a broken test from hanging.
func (w *world) waitFor(what string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (w *world) runs(team string) []depc.Run {
	w.t.Helper()
	rs, err := w.state.Runs(w.ctx, team, 0)
	w.must(err)
	slices.Reverse(rs) // oldest first
	return rs
}

func (w *world) wait(team string, id int64) depc.Run {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, 20*time.Second)
	defer cancel()
	r, err := w.s.Wait(ctx, team, id)
	w.must(err)
	return r
}

func days(rs []depc.Run) string {
	var out []string
	for _, r := range rs {
		out = append(out, strings.Join(r.Days, "+")+":"+string(r.Status))
	}
	return strings.Join(out, " ")
}

// The nightly job queues yesterday in each team's zone for the teams that
// have a config, at 01:15 UTC, every day.
func TestNightly(t *testing.T) {
	w := newWorld(t, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), newGraph(false), scheduler.Options{CatchUpDays: 0})
	w.team("utc", "", true)
	w.team("paris", "Europe/Paris", true)
	w.team("la", "America/Los_Angeles", true)
	w.team("tokyo", "Asia/Tokyo", true)
	w.team("noconf", "", false)
	w.start()
	for _, tc := range []struct {
		advance time.Duration
		want    map[string]string
	}{
		// 01:15 UTC on the 20th: 02:15 in Paris, 10:15 in Tokyo, but
		// 17:15 on the 19th in Los Angeles.
		{75 * time.Minute, map[string]string{"utc": "2026-11-19", "paris": "2026-11-19", "la": "2026-11-18", "tokyo": "2026-11-19"}},
		{24 * time.Hour, map[string]string{"utc": "2026-11-20", "paris": "2026-11-20", "la": "2026-11-19", "tokyo": "2026-11-20"}},
	} {
		ctx, cancel := context.WithTimeout(w.ctx, 20*time.Second)
		w.must(w.clock.BlockUntilContext(ctx, 1)) // the nightly job's timer
		cancel()
		w.clock.Advance(tc.advance)
		for team, day := range tc.want {
			w.waitFor("the nightly run of "+team, func() bool {
				rs := w.runs(team)
				return len(rs) > 0 && rs[len(rs)-1].Days[0] == day && rs[len(rs)-1].Status.Finished()
			})
			rs := w.runs(team)
			if r := rs[len(rs)-1]; r.Status != depc.RunSucceeded || len(r.Days) != 1 || r.Nodes != 1 {
				t.Errorf("%s: run %+v", team, r)
			}
		}
		if rs := w.runs("noconf"); len(rs) != 0 {
			t.Errorf("a team without config got runs %v", days(rs))
		}
	}
	for _, team := range []string{"utc", "paris", "la", "tokyo"} {
		if rs := w.runs(team); len(rs) != 2 {
			t.Errorf("%s: %d runs (%s), want 2", team, len(rs), days(rs))
		}
	}
	// A night that finds yesterday queued or running adds nothing.
	w.graph.mu.Lock()
	w.graph.hold = true
	w.graph.mu.Unlock()
	ctx, cancel := context.WithTimeout(w.ctx, 20*time.Second)
	defer cancel()
	w.must(w.clock.BlockUntilContext(ctx, 1))
	w.clock.Advance(24 * time.Hour)
	for _, team := range []string{"utc", "paris", "la", "tokyo"} {
		w.waitFor("the third night's run of "+team, func() bool { return len(w.runs(team)) == 3 })
	}
	runs, err := w.s.Nightly(w.ctx)
	w.must(err)
	if len(runs) != 0 {
		t.Errorf("nightly queued %d runs while the same days were pending", len(runs))
	}
	close(w.graph.release)
}

// Runs of one team never run at once; runs of different teams do when
// there are workers for them.
func TestSingleton(t *testing.T) {
	g := newGraph(true)
	w := newWorld(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), g, scheduler.Options{CatchUpDays: 0, Workers: 3})
	w.team("a", "", true)
	w.team("b", "", true)
	w.start()
	a1, err := w.s.Enqueue(w.ctx, "a", []string{"2026-11-01", "2026-11-02"})
	w.must(err)
	a2, err := w.s.Enqueue(w.ctx, "a", []string{"2026-11-03"})
	w.must(err)
	b1, err := w.s.Enqueue(w.ctx, "b", []string{"2026-11-01"})
	w.must(err)
	first := []string{<-g.started, <-g.started}
	slices.Sort(first)
	if !slices.Equal(first, []string{"a", "b"}) {
		t.Errorf("the first two snapshots are of teams %v, want a and b", first)
	}
	for range 4 { // every day of every run
		g.release <- struct{}{}
	}
	for _, r := range []depc.Run{a1, a2, b1} {
		if got := w.wait(r.Team, r.ID); got.Status != depc.RunSucceeded {
			t.Errorf("run %s/%d: %+v", r.Team, r.ID, got)
		}
	}
	if g.maxTeam["a"] != 1 || g.maxTeam["b"] != 1 {
		t.Errorf("at most %d runs of a and %d of b at once, want 1", g.maxTeam["a"], g.maxTeam["b"])
	}
	if got := w.runs("a"); *got[1].StartedAt < *got[0].FinishedAt {
		t.Errorf("a's second run started at %d, before the first finished at %d", *got[1].StartedAt, *got[0].FinishedAt)
	}
}

// A backfill computes its days in order and saves its progress after each.
func TestBackfillProgress(t *testing.T) {
	g := newGraph(true)
	w := newWorld(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), g, scheduler.Options{CatchUpDays: 0})
	w.team("acme", "", true)
	w.start()
	ds, err := scheduler.Days("2026-10-30", "2026-11-02")
	w.must(err)
	r, err := w.s.Enqueue(w.ctx, "acme", ds)
	w.must(err)
	if r.Status != depc.RunQueued || len(r.Days) != 4 {
		t.Fatalf("queued run %+v", r)
	}
	for i := range 4 {
		<-g.started
		got, err := w.state.Run(w.ctx, "acme", r.ID)
		w.must(err)
		if got.Status != depc.RunRunning || got.Progress != float64(i)/4 || got.Nodes != int64(i) {
			t.Errorf("day %d: status %s progress %v nodes %d", i, got.Status, got.Progress, got.Nodes)
		}
		g.release <- struct{}{}
		if i < 3 {
			w.waitFor("progress", func() bool {
				got, err := w.state.Run(w.ctx, "acme", r.ID)
				return err == nil && got.Progress == float64(i+1)/4
			})
		}
	}
	got := w.wait("acme", r.ID)
	if got.Status != depc.RunSucceeded || got.Progress != 1 || got.Nodes != 4 || got.FinishedAt == nil {
		t.Errorf("finished run %+v", got)
	}
	var windows []string
	for _, win := range g.windows["acme"] {
		windows = append(windows, time.Unix(win.Start, 0).UTC().Format(time.DateOnly))
	}
	if !slices.Equal(windows, ds) {
		t.Errorf("days computed %v, want %v", windows, ds)
	}
	res, err := w.state.TeamQoS(w.ctx, "acme", "2026-10-30", "2026-11-02")
	w.must(err)
	if len(res) != 4 {
		t.Errorf("%d day results, want 4", len(res))
	}
}

// Start queues the nights missed while no scheduler ran.
func TestCatchUp(t *testing.T) {
	// The state store dates configs with the real clock: the fake one is
	// put three days later, at 10:00 UTC, so that every night looked at
	// comes after the configs.
	real := time.Now().UTC()
	today := time.Date(real.Year(), real.Month(), real.Day()+3, 0, 0, 0, 0, time.UTC)
	now := today.Add(10 * time.Hour)
	day := func(t time.Time, k int) string { return t.AddDate(0, 0, k).Format(time.DateOnly) }
	g := newGraph(true)
	w := newWorld(t, now, g, scheduler.Options{CatchUpDays: 3})
	w.team("utc", "", true)
	w.team("la", "America/Los_Angeles", true)
	w.team("noconf", "", false)
	w.team("done", "", true)
	// utc: today-3 was computed, today-2's run failed (no result).
	g.mu.Lock()
	g.hold = false
	g.mu.Unlock()
	c := compute.New(g, w.state, func(_ context.Context, sc depc.SourceConfig) (depc.Source, error) { return fake.Open(sc.Configuration) })
	_, err := c.Day(w.ctx, "utc", day(today, -3))
	w.must(err)
	failed, err := w.state.CreateRun(w.ctx, "utc", []string{day(today, -2)})
	w.must(err)
	failed.Status = depc.RunFailed
	w.must(w.state.UpdateRun(w.ctx, failed))
	// done: every day computed or queued.
	for _, k := range []int{-3, -2} {
		_, err := c.Day(w.ctx, "done", day(today, k))
		w.must(err)
	}
	_, err = w.state.CreateRun(w.ctx, "done", []string{day(today, -1)})
	w.must(err)
	for len(g.started) > 0 {
		<-g.started
	}
	g.mu.Lock()
	g.hold = true
	g.mu.Unlock()

	w.start()
	for _, tc := range []struct{ team, want string }{
		{"utc", day(today, -2) + ":failed " + day(today, -2) + "+" + day(today, -1) + ":queued"},
		// Los Angeles: at 02:00 local, yesterday's night (01:15 UTC
		// tomorrow) has not come yet.
		{"la", day(today, -3) + "+" + day(today, -2) + ":queued"},
		{"noconf", ""},
		{"done", day(today, -1) + ":queued"},
	} {
		got := days(w.runs(tc.team))
		// The worker may have claimed the first queued run.
		got = strings.ReplaceAll(got, ":running", ":queued")
		if got != tc.want {
			t.Errorf("%s: runs %q, want %q", tc.team, got, tc.want)
		}
	}
	close(g.release)
}

// The catch-up runs in one scheduler at a time: while another holds its
// lease, a starting scheduler skips it (the other queues the nights).
func TestCatchUpOnce(t *testing.T) {
	real := time.Now().UTC()
	today := time.Date(real.Year(), real.Month(), real.Day()+3, 0, 0, 0, 0, time.UTC)
	w := newWorld(t, today.Add(10*time.Hour), newGraph(false), scheduler.Options{CatchUpDays: 2})
	w.team("utc", "", true)
	w.must(w.state.AcquireLease(w.ctx, "scheduler/catch-up", "another scheduler", w.clock.Now(), time.Minute))
	runs, err := w.s.CatchUp(w.ctx)
	w.must(err)
	if len(runs) != 0 || len(w.runs("utc")) != 0 {
		t.Errorf("catch-up while another scheduler catches up queued %v", days(w.runs("utc")))
	}
	w.must(w.state.ReleaseLease(w.ctx, "scheduler/catch-up", "another scheduler"))
	runs, err = w.s.CatchUp(w.ctx)
	w.must(err)
	if len(runs) != 1 || len(runs[0].Days) != 2 {
		t.Errorf("catch-up once the lease is free: %v", days(runs))
	}
}

// A day whose lease expired was interrupted by the end of its worker's
// process: it is computed again (after the days already done) with an
// error entry saying so; a day interrupted too often fails its run.
func TestRecover(t *testing.T) {
	g := newGraph(false)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	w := newWorld(t, now, g, scheduler.Options{CatchUpDays: 0})
	w.team("acme", "", true)
	w.team("crashy", "", true)
	dead := func(owner string, at time.Time) depc.ClaimRequest {
		return depc.ClaimRequest{Owner: owner, Now: at, TTL: time.Minute}
	}
	r, err := w.state.CreateRun(w.ctx, "acme", []string{"2026-11-01", "2026-11-02"})
	w.must(err)
	l, err := w.state.ClaimDay(w.ctx, dead("dead", now.Add(-10*time.Minute)))
	w.must(err)
	_, err = w.state.FinishDay(w.ctx, l, now.Add(-9*time.Minute), depc.DayOutcome{Nodes: 1})
	w.must(err)
	_, err = w.state.ClaimDay(w.ctx, dead("dead", now.Add(-9*time.Minute)))
	w.must(err)
	bad, err := w.state.CreateRun(w.ctx, "crashy", []string{"2026-11-01"})
	w.must(err)
	for i, owner := range []string{"dead1", "dead2", "dead3"} {
		q := dead(owner, now.Add(time.Duration(2*i-8)*time.Minute))
		q.ExceptTeams = []string{"acme"}
		l, err := w.state.ClaimDay(w.ctx, q)
		w.must(err)
		if l.Team != "crashy" {
			t.Fatalf("claimed %+v", l)
		}
	}

	w.start()
	got := w.wait("acme", r.ID)
	if got.Status != depc.RunSucceeded || got.Nodes != 2 || len(got.Errors) != 1 || !strings.HasPrefix(got.Errors[0].Error, "interrupted: ") {
		t.Errorf("recovered run %+v", got)
	}
	if ws := g.windows["acme"]; len(ws) != 1 || time.Unix(ws[0].Start, 0).UTC().Format(time.DateOnly) != "2026-11-02" {
		t.Errorf("computed %v, want 2026-11-02 only", ws)
	}
	got = w.wait("crashy", bad.ID)
	if got.Status != depc.RunFailed || !strings.Contains(got.Errors[len(got.Errors)-1].Error, "interrupted 3 times") {
		t.Errorf("run interrupted thrice: %+v", got)
	}
	if len(g.windows["crashy"]) != 0 {
		t.Errorf("the failed run was computed")
	}
}

// A day whose lease is alive is not computed: its worker, in another
// process, is computing it. Once the lease expires, the day is taken over.
func TestLiveLeaseNotTaken(t *testing.T) {
	g := newGraph(false)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	w := newWorld(t, now, g, scheduler.Options{CatchUpDays: 0, LeaseTTL: time.Minute})
	w.team("acme", "", true)
	held, err := w.state.CreateRun(w.ctx, "acme", []string{"2026-11-01"})
	w.must(err)
	_, err = w.state.ClaimDay(w.ctx, depc.ClaimRequest{Owner: "other process", Now: now, TTL: time.Minute})
	w.must(err)
	w.start()
	// A later run goes first: the held day was passed over.
	later, err := w.s.Enqueue(w.ctx, "acme", []string{"2026-11-02"})
	w.must(err)
	if got := w.wait("acme", later.ID); got.Status != depc.RunSucceeded {
		t.Fatalf("later run %+v", got)
	}
	if got, err := w.state.Run(w.ctx, "acme", held.ID); err != nil || got.Status != depc.RunRunning || got.Progress != 0 {
		t.Errorf("run whose day is held elsewhere: %+v %v", got, err)
	}
	if n := len(g.windows["acme"]); n != 1 {
		t.Errorf("%d days computed, want 1 (the later run's)", n)
	}
	w.clock.Advance(time.Minute + time.Second)
	got := w.wait("acme", held.ID)
	if got.Status != depc.RunSucceeded || len(got.Errors) != 1 || !strings.HasPrefix(got.Errors[0].Error, "interrupted: 2026-11-01") {
		t.Errorf("run taken over %+v", got)
	}
}

// Two schedulers on one state store (two processes on one data directory)
// compute every day of a backfill once, between them; the nightly job runs
// in one of them.
func TestTwoSchedulers(t *testing.T) {
	g := newGraph(false)
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	w := newWorld(t, now, g, scheduler.Options{CatchUpDays: 0})
	w.team("acme", "", true)
	w.team("beta", "", true)
	other := w.second(scheduler.Options{CatchUpDays: 0})
	w.start()
	w.must(other.Start(w.ctx))
	t.Cleanup(func() { other.Stop() })
	ds, err := scheduler.Days("2026-10-01", "2026-10-10")
	w.must(err)
	r, err := other.Enqueue(w.ctx, "acme", ds)
	w.must(err)
	if got := w.wait("acme", r.ID); got.Status != depc.RunSucceeded || got.Nodes != int64(len(ds)) || got.Progress != 1 {
		t.Errorf("backfill %+v", got)
	}
	computed := map[string]int{}
	for _, win := range g.windows["acme"] {
		computed[time.Unix(win.Start, 0).UTC().Format(time.DateOnly)]++
	}
	for _, d := range ds {
		if computed[d] != 1 {
			t.Errorf("%s computed %d times", d, computed[d])
		}
	}
	// Both schedulers' nightly timers fire at 01:15: one night is queued.
	ctx, cancel := context.WithTimeout(w.ctx, 20*time.Second)
	defer cancel()
	w.must(w.clock.BlockUntilContext(ctx, 2))
	w.clock.Advance(75 * time.Minute)
	for _, team := range []string{"acme", "beta"} {
		w.waitFor("the nightly run of "+team, func() bool {
			rs := w.runs(team)
			return len(rs) > 0 && rs[len(rs)-1].Days[0] == "2026-11-19" && rs[len(rs)-1].Status.Finished()
		})
	}
	// The second timer's job has run (or been skipped) once both timers
	// are waiting for the next night.
	w.must(w.clock.BlockUntilContext(ctx, 2))
	for _, team := range []string{"acme", "beta"} {
		n := 0
		for _, r := range w.runs(team) {
			if r.Days[0] == "2026-11-19" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d nightly runs of 2026-11-19, want 1", team, n)
		}
	}
}

// Stopping the scheduler in the middle of a run queues it again with its
// progress.
func TestStopRequeues(t *testing.T) {
	g := newGraph(true)
	w := newWorld(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), g, scheduler.Options{CatchUpDays: 0})
	w.team("acme", "", true)
	w.must(w.s.Start(w.ctx))
	r, err := w.s.Enqueue(w.ctx, "acme", []string{"2026-11-01", "2026-11-02"})
	w.must(err)
	<-g.started
	g.release <- struct{}{}
	<-g.started
	w.must(w.s.Stop())
	got, err := w.state.Run(w.ctx, "acme", r.ID)
	w.must(err)
	if got.Status != depc.RunQueued || got.Progress != 0.5 || got.StartedAt != nil {
		t.Errorf("stopped run %+v", got)
	}
	ctx, cancel := context.WithTimeout(w.ctx, time.Millisecond)
	defer cancel()
	if _, err := w.s.Wait(ctx, "acme", r.ID); depc.ErrorCode(err) != depc.EUNAVAILABLE {
		t.Errorf("Wait on a queued run past its context: %v", err)
	}
}

func TestFailedRun(t *testing.T) {
	w := newWorld(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), newGraph(false), scheduler.Options{CatchUpDays: 0})
	w.team("acme", "", true)
	r, err := w.s.Enqueue(w.ctx, "acme", []string{"2026-11-01", "2026-11-02"})
	w.must(err)
	// The config is replaced by one that names a label it does not
	// configure before the run starts.
	_, err = w.state.SaveConfig(w.ctx, "acme", []byte(`{"Site": {"qos": "operation.AND[Server]"}}`), nil)
	w.must(err)
	w.start()
	got := w.wait("acme", r.ID)
	if got.Status != depc.RunFailed || got.Progress != 0 || len(got.Errors) != 1 || !strings.HasPrefix(got.Errors[0].Error, "2026-11-01: config") {
		t.Errorf("run %+v", got)
	}
}

func TestEnqueueAndRunNow(t *testing.T) {
	w := newWorld(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), newGraph(false), scheduler.Options{CatchUpDays: 0})
	w.team("acme", "", true)
	w.team("noconf", "", false)
	for _, tc := range []struct {
		team string
		days []string
		code string
	}{
		{"nobody", []string{"2026-11-01"}, depc.ENOTFOUND},
		{"noconf", []string{"2026-11-01"}, depc.EINVALID},
		{"acme", []string{"2026-11-31"}, depc.EINVALID},
		{"acme", nil, depc.EINVALID},
		{"acme", []string{"2026-11-01", "2026-11-01"}, depc.EINVALID},
	} {
		if _, err := w.s.Enqueue(w.ctx, tc.team, tc.days); depc.ErrorCode(err) != tc.code {
			t.Errorf("Enqueue(%s, %v): %v, want %s", tc.team, tc.days, err, tc.code)
		}
	}
	r, err := w.s.RunNow(w.ctx, "acme", []string{"2026-11-01", "2026-11-02"})
	w.must(err)
	if r.Status != depc.RunSucceeded || r.Nodes != 2 || r.Progress != 1 {
		t.Errorf("RunNow: %+v", r)
	}
	if stored, err := w.state.Run(w.ctx, "acme", r.ID); err != nil || stored.Status != depc.RunSucceeded {
		t.Errorf("stored run %+v %v", stored, err)
	}
}

func TestDays(t *testing.T) {
	for _, tc := range []struct {
		from, to, want string
	}{
		{"2026-02-27", "2026-03-02", "2026-02-27 2026-02-28 2026-03-01 2026-03-02"},
		{"2026-11-01", "2026-11-01", "2026-11-01"},
		{"2026-11-02", "2026-11-01", "invalid"},
		{"2026-11-1", "2026-11-02", "invalid"},
		{"2025-01-01", "2026-01-02", "invalid"}, // 366 days is the most
		{"2025-01-01", "2026-01-01", "366"},
	} {
		ds, err := scheduler.Days(tc.from, tc.to)
		got := strings.Join(ds, " ")
		if err != nil {
			got = depc.ErrorCode(err)
		} else if len(ds) > 10 {
			got = fmt.Sprint(len(ds))
		}
		if got != tc.want {
			t.Errorf("Days(%s, %s) = %s, want %s", tc.from, tc.to, got, tc.want)
		}
	}
}
