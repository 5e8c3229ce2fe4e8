package qos

import "slices"

// WeightInterval is a part [From, To) of a Weight during which it is V.
type WeightInterval struct {
	From, To int64
	V        float64
}

// Weight is a piecewise-constant function of time that is zero outside its
// intervals: sorted, disjoint, each non-empty with V > 0, touching
// intervals with equal values merged. Root cause uses it to say how much
// each second of a node's KO time counts (semantics §7): 1 on the KO time
// of the node examined, and, going down the graph, the part of that second
// each KO child is blamed for. Its Integral is then a share of the
// examined node's KO time, in seconds.
type Weight []WeightInterval

// Uniform returns the weight that is v over w (nil when w is empty or v is
// not positive). Explaining a node with Uniform(w, 1) explains all its KO
// time in w, each second counting one.
func Uniform(w Window, v float64) Weight {
	if w.Empty() || !(v > 0) {
		return nil
	}
	return Weight{{w.Start, w.End, v}}
}

// KOWeight appends to dst[:0] the weight that is v on the KO intervals of
// t: the focus of a node's own downtime, or of an aggregation's child
// weighted by its part in the aggregation's loss.
func KOWeight(dst Weight, t Timeline, v float64) Weight {
	dst = dst[:0]
	if !(v > 0) {
		return dst
	}
	for _, iv := range t.ivs {
		if iv.State == KO {
			dst = append(dst, WeightInterval{iv.From, iv.To, v})
		}
	}
	return dst
}

// Integral returns the sum of V × length over the intervals: the weighted
// seconds the weight covers.
func (wt Weight) Integral() float64 {
	var s float64
	for _, iv := range wt {
		s += iv.V * float64(iv.To-iv.From)
	}
	return s
}

// Support returns the seconds during which the weight is not zero.
func (wt Weight) Support() int64 {
	var s int64
	for _, iv := range wt {
		s += iv.To - iv.From
	}
	return s
}

// Clip returns the part of the weight inside w, in a new slice.
func (wt Weight) Clip(w Window) Weight {
	var out Weight
	for _, iv := range wt {
		if from, to := max(iv.From, w.Start), min(iv.To, w.End); from < to {
			out = append(out, WeightInterval{from, to, iv.V})
		}
	}
	return out
}

// Scale returns the weight times f, in a new slice (nil when f is not
// positive).
func (wt Weight) Scale(f float64) Weight {
	if !(f > 0) {
		return nil
	}
	out := slices.Clone(wt)
	for i := range out {
		out[i].V *= f
	}
	return out
}

// Valid reports whether wt is a canonical weight: sorted, disjoint,
// non-empty intervals with positive values.
func (wt Weight) Valid() bool {
	for i, iv := range wt {
		if iv.From >= iv.To || !(iv.V > 0) {
			return false
		}
		if i > 0 && iv.From < wt[i-1].To {
			return false
		}
	}
	return true
}

// AddWeights returns the pointwise sum of a and b, appended to dst[:0],
// which must not share memory with a or b. A node reached from several
// parents is explained with the sum of the weights they pass it.
func AddWeights(dst, a, b Weight) Weight {
	dst = dst[:0]
	var wb weightBuilder
	wb.ivs = dst
	i, j := 0, 0
	at := NegInf
	for i < len(a) || j < len(b) {
		// The next instant where the sum may change, from at on.
		var va, vb float64
		next := PosInf
		if i < len(a) {
			if a[i].From <= at {
				va, next = a[i].V, a[i].To
			} else {
				next = a[i].From
			}
		}
		if j < len(b) {
			if b[j].From <= at {
				vb, next = b[j].V, min(next, b[j].To)
			} else {
				next = min(next, b[j].From)
			}
		}
		if va+vb > 0 {
			wb.add(at, next, va+vb)
		}
		at = next
		for i < len(a) && a[i].To <= at {
			i++
		}
		for j < len(b) && b[j].To <= at {
			j++
		}
	}
	return wb.ivs
}

// weightBuilder appends weight intervals in time order, merging one into
// the previous when they touch with the same value.
type weightBuilder struct {
	ivs Weight
}

func (b *weightBuilder) add(from, to int64, v float64) {
	if from >= to || !(v > 0) {
		return
	}
	if n := len(b.ivs); n > 0 && b.ivs[n-1].V == v && b.ivs[n-1].To == from {
		b.ivs[n-1].To = to
		return
	}
	b.ivs = append(b.ivs, WeightInterval{from, to, v})
}
