package qos_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/depc-dev/depc/qos"
)

func mustTimeline(t testing.TB, w qos.Window, ivs ...qos.Interval) qos.Timeline {
	t.Helper()
	tl, err := qos.NewTimeline(w, ivs)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

func TestOperateNilTimeline(t *testing.T) {
	w := qos.Window{Start: 0, End: 10}
	ko := qos.Constant(w, qos.KO)
	children := []qos.Child{
		{Timeline: nil, Periods: qos.Always, Relation: qos.Always, Part: 99},
		{Timeline: &ko, Periods: qos.Always, Relation: qos.Always},
	}
	var e qos.Engine
	got := e.Operate(w, qos.Operation{Operator: qos.Or}, qos.Always, children)
	if !got.Equal(ko) {
		t.Errorf("OR = %s, want KO", got)
	}
	if children[0].Part != 0 || children[1].Part != 10 {
		t.Errorf("parts = %d, %d, want 0, 10", children[0].Part, children[1].Part)
	}
}

func TestOperateChildOverAnotherWindow(t *testing.T) {
	// A child whose timeline covers only part of the parent's window is
	// Unknown, so does not take part, outside its own window.
	w := qos.Window{Start: 0, End: 10}
	late := qos.Constant(qos.Window{Start: 5, End: 20}, qos.KO)
	early := mustTimeline(t, qos.Window{Start: -5, End: 7},
		qos.Interval{From: -5, To: 2, State: qos.KO}, qos.Interval{From: 2, To: 7, State: qos.OK})
	inside := qos.Constant(qos.Window{Start: 3, End: 4}, qos.OK)
	u, ok, ko := qos.Unknown, qos.OK, qos.KO
	for _, c := range []struct {
		child *qos.Timeline
		want  []qos.Interval
		part  int64
	}{
		{&late, []qos.Interval{{From: 0, To: 5, State: u}, {From: 5, To: 10, State: ko}}, 5},
		{&early, []qos.Interval{{From: 0, To: 2, State: ko}, {From: 2, To: 7, State: ok}, {From: 7, To: 10, State: u}}, 7},
		{&inside, []qos.Interval{{From: 0, To: 3, State: u}, {From: 3, To: 4, State: ok}, {From: 4, To: 10, State: u}}, 1},
	} {
		for _, wide := range []int{1000, 0} {
			var e qos.Engine
			restore := qos.SetWideChildren(wide)
			cs := []qos.Child{{Timeline: c.child, Periods: qos.Always, Relation: qos.Always}}
			got := e.Operate(w, qos.Operation{Operator: qos.And}, qos.Always, cs)
			restore()
			if want := mustTimeline(t, w, c.want...); !got.Equal(want) || cs[0].Part != c.part {
				t.Errorf("child %s, wide %d: got %s part %d, want %s part %d", c.child, wide, got, cs[0].Part, want, c.part)
			}
		}
	}
}

func TestOperateInvalidOperation(t *testing.T) {
	w := qos.Window{Start: 0, End: 10}
	ok := qos.Constant(w, qos.OK)
	var e qos.Engine
	for _, op := range []qos.Operation{{Operator: 42}, {Operator: qos.AtLeast, M: 0}, {Operator: qos.Ratio, R: 0}, {Operator: qos.Ratio, R: 1.5}} {
		got := e.Operate(w, op, qos.Always, []qos.Child{{Timeline: &ok, Periods: qos.Always, Relation: qos.Always}})
		if !got.Equal(qos.Constant(w, qos.Unknown)) {
			t.Errorf("invalid %v: %s, want Unknown", op, got)
		}
	}
}

// TestEngineReuse runs many differently sized operations through one
// Engine and checks each result against a fresh Engine's, and that
// earlier results are not disturbed by later calls.
func TestEngineReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	w := qos.Window{Start: 0, End: 86400}
	var shared qos.Engine
	type result struct {
		got, want qos.Timeline
		copy      []qos.Interval
	}
	var results []result
	for _, n := range []int{1000, 2, 0, 33, 1, 500, 3} {
		tls := make([]qos.Timeline, n)
		cs := make([]qos.Child, n)
		for i := range tls {
			tls[i] = randomTimeline(r, w, 1+r.IntN(12))
			cs[i] = qos.Child{Timeline: &tls[i], Periods: qos.Always, Relation: qos.Periods{{From: r.Int64N(40000), To: 40000 + r.Int64N(40000)}}}
		}
		before := make([][]qos.Interval, n)
		for i := range tls {
			before[i] = slices.Clone(tls[i].Intervals())
		}
		op := qos.Operation{Operator: qos.AtLeast, M: 1 + n/2}
		got := shared.Operate(w, op, qos.Periods{{From: 100, To: 86000}}, cs)
		var fresh qos.Engine
		want := fresh.Operate(w, op, qos.Periods{{From: 100, To: 86000}}, cs)
		results = append(results, result{got, want, slices.Clone(got.Intervals())})
		for i := range tls {
			if !slices.Equal(before[i], tls[i].Intervals()) {
				t.Fatalf("n=%d: Operate modified child %d", n, i)
			}
		}
		ind := shared.Indicator(w, qos.Bound{Lo: 0, Hi: 1}, [][]qos.Point{{{T: 5, V: 0.5}, {T: 100, V: 2}}})
		rule := shared.Rule(w, qos.Always, []qos.Timeline{ind, got})
		if want := fresh.Rule(w, qos.Always, []qos.Timeline{ind, got}); !rule.Equal(want) {
			t.Fatalf("n=%d: rule %s, fresh engine %s", n, rule, want)
		}
	}
	for i, res := range results {
		if !res.got.Equal(res.want) {
			t.Errorf("call %d: shared engine %s, fresh %s", i, res.got, res.want)
		}
		if !slices.Equal(res.copy, res.got.Intervals()) {
			t.Errorf("call %d: result changed by later calls", i)
		}
	}
}

// TestAllocations holds the engine to its design: after warm-up, a call
// allocates at most its result (results share slabs, so most calls
// allocate nothing).
func TestAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	w := qos.Window{Start: 0, End: 86400}
	for _, n := range []int{2, 1000} {
		tls := make([]qos.Timeline, n)
		cs := make([]qos.Child, n)
		for i := range tls {
			tls[i] = randomTimeline(r, w, 10)
			cs[i] = qos.Child{Timeline: &tls[i], Periods: qos.Always, Relation: qos.Always}
		}
		var e qos.Engine
		if a := testing.AllocsPerRun(20, func() { e.Operate(w, qos.Operation{Operator: qos.And}, qos.Always, cs) }); a > 1 {
			t.Errorf("Operate with %d children: %v allocations, want at most 1", n, a)
		}
		if a := testing.AllocsPerRun(20, func() { e.Rule(w, qos.Always, tls) }); a > 1 {
			t.Errorf("Rule with %d indicators: %v allocations, want at most 1", n, a)
		}
	}
	pts := make([]qos.Point, 1440)
	for i := range pts {
		pts[i] = qos.Point{T: int64(i) * 60, V: float64(i % 7)}
	}
	var e qos.Engine
	series := [][]qos.Point{pts, pts[10:]}
	if a := testing.AllocsPerRun(20, func() { e.Indicator(w, qos.Bound{Lo: 0, Hi: 5}, series) }); a != 1 {
		t.Errorf("Indicator: %v allocations, want 1", a)
	}
}

func TestRootCauseAppends(t *testing.T) {
	w := qos.Window{Start: 0, End: 4}
	node := mustTimeline(t, w, qos.Interval{From: 0, To: 2, State: qos.KO}, qos.Interval{From: 2, To: 4, State: qos.OK})
	dst := []int64{-1}
	got := qos.RootCause(dst, node, []qos.Timeline{qos.Constant(w, qos.KO), qos.Constant(w, qos.OK)})
	if want := []int64{-1, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("RootCause = %v, want %v", got, want)
	}
	// Windows that differ: only the common instants count.
	other := qos.Constant(qos.Window{Start: 1, End: 10}, qos.KO)
	if got := qos.KOOverlap(node, other); got != 1 {
		t.Errorf("KOOverlap across windows = %d, want 1", got)
	}
}
