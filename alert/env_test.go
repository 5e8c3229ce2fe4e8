package alert

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/state/sqlite"
)

// clock is a test clock that only moves when told, or the real one.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	real bool
}

func (c *clock) Now() time.Time {
	if c.real {
		return time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// The demo's objectives (cmd/depc/demo.go): every website 99 % over 7
// days, the customer foo.com its own 99.5 % over the month.
var demoObjectives = []depc.Objective{
	{Label: "Website", Target: 99, Window: "rolling_7d"},
	{Label: "Website", Name: "foo.com", Target: 99.5, Window: "calendar_month"},
}

// env is a team with the demo's objectives in a store, and a clock (noon
// on 2026-03-10 UTC for newEnv).
type env struct {
	t       *testing.T
	state   State
	clock   *clock
	team    string
	budgets *objective.Budgets
}

// fullState is what the tests give an Evaluator and write results with.
type fullState interface {
	State
	depc.ResultStore
}

func newEnv(t *testing.T, team string) *env {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newEnvOn(t, st, team, time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
}

// newEnvOn creates the team in st, with a clock at now (the real clock
// when now is zero).
func newEnvOn(t *testing.T, st fullState, team string, now time.Time) *env {
	t.Helper()
	e := &env{t: t, state: st, clock: &clock{t: now, real: now.IsZero()}, team: team}
	if _, err := st.CreateTeam(ctx, depc.Team{Name: team, Timezone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	for _, o := range demoObjectives {
		if _, err := st.SetObjective(ctx, team, o); err != nil {
			t.Fatal(err)
		}
	}
	e.budgets = objective.New(st, nil)
	e.budgets.Now = e.clock.Now
	return e
}

func (e *env) evaluator() *Evaluator {
	ev := NewEvaluator(e.state, e.budgets)
	ev.Now = e.clock.Now
	return ev
}

func (e *env) receiver(r depc.AlertReceiver) {
	e.t.Helper()
	if _, err := e.state.SetAlertReceiver(ctx, e.team, r); err != nil {
		e.t.Fatal(err)
	}
}

// day writes the websites' results of day: foo.com down during the given
// seconds of the day, bar.com always up.
func (e *env) day(day string, fooDown ...[2]int64) {
	e.t.Helper()
	start, err := depc.ParseDay("day", day)
	if err != nil {
		e.t.Fatal(err)
	}
	s := start.Unix()
	var ko int64
	var down []depc.Period
	for _, d := range fooDown {
		down = append(down, depc.Period{From: s + d[0], To: s + d[1]})
		ko += d[1] - d[0]
	}
	node := func(name string, ko int64, down []depc.Period) depc.NodeDayResult {
		q := 100 * float64(86400-ko) / 86400
		ok, unknown := 86400-ko, int64(0)
		return depc.NodeDayResult{Label: "Website", Name: name, QoS: &q, OK: &ok, KO: &ko, Unknown: &unknown, Downtime: down}
	}
	nodes := []depc.NodeDayResult{node("foo.com", ko, down), node("bar.com", 0, nil)}
	if err := e.state.(fullState).ReplaceDayResults(ctx, e.team, day, slices.Values(nodes), nil, nil); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) alerts() []depc.Alert {
	e.t.Helper()
	as, err := e.state.Alerts(ctx, e.team)
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

func (e *env) deliveries() []depc.AlertDelivery {
	e.t.Helper()
	ds, err := e.state.AlertDeliveries(ctx, e.team, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	slices.Reverse(ds) // oldest first
	return ds
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
