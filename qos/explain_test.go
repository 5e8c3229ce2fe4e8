package qos_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/depc-dev/depc/qos"
)

// refExplain samples every second of w: the reference Explain and
// ExplainRule are compared with. It returns the explanation with each
// child's weight as one value per second.
func refExplain(w qos.Window, op qos.Operation, parent qos.Periods, kids []qos.Timeline, nodes, rels []qos.Periods, focus qos.Weight) (qos.Explanation, [][]float64) {
	x := qos.Explanation{Children: make([]qos.Blame, len(kids))}
	perSecond := make([][]float64, len(kids))
	for i := range perSecond {
		perSecond[i] = make([]float64, w.Len())
	}
	pa := refActive(w, parent)
	states := make([][]qos.State, len(kids))
	na := make([][]bool, len(kids))
	ra := make([][]bool, len(kids))
	for i := range kids {
		states[i] = refStates(w, kids[i])
		na[i] = refActive(w, nodes[i])
		ra[i] = refActive(w, rels[i])
	}
	fv := make([]float64, w.Len())
	for _, f := range focus {
		for t := max(f.From, w.Start); t < min(f.To, w.End); t++ {
			fv[t-w.Start] = f.V
		}
	}
	for t := range w.Len() {
		if !pa[t] || fv[t] <= 0 {
			continue
		}
		n, k, a := 0, 0, 0
		var ko []int
		for i := range kids {
			if na[i][t] && ra[i][t] {
				a++
				if s := states[i][t]; s != qos.Unknown {
					n++
					if s == qos.OK {
						k++
					} else {
						ko = append(ko, i)
					}
				}
			}
		}
		if refOp(op, n, k) != qos.KO {
			continue
		}
		needed := refNeeded(op, n)
		at := w.Start + t
		x.KO++
		x.Lost += fv[t]
		r := qos.Reason{From: at, To: at + 1, Active: a, Part: n, OK: k, Needed: needed}
		if l := len(x.Reasons); l > 0 && x.Reasons[l-1].To == at && x.Reasons[l-1].Active == a && x.Reasons[l-1].Part == n && x.Reasons[l-1].OK == k && x.Reasons[l-1].Needed == needed {
			x.Reasons[l-1].To++
		} else {
			x.Reasons = append(x.Reasons, r)
		}
		for _, i := range ko {
			x.Children[i].KO++
		}
		if n < needed {
			x.Structural++
			x.StructuralLost += fv[t]
			continue
		}
		for _, i := range ko {
			x.Children[i].Blamed++
			x.Children[i].Share += fv[t] / float64(len(ko))
			perSecond[i][t] = fv[t] / float64(len(ko))
		}
	}
	return x, perSecond
}

// refNeeded is the least k with the operation OK for n children taking
// part, found by trying every k.
func refNeeded(op qos.Operation, n int) int {
	for k := 0; k <= n; k++ {
		if refOp(op, n, k) == qos.OK {
			return k
		}
	}
	if op.Operator == qos.AtLeast {
		return op.M
	}
	return n + 1
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a), math.Abs(b))
}

// checkExplain compares an explanation with the reference and checks its
// laws. weights says whether the Blame weights were asked for.
func checkExplain(t testing.TB, at string, w qos.Window, got, want qos.Explanation, perSecond [][]float64, weights bool) {
	t.Helper()
	if got.KO != want.KO || !near(got.Lost, want.Lost) || got.Structural != want.Structural || !near(got.StructuralLost, want.StructuralLost) {
		t.Fatalf("%s: ko %d lost %g structural %d/%g, reference %d %g %d/%g", at, got.KO, got.Lost, got.Structural, got.StructuralLost,
			want.KO, want.Lost, want.Structural, want.StructuralLost)
	}
	if !slices.Equal(got.Reasons, want.Reasons) {
		t.Fatalf("%s: reasons\n %v\nreference\n %v", at, got.Reasons, want.Reasons)
	}
	if len(got.Children) != len(want.Children) {
		t.Fatalf("%s: %d blames for %d children", at, len(got.Children), len(want.Children))
	}
	sum := got.StructuralLost
	var reasons int64
	for _, r := range got.Reasons {
		reasons += r.To - r.From
		if r.Part > r.Active || r.OK >= r.Needed || r.OK > r.Part {
			t.Fatalf("%s: impossible reason %+v", at, r)
		}
	}
	if reasons != got.KO {
		t.Fatalf("%s: reasons cover %d s, KO %d s", at, reasons, got.KO)
	}
	for i, b := range got.Children {
		wb := want.Children[i]
		if b.KO != wb.KO || b.Blamed != wb.Blamed || !near(b.Share, wb.Share) {
			t.Fatalf("%s: child %d: ko %d blamed %d share %g, reference %d %d %g", at, i, b.KO, b.Blamed, b.Share, wb.KO, wb.Blamed, wb.Share)
		}
		if b.Blamed > b.KO || b.KO > got.KO || b.Share > got.Lost*(1+1e-12) || b.Share < 0 {
			t.Fatalf("%s: child %d: blame %+v beyond the node's ko %d lost %g", at, i, b, got.KO, got.Lost)
		}
		sum += b.Share
		if !weights {
			if len(b.Weight) != 0 {
				t.Fatalf("%s: child %d has a weight nobody asked for", at, i)
			}
			continue
		}
		if !b.Weight.Valid() {
			t.Fatalf("%s: child %d: weight not canonical: %v", at, i, b.Weight)
		}
		ps := make([]float64, w.Len())
		for _, iv := range b.Weight {
			if iv.From < w.Start || iv.To > w.End {
				t.Fatalf("%s: child %d: weight %v outside the window", at, i, iv)
			}
			for x := iv.From; x < iv.To; x++ {
				ps[x-w.Start] = iv.V
			}
		}
		for s := range ps {
			if !near(ps[s], perSecond[i][s]) {
				t.Fatalf("%s: child %d: weight at %d is %g, reference %g", at, i, w.Start+int64(s), ps[s], perSecond[i][s])
			}
		}
		if !near(b.Weight.Integral(), b.Share) || b.Weight.Support() != b.Blamed && b.Share > 0 {
			t.Fatalf("%s: child %d: weight ∫ %g over %d s, share %g blamed %d", at, i, b.Weight.Integral(), b.Weight.Support(), b.Share, b.Blamed)
		}
	}
	if !near(sum, got.Lost) {
		t.Fatalf("%s: shares + structural = %g, lost %g", at, sum, got.Lost)
	}
}

// clipTimeline returns the part of tl inside w (which tl's window covers).
func clipTimeline(tl qos.Timeline, w qos.Window) qos.Timeline {
	var ivs []qos.Interval
	for _, iv := range tl.Intervals() {
		if from, to := max(iv.From, w.Start), min(iv.To, w.End); from < to {
			ivs = append(ivs, qos.Interval{From: from, To: to, State: iv.State})
		}
	}
	out, err := qos.NewTimeline(w, ivs)
	if err != nil {
		panic(err)
	}
	return out
}

// weight returns a random weight around w: a few intervals with values
// among 1, 0.5, 0.25 and 3, sometimes reaching outside w.
func (r *bytesReader) weight(w qos.Window) qos.Weight {
	if r.intn(3) == 0 {
		return qos.Uniform(w, 1)
	}
	var out qos.Weight
	at := w.Start - int64(r.intn(3))
	for range r.intn(6) {
		from := at + int64(r.intn(6))
		to := from + 1 + int64(r.intn(10))
		out = append(out, qos.WeightInterval{From: from, To: to, V: []float64{1, 0.5, 0.25, 3}[r.intn(4)]})
		at = to
	}
	return out
}

// FuzzExplain compares Explain and ExplainRule with the per-second
// reference and checks the laws of root cause: the children's shares and
// the structural part add up to the weight lost, no share exceeds it, the
// node's KO seconds are Operate's, and a window split in two gives the
// same totals as the whole.
func FuzzExplain(f *testing.F) {
	seedCorpus(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &bytesReader{data}
		in := r.instance(8)
		focus := r.weight(in.w)
		weights := r.intn(2) == 0
		var e qos.Engine
		var x qos.Explanation
		e.Explain(&x, in.w, in.op, in.parent, in.children(), focus, weights)
		want, perSecond := refExplain(in.w, in.op, in.parent, in.kids, in.nodes, in.rels, focus)
		at := fmt.Sprintf("%v over %v", in.op, in.w)
		checkExplain(t, at, in.w, x, want, perSecond, weights)

		// With the whole window in focus, KO is the node's.
		e.Explain(&x, in.w, in.op, in.parent, in.children(), qos.Uniform(in.w, 1), false)
		tl := e.Operate(in.w, in.op, in.parent, in.children())
		if x.KO != tl.Seconds().KO || !near(x.Lost, float64(x.KO)) {
			t.Fatalf("%s: explained %d s (lost %g), Operate KO %d s", at, x.KO, x.Lost, tl.Seconds().KO)
		}

		// The window split in two.
		if in.w.Len() >= 2 {
			e.Explain(&x, in.w, in.op, in.parent, in.children(), focus, false)
			whole := x
			whole.Children = slices.Clone(x.Children)
			whole.Reasons = slices.Clone(x.Reasons)
			mid := in.w.Start + 1 + int64(r.intn(int(in.w.Len()-1)))
			var halves [2]qos.Explanation
			for h, hw := range []qos.Window{{Start: in.w.Start, End: mid}, {Start: mid, End: in.w.End}} {
				part := in
				part.w = hw
				part.kids = make([]qos.Timeline, len(in.kids))
				for i := range in.kids {
					part.kids[i] = clipTimeline(in.kids[i], hw)
				}
				e.Explain(&halves[h], hw, in.op, in.parent, part.children(), focus, false)
			}
			a, b := halves[0], halves[1]
			if a.KO+b.KO != whole.KO || a.Structural+b.Structural != whole.Structural || !near(a.Lost+b.Lost, whole.Lost) {
				t.Fatalf("%s split at %d: ko %d+%d structural %d+%d lost %g+%g, whole %d %d %g", at, mid,
					a.KO, b.KO, a.Structural, b.Structural, a.Lost, b.Lost, whole.KO, whole.Structural, whole.Lost)
			}
			for i := range whole.Children {
				ca, cb, cw := a.Children[i], b.Children[i], whole.Children[i]
				if ca.KO+cb.KO != cw.KO || ca.Blamed+cb.Blamed != cw.Blamed || !near(ca.Share+cb.Share, cw.Share) {
					t.Fatalf("%s split at %d: child %d: %+v + %+v, whole %+v", at, mid, i, ca, cb, cw)
				}
			}
			joined := slices.Clone(a.Reasons)
			for _, r := range b.Reasons {
				if l := len(joined); l > 0 && joined[l-1].To == r.From && joined[l-1].Active == r.Active && joined[l-1].Part == r.Part && joined[l-1].OK == r.OK && joined[l-1].Needed == r.Needed {
					joined[l-1].To = r.To
					continue
				}
				joined = append(joined, r)
			}
			if !slices.Equal(joined, whole.Reasons) {
				t.Fatalf("%s split at %d: reasons %v, whole %v", at, mid, joined, whole.Reasons)
			}
		}

		// A rule: its indicators with the node's periods.
		always := make([]qos.Periods, len(in.kids))
		for i := range always {
			always[i] = qos.Always
		}
		e.ExplainRule(&x, in.w, in.parent, in.kids, focus, weights)
		want, perSecond = refExplain(in.w, qos.Operation{Operator: qos.And}, in.parent, in.kids, always, always, focus)
		checkExplain(t, "RULE over "+fmt.Sprint(in.w), in.w, x, want, perSecond, weights)
		if x.Structural != 0 {
			t.Fatalf("a rule KO on structure: %+v", x)
		}
	})
}

func TestNeeded(t *testing.T) {
	for _, tc := range []struct {
		op   qos.Operation
		n    int
		want int
	}{
		{qos.Operation{Operator: qos.And}, 5, 5},
		{qos.Operation{Operator: qos.Or}, 5, 1},
		{qos.Operation{Operator: qos.AtLeast, M: 8}, 7, 8},
		{qos.Operation{Operator: qos.Ratio, R: 0.5}, 5, 3},
		{qos.Operation{Operator: qos.Ratio, R: 0.6}, 5, 3},
		{qos.Operation{Operator: qos.Ratio, R: 0.6667}, 3, 3},
		{qos.Operation{Operator: qos.Ratio, R: 0.6666}, 3, 2},
		{qos.Operation{Operator: qos.Ratio, R: 1}, 4, 4},
		{qos.Operation{Operator: qos.Ratio, R: 0.01}, 4, 1},
		{qos.Operation{Operator: qos.And}, 0, 0},
		{qos.Operation{}, 3, 0},
	} {
		if got := tc.op.Needed(tc.n); got != tc.want {
			t.Errorf("%v.Needed(%d) = %d, want %d", tc.op, tc.n, got, tc.want)
		}
		if tc.n > 0 && tc.op.Validate() == nil {
			if ref := refNeeded(tc.op, tc.n); ref != tc.want {
				t.Errorf("%v: reference needs %d, want %d", tc.op, ref, tc.want)
			}
		}
	}
	for n := 1; n <= 40; n++ {
		for r := 1; r <= 40; r++ {
			op := qos.Operation{Operator: qos.Ratio, R: float64(r) / 40}
			if got, want := op.Needed(n), refNeeded(op, n); got != want {
				t.Fatalf("%v.Needed(%d) = %d, reference %d", op, n, got, want)
			}
		}
	}
}

func TestAddWeights(t *testing.T) {
	a := qos.Weight{{From: 0, To: 10, V: 1}, {From: 20, To: 30, V: 0.5}}
	b := qos.Weight{{From: 5, To: 25, V: 0.5}}
	got := qos.AddWeights(nil, a, b)
	want := qos.Weight{{From: 0, To: 5, V: 1}, {From: 5, To: 10, V: 1.5}, {From: 10, To: 20, V: 0.5}, {From: 20, To: 25, V: 1}, {From: 25, To: 30, V: 0.5}}
	if !slices.Equal(got, want) {
		t.Errorf("AddWeights = %v, want %v", got, want)
	}
	if got := qos.AddWeights(nil, nil, b); !slices.Equal(got, b) {
		t.Errorf("AddWeights(nil, b) = %v", got)
	}
	if got.Integral() != a.Integral()+b.Integral() || !got.Valid() {
		t.Errorf("∫ %g, want %g", got.Integral(), a.Integral()+b.Integral())
	}
	if s := got.Support(); s != 30 {
		t.Errorf("support %d, want 30", s)
	}
	if c := got.Clip(qos.Window{Start: 7, End: 22}); !slices.Equal(c, qos.Weight{{From: 7, To: 10, V: 1.5}, {From: 10, To: 20, V: 0.5}, {From: 20, To: 22, V: 1}}) {
		t.Errorf("Clip = %v", c)
	}
	if s := b.Scale(2); !slices.Equal(s, qos.Weight{{From: 5, To: 25, V: 1}}) || b[0].V != 0.5 {
		t.Errorf("Scale = %v, b = %v", s, b)
	}
}
