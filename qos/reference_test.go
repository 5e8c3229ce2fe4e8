package qos_test

import (
	"github.com/depc-dev/depc/qos"
)

// A reference implementation of the semantics that samples every second
// of the window: slow and obviously right, the oracle the interval sweeps
// are compared with. Windows here are small enough to sample.

// refStates returns the state of tl at each second of w.
func refStates(w qos.Window, tl qos.Timeline) []qos.State {
	out := make([]qos.State, w.Len())
	for _, iv := range tl.Intervals() {
		for t := max(iv.From, w.Start); t < min(iv.To, w.End); t++ {
			out[t-w.Start] = iv.State
		}
	}
	return out
}

// refActive returns whether ps is active at each second of w.
func refActive(w qos.Window, ps qos.Periods) []bool {
	out := make([]bool, w.Len())
	for _, p := range ps {
		for t := max(p.From, w.Start); t < min(p.To, w.End); t++ {
			out[t-w.Start] = true
		}
	}
	return out
}

// fromStates builds the timeline that has states[i] at second w.Start+i.
func fromStates(w qos.Window, states []qos.State) qos.Timeline {
	ivs := make([]qos.Interval, len(states))
	for i, s := range states {
		t := w.Start + int64(i)
		ivs[i] = qos.Interval{From: t, To: t + 1, State: s}
	}
	tl, err := qos.NewTimeline(w, ivs)
	if err != nil {
		panic(err)
	}
	return tl
}

// refOp is the table of semantics §5.
func refOp(op qos.Operation, n, k int) qos.State {
	if n == 0 {
		return qos.Unknown
	}
	var ok bool
	switch op.Operator {
	case qos.And:
		ok = k == n
	case qos.Or:
		ok = k >= 1
	case qos.AtLeast:
		ok = k >= op.M
	case qos.Ratio:
		ok = float64(k)/float64(n) >= op.R
	default:
		return qos.Unknown
	}
	if ok {
		return qos.OK
	}
	return qos.KO
}

// refOperate samples every second: which children take part, the parent's
// state, and each child's seconds of taking part while the parent is
// active.
func refOperate(w qos.Window, op qos.Operation, parent qos.Periods, kids []qos.Timeline, nodes, rels []qos.Periods) ([]qos.State, []int64) {
	out := make([]qos.State, w.Len())
	parts := make([]int64, len(kids))
	pa := refActive(w, parent)
	states := make([][]qos.State, len(kids))
	na := make([][]bool, len(kids))
	ra := make([][]bool, len(kids))
	for i := range kids {
		states[i] = refStates(w, kids[i])
		na[i] = refActive(w, nodes[i])
		ra[i] = refActive(w, rels[i])
	}
	for t := range out {
		if !pa[t] {
			continue
		}
		n, k := 0, 0
		for i := range kids {
			if na[i][t] && ra[i][t] && states[i][t] != qos.Unknown {
				n++
				parts[i]++
				if states[i][t] == qos.OK {
					k++
				}
			}
		}
		out[t] = refOp(op, n, k)
	}
	return out, parts
}

// refRule is the AND of the known indicators, Unknown where the node is
// not active.
func refRule(w qos.Window, node qos.Periods, inds []qos.Timeline) []qos.State {
	nodes := make([]qos.Periods, len(inds))
	for i := range nodes {
		nodes[i] = qos.Always
	}
	out, _ := refOperate(w, qos.Operation{Operator: qos.And}, node, inds, nodes, nodes)
	return out
}

// refIndicator applies sample and hold to each second.
func refIndicator(w qos.Window, b qos.Bound, series [][]qos.Point) []qos.State {
	out := make([]qos.State, w.Len())
	used := 0
	for _, pts := range series {
		// Drop the datapoints that go back in time, as Indicator does.
		var kept []qos.Point
		for _, p := range pts {
			if len(kept) == 0 || p.T >= kept[len(kept)-1].T {
				kept = append(kept, p)
			}
		}
		if len(kept) == 0 || kept[0].T >= w.End {
			continue
		}
		used++
		for t := w.Start; t < w.End; t++ {
			var s qos.State
			found := false
			for _, p := range kept {
				if p.T <= t {
					s, found = refBound(b, p.V), true
				}
			}
			if !found {
				s = refBound(b, kept[0].V)
			}
			if i := t - w.Start; out[i] != qos.KO {
				out[i] = s
			}
		}
	}
	if used == 0 {
		for i := range out {
			out[i] = qos.Unknown
		}
	}
	return out
}

// refIndicatorMissing: at each second, a series is the state of its last
// datapoint at or before it if that is less than m.Hold old, m.State
// otherwise; the series are ANDed, and no series at all is m.State.
func refIndicatorMissing(w qos.Window, b qos.Bound, series [][]qos.Point, m qos.Missing) []qos.State {
	out := make([]qos.State, w.Len())
	for i := range out {
		out[i] = qos.OK
		if len(series) == 0 {
			out[i] = m.State
		}
	}
	for _, pts := range series {
		var kept []qos.Point
		for _, p := range pts {
			if len(kept) == 0 || p.T >= kept[len(kept)-1].T {
				kept = append(kept, p)
			}
		}
		for t := w.Start; t < w.End; t++ {
			s := m.State
			for _, p := range kept {
				if p.T <= t {
					s = m.State
					if t-p.T < m.Hold {
						s = refBound(b, p.V)
					}
				}
			}
			if s == qos.KO {
				out[t-w.Start] = qos.KO
			}
		}
	}
	return out
}

func refBound(b qos.Bound, v float64) qos.State {
	if v != v { // NaN
		return qos.KO
	}
	if b.Lo <= v && v <= b.Hi {
		return qos.OK
	}
	return qos.KO
}

func refRestrict(w qos.Window, tl qos.Timeline, ps qos.Periods) []qos.State {
	out := refStates(w, tl)
	act := refActive(w, ps)
	for i := range out {
		if !act[i] {
			out[i] = qos.Unknown
		}
	}
	return out
}

func refOverlap(w qos.Window, a, b qos.Timeline) int64 {
	sa, sb := refStates(w, a), refStates(w, b)
	var n int64
	for i := range sa {
		if sa[i] == qos.KO && sb[i] == qos.KO {
			n++
		}
	}
	return n
}
