package qos_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos"
)

// The fuzz targets build small random instances from the fuzzer's bytes
// and check them against the per-second reference (reference_test.go) and
// against the laws of semantics §5. Run one with, for example,
//
//	go test -run=^$ -fuzz=FuzzOperate -fuzztime=10s ./qos

// bytesReader hands out the fuzzer's bytes; past the end it returns 0.
type bytesReader struct {
	b []byte
}

func (r *bytesReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// intn returns a number in [0, n).
func (r *bytesReader) intn(n int) int { return int(r.byte()) % n }

// window returns a window of 1 to 48 seconds at a start that varies.
func (r *bytesReader) window() qos.Window {
	start := int64(r.intn(7)-3) * 1000003
	return qos.Window{Start: start, End: start + 1 + int64(r.intn(48))}
}

// timeline returns a timeline over w made of runs of 1 to 8 seconds.
func (r *bytesReader) timeline(w qos.Window) qos.Timeline {
	var ivs []qos.Interval
	for at := w.Start; at < w.End; {
		c := r.byte()
		to := min(at+1+int64(c>>3&7), w.End)
		ivs = append(ivs, qos.Interval{From: at, To: to, State: qos.State(c % 3)})
		at = to
	}
	tl, err := qos.NewTimeline(w, ivs)
	if err != nil {
		panic(err)
	}
	return tl
}

// periods returns a canonical period set around w: often Always, else up
// to three periods whose ends may fall outside w or be infinite.
func (r *bytesReader) periods(w qos.Window) qos.Periods {
	c := r.byte()
	if c%4 != 0 {
		return qos.Always
	}
	n := int(c>>2) % 4
	ps := make([]qos.Period, n)
	bound := func() int64 {
		switch c := r.byte(); c {
		case 0:
			return qos.NegInf
		case 255:
			return qos.PosInf
		default:
			return w.Start - 2 + int64(c)%(w.Len()+5)
		}
	}
	for i := range ps {
		ps[i] = qos.Period{From: bound(), To: bound()}
	}
	return qos.NormalizePeriods(ps)
}

func (r *bytesReader) operation(nChildren int) qos.Operation {
	switch r.intn(4) {
	case 0:
		return qos.Operation{Operator: qos.And}
	case 1:
		return qos.Operation{Operator: qos.Or}
	case 2:
		return qos.Operation{Operator: qos.AtLeast, M: 1 + r.intn(nChildren+1)}
	}
	// Ratios that hit exact fractions k/n as well as ones between them.
	return qos.Operation{Operator: qos.Ratio, R: float64(1+r.intn(20)) / 20}
}

// instance is an operation node with its children.
type instance struct {
	w      qos.Window
	op     qos.Operation
	parent qos.Periods
	kids   []qos.Timeline
	nodes  []qos.Periods
	rels   []qos.Periods
}

func (r *bytesReader) instance(maxChildren int) instance {
	in := instance{w: r.window()}
	n := r.intn(maxChildren + 1)
	in.op = r.operation(n)
	in.parent = r.periods(in.w)
	for range n {
		in.kids = append(in.kids, r.timeline(in.w))
		in.nodes = append(in.nodes, r.periods(in.w))
		in.rels = append(in.rels, r.periods(in.w))
	}
	return in
}

func (in instance) children() []qos.Child {
	cs := make([]qos.Child, len(in.kids))
	for i := range in.kids {
		cs[i] = qos.Child{Timeline: &in.kids[i], Periods: in.nodes[i], Relation: in.rels[i]}
	}
	return cs
}

// operateBoth computes the instance with both sweeps and fails if they
// disagree on the timeline or the parts.
func operateBoth(t *testing.T, e *qos.Engine, in instance) (qos.Timeline, []int64) {
	t.Helper()
	cs := in.children()
	got := e.Operate(in.w, in.op, in.parent, cs)
	parts := partsOf(cs)
	restore := qos.SetWideChildren(wideOther(len(cs)))
	other := e.Operate(in.w, in.op, in.parent, cs)
	restore()
	if !other.Equal(got) || !slices.Equal(parts, partsOf(cs)) {
		t.Fatalf("%v: sweeps differ:\n%s %v\n%s %v", in.op, got, parts, other, partsOf(cs))
	}
	return got, parts
}

func seedCorpus(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 9, 2, 1, 17, 33, 64, 2, 5, 8, 13, 21, 34, 55, 89, 144, 233})
	f.Add([]byte("\x03\x20\x01\x02AND of some children\x00\x04\x08\xff\x10"))
	for i := range 8 {
		b := make([]byte, 200)
		for j := range b {
			b[j] = byte(i*31 + j*j*7 + j)
		}
		f.Add(b)
	}
}

// FuzzOperate compares Operate, with both of its sweeps, against the
// per-second reference: the timeline, its canonical form, and each
// child's Part.
func FuzzOperate(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &bytesReader{data}
		in := r.instance(40)
		var e qos.Engine
		got, parts := operateBoth(t, &e, in)
		if err := canonical(in.w, got); err != nil {
			t.Fatalf("%v: %s", err, got)
		}
		ref, refParts := refOperate(in.w, in.op, in.parent, in.kids, in.nodes, in.rels)
		if want := fromStates(in.w, ref); !got.Equal(want) {
			t.Fatalf("%v over %v:\n got %s\nwant %s", in.op, in.w, got, want)
		}
		if !slices.Equal(parts, refParts) {
			t.Fatalf("%v: parts %v, want %v", in.op, parts, refParts)
		}
	})
}

// FuzzLaws checks the laws of the operators on random children:
// ATLEAST(1) = OR, ATLEAST(n) = AND with n children all taking part,
// RATIO(1) = AND, AND
// and OR commutative and associative, activity equivalent to restricting
// the children's timelines, and ok + ko + unknown = window length with
// 0 <= QoS <= 100.
func FuzzLaws(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &bytesReader{data}
		in := r.instance(6)
		var e qos.Engine
		n := len(in.kids)
		eval := func(op qos.Operation, in instance) qos.Timeline {
			in.op = op
			got, _ := operateBoth(t, &e, in)
			if err := canonical(in.w, got); err != nil {
				t.Fatalf("%v: %v: %s", op, err, got)
			}
			return got
		}
		and := eval(qos.Operation{Operator: qos.And}, in)
		or := eval(qos.Operation{Operator: qos.Or}, in)
		if got := eval(qos.Operation{Operator: qos.AtLeast, M: 1}, in); !got.Equal(or) {
			t.Fatalf("ATLEAST(1) = %s, OR = %s", got, or)
		}
		if n > 0 {
			// ATLEAST(n) = AND holds where all n children take part
			// (where fewer do, ATLEAST(n) is KO and AND may be OK): give
			// every child a known state at every instant.
			full := in
			full.kids = make([]qos.Timeline, n)
			full.nodes, full.rels = make([]qos.Periods, n), make([]qos.Periods, n)
			for i, tl := range in.kids {
				ivs := slices.Clone(tl.Intervals())
				for j := range ivs {
					if ivs[j].State == qos.Unknown {
						ivs[j].State = qos.State(1 + j%2)
					}
				}
				full.kids[i], _ = qos.NewTimeline(in.w, ivs)
				full.nodes[i], full.rels[i] = qos.Always, qos.Always
			}
			if a, b := eval(qos.Operation{Operator: qos.AtLeast, M: n}, full), eval(qos.Operation{Operator: qos.And}, full); !a.Equal(b) {
				t.Fatalf("ATLEAST(%d) = %s, AND = %s", n, a, b)
			}
		}
		if got := eval(qos.Operation{Operator: qos.Ratio, R: 1}, in); !got.Equal(and) {
			t.Fatalf("RATIO(1) = %s, AND = %s", got, and)
		}

		// Commutative: the children in another order.
		perm := in
		perm.kids, perm.nodes, perm.rels = slices.Clone(in.kids), slices.Clone(in.nodes), slices.Clone(in.rels)
		for i := range perm.kids {
			j := r.intn(i + 1)
			perm.kids[i], perm.kids[j] = perm.kids[j], perm.kids[i]
			perm.nodes[i], perm.nodes[j] = perm.nodes[j], perm.nodes[i]
			perm.rels[i], perm.rels[j] = perm.rels[j], perm.rels[i]
		}
		for _, op := range []qos.Operation{{Operator: qos.And}, {Operator: qos.Or}, in.op} {
			if a, b := eval(op, in), eval(op, perm); !a.Equal(b) {
				t.Fatalf("%v not commutative: %s, permuted %s", op, a, b)
			}
		}

		// Activity folds into the timelines: a child that takes part only
		// while its node and relation are active is the child whose
		// timeline is restricted to them.
		folded := in
		folded.kids = make([]qos.Timeline, n)
		folded.nodes = make([]qos.Periods, n)
		folded.rels = make([]qos.Periods, n)
		for i := range in.kids {
			folded.kids[i] = in.kids[i].Restrict(in.nodes[i]).Restrict(in.rels[i])
			folded.nodes[i], folded.rels[i] = qos.Always, qos.Always
		}
		for _, op := range []qos.Operation{{Operator: qos.And}, {Operator: qos.Or}, in.op} {
			if a, b := eval(op, in), eval(op, folded); !a.Equal(b) {
				t.Fatalf("%v: activity %s, restricted timelines %s", op, a, b)
			}
		}

		// Associative: AND(c0, AND(c1, …)) = AND(c0, c1, …), same for OR.
		if n >= 2 {
			for _, op := range []qos.Operation{{Operator: qos.And}, {Operator: qos.Or}} {
				inner := folded
				inner.parent = qos.Always
				inner.kids = folded.kids[1:]
				inner.nodes, inner.rels = folded.nodes[1:], folded.rels[1:]
				sub := eval(op, inner)
				outer := folded
				outer.kids = []qos.Timeline{folded.kids[0], sub}
				outer.nodes, outer.rels = folded.nodes[:2], folded.rels[:2]
				if a, b := eval(op, folded), eval(op, outer); !a.Equal(b) {
					t.Fatalf("%v not associative: flat %s, nested %s", op, a, b)
				}
			}
		}

		// Rule is AND with the node's periods.
		rule := e.Rule(in.w, in.parent, folded.kids)
		if a := eval(qos.Operation{Operator: qos.And}, folded); !rule.Equal(a) {
			t.Fatalf("RULE %s, AND %s", rule, a)
		}
	})
}

// FuzzIndicator compares Indicator against the per-second reference on
// random series: sorted or not, repeated instants, NaN and infinite
// values, datapoints before, inside and after the window.
func FuzzIndicator(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &bytesReader{data}
		w := r.window()
		b := qos.Bound{Lo: float64(r.intn(5)) - 2, Hi: float64(r.intn(5))}
		if r.intn(2) == 0 {
			b.Lo = math.Inf(-1)
		}
		values := []float64{-3, -2, -1, 0, 1, 2, 3, 4, math.NaN(), math.Inf(1), math.Inf(-1)}
		series := make([][]qos.Point, r.intn(4))
		for i := range series {
			var pts []qos.Point
			at := w.Start - int64(r.intn(6))
			for range r.intn(12) {
				at += int64(r.intn(9)) - 1 // mostly forward, sometimes back
				pts = append(pts, qos.Point{T: at, V: values[r.intn(len(values))]})
			}
			series[i] = pts
		}
		var e qos.Engine
		got := e.Indicator(w, b, series)
		if err := canonical(w, got); err != nil {
			t.Fatalf("%v: %s", err, got)
		}
		if want := fromStates(w, refIndicator(w, b, series)); !got.Equal(want) {
			t.Fatalf("bound %v series %v:\n got %s\nwant %s", b, series, got, want)
		}
		// A missing-data policy: against its own reference; Unknown is
		// Indicator.
		m := qos.Missing{State: []qos.State{qos.Unknown, qos.OK, qos.KO}[r.intn(3)], Hold: 1 + int64(r.intn(8))}
		gotm := e.IndicatorMissing(w, b, series, m)
		if err := canonical(w, gotm); err != nil {
			t.Fatalf("missing %v: %v: %s", m, err, gotm)
		}
		wantm := got
		if m.State != qos.Unknown {
			wantm = fromStates(w, refIndicatorMissing(w, b, series, m))
		}
		if !gotm.Equal(wantm) {
			t.Fatalf("missing %v bound %v series %v:\n got %s\nwant %s", m, b, series, gotm, wantm)
		}
		// HeldKO: the spans of each series' KO datapoints are its KO
		// time, and with a focus, those that overlap it.
		during := r.periods(w)
		for _, pts := range series {
			one := e.Indicator(w, b, [][]qos.Point{pts})
			var spans, focused []qos.Period
			qos.HeldKO(w, b, pts, qos.Periods{{From: w.Start, To: w.End}}, func(p qos.Point, from, to int64) {
				if b.State(p.V) != qos.KO || from >= to || from < w.Start || to > w.End {
					t.Fatalf("HeldKO gave %v over [%d, %d)", p, from, to)
				}
				spans = append(spans, qos.Period{From: from, To: to})
			})
			if got, want := qos.NormalizePeriods(slices.Clone(spans)), qos.NormalizePeriods(one.Downtime()); !slices.Equal(got, want) {
				t.Fatalf("series %v: HeldKO spans %v, downtime %v", pts, got, want)
			}
			qos.HeldKO(w, b, pts, during, func(p qos.Point, from, to int64) {
				focused = append(focused, qos.Period{From: from, To: to})
			})
			var want []qos.Period
			for _, sp := range spans {
				if len(qos.Intersect(qos.Periods{sp}, during)) > 0 {
					want = append(want, sp)
				}
			}
			if !slices.Equal(focused, want) {
				t.Fatalf("series %v during %v: HeldKO %v, want %v", pts, during, focused, want)
			}
		}
	})
}

// FuzzTimeline builds timelines from arbitrary intervals: NewTimeline
// either rejects them or returns the canonical form of the same states;
// Restrict, Seconds, Downtime and KOOverlap agree with the reference.
func FuzzTimeline(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &bytesReader{data}
		w := r.window()
		var ivs []qos.Interval
		at := w.Start - int64(r.intn(2))
		for range r.intn(12) {
			to := at + int64(r.intn(9)) - 1
			ivs = append(ivs, qos.Interval{From: at, To: to, State: qos.State(r.intn(4))})
			at = to + int64(r.intn(8)/7)
		}
		tl, err := qos.NewTimeline(w, ivs)
		if err != nil {
			return
		}
		if err := canonical(w, tl); err != nil {
			t.Fatalf("%v: %s from %v", err, tl, ivs)
		}
		want := make([]qos.State, w.Len())
		for _, iv := range ivs {
			for x := iv.From; x < iv.To; x++ {
				want[x-w.Start] = iv.State
			}
		}
		if !tl.Equal(fromStates(w, want)) {
			t.Fatalf("NewTimeline(%v) = %s", ivs, tl)
		}
		for i, s := range want {
			if got := tl.StateAt(w.Start + int64(i)); got != s {
				t.Fatalf("StateAt(%d) = %v, want %v", w.Start+int64(i), got, s)
			}
		}
		if tl.StateAt(w.Start-1) != qos.Unknown || tl.StateAt(w.End) != qos.Unknown {
			t.Fatalf("StateAt outside the window is not Unknown")
		}
		ps := r.periods(w)
		if got, want := tl.Restrict(ps), fromStates(w, refRestrict(w, tl, ps)); !got.Equal(want) {
			t.Fatalf("Restrict(%v) = %s, want %s", ps, got, want)
		}
		var ko int64
		for _, p := range tl.Downtime() {
			ko += p.To - p.From
		}
		if ko != tl.Seconds().KO {
			t.Fatalf("downtime %d s, KO %d s", ko, tl.Seconds().KO)
		}
		other := r.timeline(w)
		if got, want := qos.KOOverlap(tl, other), refOverlap(w, tl, other); got != want {
			t.Fatalf("KOOverlap = %d, want %d", got, want)
		}
	})
}

// FuzzParseBound checks that the bound parsers never panic, accept only
// finite decimal numbers, and agree with strconv on the ones they accept.
func FuzzParseBound(f *testing.F) {
	for _, s := range []string{"20", "-3.5", "1e3", "200:299", "5:3", "", ":", "inf", "NaN", "0x10", "1_0", " 7 ", "1e400", ".5", "5.", "+1", "1:2:3", "-1:-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if b, err := qos.ParseThreshold(s); err == nil {
			v, perr := strconv.ParseFloat(trimSpace(s), 64)
			if perr != nil || v != b.Hi || !math.IsInf(b.Lo, -1) || math.IsInf(v, 0) {
				t.Fatalf("ParseThreshold(%q) = %v, strconv says %v, %v", s, b, v, perr)
			}
		}
		if b, err := qos.ParseInterval(s); err == nil {
			if !(b.Lo <= b.Hi) || math.IsInf(b.Lo, 0) || math.IsInf(b.Hi, 0) {
				t.Fatalf("ParseInterval(%q) = %v", s, b)
			}
		}
	})
}

func trimSpace(s string) string { return strings.Trim(s, " \t") }

// FuzzRound checks that Round and Format agree with strconv and with each
// other: the rounded number prints as the formatted text.
func FuzzRound(f *testing.F) {
	for _, x := range []float64{0, 100, 99.9305555, 0.0625, 0.1875, 99.9995, 33.3333333, 2.5e-4, 1e300, -1} {
		f.Add(x, 3)
	}
	f.Fuzz(func(t *testing.T, x float64, d int) {
		got := qos.Round(x, d)
		s := qos.Format(x, d)
		dd := min(max(d, 0), qos.MaxDecimals)
		if want := strconv.FormatFloat(x, 'f', dd, 64); s != want {
			t.Fatalf("Format(%v, %d) = %q, want %q", x, d, s, want)
		}
		if math.IsNaN(x) {
			if !math.IsNaN(got) {
				t.Fatalf("Round(NaN) = %v", got)
			}
			return
		}
		if back := strconv.FormatFloat(got, 'f', dd, 64); back != s {
			t.Fatalf("Round(%v, %d) = %v prints %q, Format gives %q", x, d, got, back, s)
		}
	})
}
