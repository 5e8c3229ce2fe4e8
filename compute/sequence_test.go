package compute_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/state/sqlite"
)

// A Sequence computing a backfill gives the results of each day computed
// on its own at the same moment: while the graph stays the same it is read
// once, a period that ends inside a later day or a message applied during
// the backfill makes it read again, and a maintenance window changes only
// its day.
func TestSequenceSameAsDays(t *testing.T) {
	const D = 86400
	days := []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"}
	keys := []depc.NodeKey{key("Filer/f1"), key("Filer/f2"), key("Filer/f3"), key("Website/w1"), key("Website/w2"), key("Offer/o")}
	setup := func(e *env) {
		src := serverTeam(e, "acme")
		e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.AND[Filer]"},
			"Offer": {"qos": "aggregation.AVERAGE[Website]"}}`)
		e.apply("acme", events(
			rel("Website/w1", "Filer/f1"), rel("Offer/o", "Website/w1"), rel("Offer/o", "Website/w2"),
			// w2 → f2 ends in the middle of the fourth day.
			rel("Website/w2", "Filer/f2", depc.Period{From: qos.NegInf, To: S + 3*D + 5*h}),
		)...)
		for i, name := range []string{"f1", "f2", "f3"} {
			src.set("ping", name, points(S, S+8*D, 60, [2]int64{int64(i+1) * h, int64(i+1)*h + 600}, [2]int64{5*D + 2*h, 5*D + 2*h + 60*int64(i+1)}))
		}
		_, err := e.state.CreateMaintenance(e.ctx, "acme", depc.Maintenance{Label: "Filer", From: S + D + 3000, To: S + D + 4000, Reason: "test"})
		e.must(err)
	}
	// The message of the backfill: w1 depends on f3 too, always.
	message := rel("Website/w1", "Filer/f3")
	const messageAfter = 2 // days computed before it arrives

	alone := newEnv(t, nil)
	setup(alone)
	want := map[string]string{}
	for i, d := range days {
		if i == messageAfter {
			alone.apply("acme", message...)
		}
		alone.run("acme", d)
		want[d] = dayResults(alone, "acme", d, keys)
	}

	e := newEnv(t, nil)
	setup(e)
	seq := e.c.Sequence("acme")
	for i, d := range days {
		if i == messageAfter {
			e.apply("acme", message...)
		}
		if _, err := seq.Day(e.ctx, d, days[i+1:]...); err != nil {
			t.Fatalf("Sequence.Day(%s): %v", d, err)
		}
		if got := dayResults(e, "acme", d, keys); got != want[d] {
			t.Errorf("%s, sequence:\n%s\neach day on its own:\n%s", d, got, want[d])
		}
	}
	// Read: day 1 (kept up to day 4's fifth hour, when w2 → f2 ends),
	// day 3 (the message arrived), day 4 (w2 → f2 ends inside it), day 5
	// (kept to the end): reused for days 2, 6 and 7.
	if seq.Reused != 3 {
		t.Errorf("graph reused for %d days, want 3", seq.Reused)
	}
	if strings.Contains(want[days[1]], "[Filer/f1 Filer/f3]") || !strings.Contains(want[days[2]], "[Filer/f1 Filer/f3]") {
		t.Errorf("the message does not change the days after it: the test sees nothing\n%s\n%s", want[days[1]], want[days[2]])
	}
}

// A Sequence computes each next day while the one before is written, and
// writes that computation only if it is what computing the day when it is
// asked for gives: whatever lands between two days after the next one was
// computed ahead — a message, a check's new threshold, a maintenance
// window over the day, a new config, a shared source's entry changed in
// the admin's catalog — has the day computed again, and every day's results and
// errors are those of the day computed on its own at that moment.
func TestSequenceAheadSameAsDays(t *testing.T) {
	const D = 86400
	days := []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24",
		"2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"}
	keys := []depc.NodeKey{key("Filer/f1"), key("Filer/f2"), key("Filer/f3"), key("Website/w1"), key("Website/w2"), key("Offer/o")}
	setup := func(e *env) {
		src := serverTeam(e, "acme") // check Ping on src, threshold 20
		// Http reads a shared source of the admin's catalog.
		_, err := e.state.CreateSharedSource(e.ctx, depc.SharedSource{SourceConfig: depc.SourceConfig{Name: "central", Plugin: "Test"}})
		e.must(err)
		grant, err := depc.GrantSource("central", nil)
		e.must(err)
		_, err = e.state.CreateSource(e.ctx, "acme", grant)
		e.must(err)
		central := &dataSource{data: map[string][]depc.Series{}, errs: map[string]error{}}
		e.mu.Lock()
		e.sources["central"] = central
		e.mu.Unlock()
		e.check("acme", "Http", "central", depc.CheckThreshold, "http", "20")
		_, err = e.state.UpdateRule(e.ctx, "acme", depc.Rule{Name: "Servers", Checks: []string{"Ping", "Http"}})
		e.must(err)
		e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.AND[Filer]"},
			"Offer": {"qos": "aggregation.AVERAGE[Website]"}}`)
		e.apply("acme", events(
			rel("Website/w1", "Filer/f1"), rel("Website/w2", "Filer/f2"),
			rel("Offer/o", "Website/w1"), rel("Offer/o", "Website/w2"), node("Filer", "f3"),
		)...)
		// Every day: f<n> KO on Ping for 10 min at n h, on Http for 2 min
		// at 10 h + 2(n-1) min.
		for i, name := range []string{"f1", "f2", "f3"} {
			var ping, http [][2]int64
			for d := range int64(len(days)) {
				ping = append(ping, [2]int64{d*D + int64(i+1)*h, d*D + int64(i+1)*h + 600})
				http = append(http, [2]int64{d*D + 10*h + int64(i)*120, d*D + 10*h + int64(i+1)*120})
			}
			src.set("ping", name, points(S, S+int64(len(days))*D, 60, ping...))
			central.set("http", name, points(S, S+int64(len(days))*D, 60, http...))
		}
	}
	// changes[i] lands before days[i] is computed, once it was computed
	// ahead.
	changes := map[int]func(e *env){
		2: func(e *env) { e.apply("acme", rel("Website/w1", "Filer/f3")...) },
		4: func(e *env) {
			_, err := e.state.UpdateCheck(e.ctx, "acme", depc.Check{Name: "Ping", Source: "src", Type: depc.CheckThreshold,
				Parameters: depc.CheckParameters{Query: "ping", Threshold: "150"}})
			e.must(err)
		},
		5: func(e *env) {
			e.maintenance("acme", depc.Maintenance{Label: "Filer", From: S + 5*D + 10*h - 60, To: S + 5*D + 11*h})
		},
		6: func(e *env) {
			e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.OR[Filer]"},
				"Offer": {"qos": "aggregation.AVERAGE[Website]"}}`)
		},
		// The admin points the shared entry at a plugin that does not
		// exist: Http fails.
		7: func(e *env) {
			_, err := e.state.UpdateSharedSource(e.ctx, depc.SharedSource{SourceConfig: depc.SourceConfig{Name: "central", Plugin: "Retired"}})
			e.must(err)
		},
	}

	alone := newEnv(t, nil)
	setup(alone)
	want := map[string]string{}
	for i, d := range days {
		before := ""
		if change := changes[i]; change != nil {
			rep := alone.run("acme", d)
			before = dayResults(alone, "acme", d, keys) + fmt.Sprint(rep.Errors)
			change(alone)
		}
		rep := alone.run("acme", d)
		want[d] = dayResults(alone, "acme", d, keys) + fmt.Sprint(rep.Errors)
		if want[d] == before {
			t.Errorf("the change before %s does not change its results: the test sees nothing\n%s", d, before)
		}
	}

	e := newEnv(t, nil)
	setup(e)
	seq := e.c.Sequence("acme")
	defer seq.Close()
	for i, d := range days {
		if change := changes[i]; change != nil {
			if got := compute.WaitAhead(seq); got != d {
				t.Fatalf("before %s: computed ahead %q, want %s", d, got, d)
			}
			change(e)
		}
		rep, err := seq.Day(e.ctx, d, days[i+1:]...)
		if err != nil {
			t.Fatalf("Sequence.Day(%s): %v", d, err)
		}
		if want := i > 0 && changes[i] == nil; rep.Ahead != want {
			t.Errorf("%s: computed ahead %v, want %v", d, rep.Ahead, want)
		}
		if got := dayResults(e, "acme", d, keys) + fmt.Sprint(rep.Errors); got != want[d] {
			t.Errorf("%s, sequence:\n%s\neach day on its own:\n%s", d, got, want[d])
		}
	}
	if seq.Ahead != 3 {
		t.Errorf("%d days written from their computation ahead, want 3", seq.Ahead)
	}
}

// No day is computed ahead when the graph store cannot tell its graph's
// version (Neo4j's: nothing would say whether the graph changed
// meanwhile), nor with Computer.NoAhead, where the graph is still read once.
func TestSequenceNoneAhead(t *testing.T) {
	for _, tc := range []struct {
		name    string
		store   depc.GraphStore // nil: the embedded store, versioned
		noAhead bool
		reused  int
	}{
		{"without graph versions", unversioned{openGraph(t, t.TempDir())}, false, 0},
		{"with NoAhead", nil, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := oneFiler(t, tc.store)
			e.c.NoAhead = tc.noAhead
			days := []string{"2026-11-20", "2026-11-21", "2026-11-22"}
			seq := e.c.Sequence("acme")
			defer seq.Close()
			for i, d := range days {
				rep, err := seq.Day(e.ctx, d, days[i+1:]...)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Ahead || compute.WaitAhead(seq) != "" {
					t.Errorf("%s: computed ahead", d)
				}
			}
			if seq.Ahead != 0 || seq.Reused != tc.reused {
				t.Errorf("Ahead %d, Reused %d; want 0 and %d", seq.Ahead, seq.Reused, tc.reused)
			}
		})
	}
}

// oneFiler is a team acme of one Filer, f1, down ten minutes a day from
// 2026-11-20 to 22, in the graph store g (nil: the embedded store).
func oneFiler(t *testing.T, g depc.GraphStore) *env {
	e := newEnv(t, g)
	src := serverTeam(e, "acme")
	e.config("acme", `{"Filer": {"qos": "rule.Servers"}}`)
	e.apply("acme", node("Filer", "f1")...)
	src.set("ping", "f1", points(S, S+3*86400, 60, [2]int64{h, h + 600}))
	return e
}

// unversioned hides a graph store's GraphVersion.
type unversioned struct{ depc.GraphStore }

// A day is computed ahead only once it is over: measurements of a day in
// progress may still come.
func TestSequenceAheadOnlyOverDays(t *testing.T) {
	e := oneFiler(t, nil)
	e.c.Now = func() time.Time { return time.Unix(S+86400+12*h, 0) } // the middle of the 21st
	seq := e.c.Sequence("acme")
	defer seq.Close()
	if _, err := seq.Day(e.ctx, "2026-11-20", "2026-11-21"); err != nil {
		t.Fatal(err)
	}
	rep, err := seq.Day(e.ctx, "2026-11-21")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ahead {
		t.Error("the day in progress was computed ahead")
	}
}

// A day computed ahead and given up — its Day's context ends while
// waiting for it, or Close comes first — stops at once, and Close leaves no
// goroutine behind; the Sequence stays usable.
func TestSequenceAheadStops(t *testing.T) {
	days := []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"}
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.AND[Filer]"}}`)
	e.apply("acme", rel("Website/w1", "Filer/f1")...)
	src.set("ping", "f1", points(S, S+4*86400, 60, [2]int64{h, h + 600}))
	// Once with every goroutine the stores start on first use.
	warm := e.c.Sequence("acme")
	for i, d := range days {
		if _, err := warm.Day(e.ctx, d, days[i+1:]...); err != nil {
			t.Fatal(err)
		}
	}
	warm.Close()
	want := map[string]string{}
	for _, d := range days {
		want[d] = dayResults(e, "acme", d, []depc.NodeKey{key("Filer/f1"), key("Website/w1")})
	}

	// hold holds the fetch after the next skip ones until its context
	// ends (a day here is one fetch), and marks it ended then.
	hold := func(skip int) (<-chan struct{}, *atomic.Bool) {
		entered, ended := make(chan struct{}), new(atomic.Bool)
		src.mu.Lock()
		src.gate = func(ctx context.Context) {
			src.mu.Lock()
			if skip > 0 {
				skip--
				src.mu.Unlock()
				return
			}
			src.gate = nil
			src.mu.Unlock()
			close(entered)
			<-ctx.Done()
			ended.Store(true)
		}
		src.mu.Unlock()
		return entered, ended
	}
	within := func(t *testing.T, what string, f func()) {
		t.Helper()
		done := make(chan struct{})
		go func() {
			defer close(done)
			f()
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: still running after 30 s", what)
		}
	}
	// noneLeft waits for the goroutines to be back to base: those that
	// ended may take a moment to go.
	noneLeft := func(t *testing.T, base int, what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > base; {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Fatalf("%s: %d goroutines, %d before\n%s", what, runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	t.Run("context", func(t *testing.T) {
		base := runtime.NumGoroutine()
		seq := e.c.Sequence("acme")
		if _, err := seq.Day(e.ctx, days[0], days[1:]...); err != nil {
			t.Fatal(err)
		}
		if compute.WaitAhead(seq) != days[1] {
			t.Fatal("no day computed ahead")
		}
		entered, ended := hold(0)
		// The second day is written from its computation ahead, and the
		// third one's, ahead, is held in its fetch.
		if rep, err := seq.Day(e.ctx, days[1], days[2:]...); err != nil || !rep.Ahead {
			t.Fatalf("Day(%s): %v, computed ahead %v", days[1], err, rep.Ahead)
		}
		<-entered
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		within(t, "Day with its context ended", func() {
			if _, err := seq.Day(ctx, days[2], days[3:]...); depc.ErrorCode(err) != depc.EUNAVAILABLE {
				t.Errorf("Day with its context ended: %v, want EUNAVAILABLE", err)
			}
		})
		within(t, "Close", seq.Close)
		if !ended.Load() {
			t.Error("Close returned before the computation ahead ended")
		}
		noneLeft(t, base, "after Close")
		if rep, err := seq.Day(e.ctx, days[2], days[3:]...); err != nil || rep.Ahead {
			t.Fatalf("Day(%s) after the stop: %v, computed ahead %v", days[2], err, rep.Ahead)
		}
		seq.Close()
		if got := dayResults(e, "acme", days[2], []depc.NodeKey{key("Filer/f1"), key("Website/w1")}); got != want[days[2]] {
			t.Errorf("%s after the stop:\n%s\nwant\n%s", days[2], got, want[days[2]])
		}
		noneLeft(t, base, "at the end")
	})
	t.Run("close", func(t *testing.T) {
		base := runtime.NumGoroutine()
		seq := e.c.Sequence("acme")
		entered, ended := hold(1)
		if _, err := seq.Day(e.ctx, days[0], days[1:]...); err != nil {
			t.Fatal(err)
		}
		<-entered // the second day's computation ahead is held
		within(t, "Close", seq.Close)
		if !ended.Load() {
			t.Error("Close returned before the computation ahead ended")
		}
		noneLeft(t, base, "after Close")
	})
}

// failingWrite fails the write of one day.
type failingWrite struct {
	*sqlite.Store
	day string
	err error
}

func (f failingWrite) ReplaceDayBatch(ctx context.Context, team, day string, b *depc.DayBatch, labels []depc.LabelDayResult, worst map[string][]depc.WorstNode) error {
	if day == f.day {
		return f.err
	}
	return f.Store.ReplaceDayBatch(ctx, team, day, b, labels, worst)
}

// The write of a day computed ahead that fails is Day's error, and the
// days after it are computed as if it had not been.
func TestSequenceAheadWriteFails(t *testing.T) {
	days := []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"}
	keys := []depc.NodeKey{key("Filer/f1"), key("Website/w1")}
	setup := func(e *env) {
		src := serverTeam(e, "acme")
		e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.AND[Filer]"}}`)
		e.apply("acme", rel("Website/w1", "Filer/f1")...)
		src.set("ping", "f1", points(S, S+4*86400, 60, [2]int64{h, h + 600}, [2]int64{2*86400 + h, 2*86400 + h + 60}))
	}
	alone := newEnv(t, nil)
	setup(alone)
	e := newEnv(t, nil)
	setup(e)
	broken := errors.New("disk full")
	c := compute.New(e.graph, failingWrite{Store: e.state, day: days[1], err: broken}, e.open)
	defer c.Close()
	seq := c.Sequence("acme")
	defer seq.Close()
	for i, d := range days {
		rep, err := seq.Day(e.ctx, d, days[i+1:]...)
		if d == days[1] {
			if !errors.Is(err, broken) || !rep.Ahead {
				t.Fatalf("Day(%s): %v, computed ahead %v; want the write's error, computed ahead", d, err, rep.Ahead)
			}
			if rs, err := e.state.DayResults(e.ctx, "acme", d, keys); err != nil || len(rs) != 0 {
				t.Errorf("%s: %d results, %v; want none", d, len(rs), err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Day(%s): %v", d, err)
		}
		if d == days[2] && rep.Ahead {
			t.Errorf("%s: written from its computation ahead, started before the write that failed", d)
		}
		alone.run("acme", d)
		if got, want := dayResults(e, "acme", d, keys), dayResults(alone, "acme", d, keys); got != want {
			t.Errorf("%s, sequence:\n%s\non its own:\n%s", d, got, want)
		}
	}
}
