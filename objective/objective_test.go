package objective_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/state/sqlite"
)

var ctx = context.Background()

// The team's days are UTC; now is 2026-03-10 12:00.
var (
	march1 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Unix()
	now    = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
)

func dayStart(day int) int64 { return march1 + int64(day-1)*86400 }

func result(label, name string, day int, ko ...[2]int64) depc.NodeDayResult {
	r := depc.NodeDayResult{Label: label, Name: name, Day: depc.FormatDay(time.Unix(dayStart(day), 0).UTC()), Downtime: []depc.Period{}}
	var k int64
	for _, p := range ko {
		r.Downtime = append(r.Downtime, depc.Period{From: dayStart(day) + p[0], To: dayStart(day) + p[1]})
		k += p[1] - p[0]
	}
	ok, unknown := 86400-k, int64(0)
	q := 100 * float64(ok) / 86400
	r.OK, r.KO, r.Unknown, r.QoS = &ok, &k, &unknown, &q
	return r
}

// fakeLive serves today's results from a list.
type fakeLive struct {
	today []depc.NodeDayResult
	calls int
}

func (f *fakeLive) LiveQoS(_ context.Context, _ string, key depc.NodeKey) (depc.NodeDayResult, []depc.RunError, error) {
	for _, r := range f.today {
		if r.Label == key.Label && r.Name == key.Name {
			return r, nil, nil
		}
	}
	return depc.NodeDayResult{}, nil, depc.Errorf(depc.ENOTFOUND, "no node %s", key)
}

func (f *fakeLive) LiveDay(_ context.Context, _ string, labels []string, fn func(depc.NodeDayResult) error) (string, depc.Window, []depc.RunError, error) {
	f.calls++
	for _, r := range f.today {
		if slices.Contains(labels, r.Label) {
			if err := fn(r); err != nil {
				return "", depc.Window{}, nil, err
			}
		}
	}
	return "2026-03-10", depc.Window{Start: dayStart(10), End: now.Unix()}, []depc.RunError{{Label: "Filer", Name: "f1", Error: "source down"}}, nil
}

// liveResult is today's result so far (12 hours) with KO intervals.
func liveResult(label, name string, ko ...[2]int64) depc.NodeDayResult {
	r := result(label, name, 10, ko...)
	ok := 43200 - *r.KO
	r.OK = &ok
	r.Day = "2026-03-10"
	return r
}

// setup: Customer has 99.9 % over rolling 7 days, c3 its own 99 % over the
// calendar month. c1 is always OK; c2 was KO 10 minutes on March 9
// (23:00–23:10); c3 one hour on March 5; Offer is an aggregation.
func setup(t *testing.T) (*sqlite.Store, *fakeLive) {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	must(t, second(s.CreateTeam(ctx, depc.Team{Name: "acme"})))
	must(t, second(s.SetObjective(ctx, "acme", depc.Objective{Label: "Customer", Target: 99.9, Window: "rolling_7d"})))
	must(t, second(s.SetObjective(ctx, "acme", depc.Objective{Label: "Customer", Name: "c3", Target: 99, Window: "calendar_month"})))
	for day := 1; day <= 9; day++ {
		rs := []depc.NodeDayResult{result("Customer", "c1", day), result("Customer", "c3", day), result("Filer", "f1", day)}
		switch day {
		case 9:
			rs[0] = result("Customer", "c2", day, [2]int64{82800, 83400})
			rs = append(rs, result("Customer", "c1", day))
		case 5:
			rs[1] = result("Customer", "c3", day, [2]int64{3600, 7200})
		}
		if day >= 4 {
			rs = append(rs, depc.NodeDayResult{Label: "Offer", Name: "o", QoS: rs[0].QoS})
		}
		if day != 9 {
			rs = append(rs, result("Customer", "c2", day))
		}
		must(t, s.ReplaceDayResults(ctx, "acme", rs[0].Day, slices.Values(rs), nil, nil))
	}
	live := &fakeLive{today: []depc.NodeDayResult{
		liveResult("Customer", "c1", [2]int64{39600, 39660}),
		liveResult("Customer", "c4"),
		liveResult("Customer", "c3"),
		liveResult("Filer", "f1"),
	}}
	return s, live
}

func TestTeam(t *testing.T) {
	s, live := setup(t)
	b := objective.New(s, live)
	b.Now = func() time.Time { return now }

	tb, err := b.Team(ctx, "acme", objective.Options{})
	must(t, err)
	if tb.Today != "2026-03-10" || tb.Live || tb.BurnAt != dayStart(10) || live.calls != 0 || len(tb.Errors) != 0 {
		t.Errorf("team: today %s live %v burn at %d, %d live calls, errors %v", tb.Today, tb.Live, tb.BurnAt, live.calls, tb.Errors)
	}
	// rolling 7 days: March 4..10, 604 800 s; 0.001 of it is 604.8.
	// c2: 600 spent, 4.8 left; its 1 h burn as of midnight is
	// 600 / 3600 / 0.001 = 166.667. c3, own objective, March:
	// 0.01 × 31 × 86 400 = 26 784 allowed, 3600 spent.
	want := []string{
		"Customer/c1 99.9 2026-03-04..2026-03-10 allowed 604.800 spent 0 remaining 604.800 burn1h 0.000 burn3d 0.000",
		"Customer/c2 99.9 2026-03-04..2026-03-10 allowed 604.800 spent 600 remaining 4.800 burn1h 166.667 burn3d 2.315",
		"Customer/c3 99 2026-03-01..2026-03-31 allowed 26784.000 spent 3600 remaining 23184.000 burn1h 0.000 burn3d 0.000",
	}
	equalLines(t, "budgets", describe(tb.Nodes), want)
	if len(tb.Labels) != 1 {
		t.Fatalf("labels %+v", tb.Labels)
	}
	l := tb.Labels[0]
	if l.Label != "Customer" || l.Objective == nil || l.Objective.Target != 99.9 || l.Nodes != 3 || l.Exhausted != 0 ||
		qos.Format(l.Allowed, 3) != "27993.600" || l.Spent != 4200 || qos.Format(*l.Worst, 3) != qos.Format(4.8/604.8, 3) {
		t.Errorf("label %+v", l)
	}

	// Live: today so far counts; c4 appears today only; burn rates look
	// back from now. c1's KO minute at 11:00: 60 / 3600 / 0.001 = 16.667.
	tb, err = b.Team(ctx, "acme", objective.Options{Live: true})
	must(t, err)
	if !tb.Live || tb.BurnAt != now.Unix() || live.calls != 1 {
		t.Errorf("live team: live %v burn at %d calls %d", tb.Live, tb.BurnAt, live.calls)
	}
	want = []string{
		"Customer/c1 99.9 2026-03-04..2026-03-10 allowed 604.800 spent 60 remaining 544.800 burn1h 16.667 burn3d 0.231",
		"Customer/c2 99.9 2026-03-04..2026-03-10 allowed 604.800 spent 600 remaining 4.800 burn1h null burn3d 2.778",
		"Customer/c3 99 2026-03-01..2026-03-31 allowed 26784.000 spent 3600 remaining 23184.000 burn1h 0.000 burn3d 0.000",
		"Customer/c4 99.9 2026-03-04..2026-03-10 allowed 604.800 spent 0 remaining 604.800 burn1h 0.000 burn3d 0.000",
	}
	equalLines(t, "live budgets", describe(tb.Nodes), want)
	if len(tb.Errors) != 1 || tb.Errors[0].Name != "f1" {
		t.Errorf("live errors %v", tb.Errors)
	}

	// Worst first: c2 (4.8 / 604.8 left), then c3 (23 184 / 26 784 =
	// 0.866) before c1 (544.8 / 604.8 = 0.901).
	var names []string
	for _, nb := range objective.Worst(tb.Nodes, 2) {
		names = append(names, nb.Key.Name)
	}
	if !slices.Equal(names, []string{"c2", "c3"}) {
		t.Errorf("worst %v", names)
	}

	// Limited to labels.
	tb, err = b.Team(ctx, "acme", objective.Options{Labels: []string{"Filer"}})
	must(t, err)
	if len(tb.Nodes) != 0 || len(tb.Labels) != 0 {
		t.Errorf("Filer only: %+v", tb)
	}
	if _, err := b.Team(ctx, "nope", objective.Options{}); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("unknown team: %v", err)
	}
}

func TestNode(t *testing.T) {
	s, live := setup(t)
	b := objective.New(s, live)
	b.Now = func() time.Time { return now }

	nb, errs, err := b.Node(ctx, "acme", depc.NodeKey{Label: "Customer", Name: "c2"})
	must(t, err)
	// c2 is not in today's graph: today stays pending, burn rates as of
	// midnight.
	if nb.Live || nb.BurnAt != dayStart(10) || len(errs) != 0 || nb.Objective.Name != "" {
		t.Errorf("c2: live %v burn at %d errors %v objective %+v", nb.Live, nb.BurnAt, errs, nb.Objective)
	}
	equalLines(t, "c2", describe([]objective.NodeBudget{nb}), []string{
		"Customer/c2 99.9 2026-03-04..2026-03-10 allowed 604.800 spent 600 remaining 4.800 burn1h 166.667 burn3d 2.315"})
	var days []string
	for _, d := range nb.Budget.Days {
		days = append(days, d.Day+"="+qos.Format(d.Remaining, 1))
	}
	if want := []string{"2026-03-04=604.8", "2026-03-05=604.8", "2026-03-06=604.8", "2026-03-07=604.8", "2026-03-08=604.8", "2026-03-09=4.8"}; !slices.Equal(days, want) {
		t.Errorf("c2 days %v, want %v", days, want)
	}

	nb, _, err = b.Node(ctx, "acme", depc.NodeKey{Label: "Customer", Name: "c1"})
	must(t, err)
	if !nb.Live || nb.BurnAt != now.Unix() || len(nb.Budget.Days) != 7 || nb.Budget.Spent != 60 {
		t.Errorf("c1 live: %+v", nb)
	}
	nb, _, err = b.Node(ctx, "acme", depc.NodeKey{Label: "Customer", Name: "c3"})
	must(t, err)
	if nb.Objective.Name != "c3" || nb.First != "2026-03-01" || nb.Last != "2026-03-31" {
		t.Errorf("c3: %+v", nb)
	}
	if _, _, err := b.Node(ctx, "acme", depc.NodeKey{Label: "Filer", Name: "f1"}); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("a node without objective: %v", err)
	}
	if _, _, err := b.Node(ctx, "nope", depc.NodeKey{Label: "Filer", Name: "f1"}); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("unknown team: %v", err)
	}
	// Without Live, today is never measured.
	b = objective.New(s, nil)
	b.Now = func() time.Time { return now }
	nb, _, err = b.Node(ctx, "acme", depc.NodeKey{Label: "Customer", Name: "c1"})
	must(t, err)
	if nb.Live || nb.Budget.Spent != 0 {
		t.Errorf("c1 without live: %+v", nb)
	}
}

// On the first day of a calendar month nothing of the month is past.
func TestFirstDayOfMonth(t *testing.T) {
	s, live := setup(t)
	b := objective.New(s, live)
	b.Now = func() time.Time { return time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC) }
	tb, err := b.Team(ctx, "acme", objective.Options{})
	must(t, err)
	for _, nb := range tb.Nodes {
		if nb.Key.Name == "c3" && (nb.Budget.Measured != 0 || nb.Budget.Pending != 31*86400) {
			t.Errorf("c3 on March 1: %+v", nb.Budget)
		}
	}
}

func describe(nbs []objective.NodeBudget) []string {
	var out []string
	for _, nb := range nbs {
		b := nb.Budget
		burn := func(i int) string {
			if !b.Burn[i].Valid {
				return "null"
			}
			return qos.Format(b.Burn[i].Rate, 3)
		}
		out = append(out, nb.Key.String()+" "+trim(nb.Objective.Target)+" "+nb.First+".."+nb.Last+
			" allowed "+qos.Format(b.Allowed, 3)+" spent "+qos.Format(float64(b.Spent), 0)+" remaining "+qos.Format(b.Remaining, 3)+
			" burn1h "+burn(0)+" burn3d "+burn(3))
	}
	return out
}

func trim(x float64) string {
	s := qos.Format(x, 3)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:", what)
		for _, g := range got {
			t.Errorf("  got  %s", g)
		}
		for _, w := range want {
			t.Errorf("  want %s", w)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func second[T any](_ T, err error) error { return err }
