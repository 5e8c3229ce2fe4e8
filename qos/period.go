package qos

import "slices"

// NormalizePeriods returns the canonical period set covering the same
// instants as ps: empty periods (From >= To) dropped, sorted, overlapping and
// touching periods merged. It works in place: ps is reordered and its
// backing array reused. The result is nil when no instant is covered.
func NormalizePeriods(ps []Period) Periods {
	slices.SortFunc(ps, func(a, b Period) int {
		switch {
		case a.From < b.From:
			return -1
		case a.From > b.From:
			return 1
		}
		return 0
	})
	out := ps[:0]
	for _, p := range ps {
		if p.From >= p.To {
			continue
		}
		if n := len(out); n > 0 && p.From <= out[n-1].To {
			if p.To > out[n-1].To {
				out[n-1].To = p.To
			}
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil
	}
	return Periods(out)
}

// Canonical reports whether ps is a canonical period set: every period
// non-empty, sorted, and separated from the next by a gap.
func (ps Periods) Canonical() bool {
	for i, p := range ps {
		if p.From >= p.To {
			return false
		}
		if i > 0 && p.From <= ps[i-1].To {
			return false
		}
	}
	return true
}

// Union returns the canonical union of two period sets, in a new slice.
func Union(a, b Periods) Periods {
	all := make([]Period, 0, len(a)+len(b))
	all = append(all, a...)
	all = append(all, b...)
	return NormalizePeriods(all)
}

// Intersect returns the canonical intersection of two canonical period
// sets, in a new slice (nil when they do not meet).
func Intersect(a, b Periods) Periods {
	var out Periods
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		from, to := max(a[i].From, b[j].From), min(a[i].To, b[j].To)
		if from < to {
			out = append(out, Period{from, to})
		}
		if a[i].To < b[j].To {
			i++
		} else {
			j++
		}
	}
	return out
}

// ActiveAt reports whether t lies in one of the periods: [f, t) is active at
// f and not at t.
func (ps Periods) ActiveAt(t int64) bool {
	i := ps.search(t)
	return i < len(ps) && ps[i].From <= t
}

// ActiveDuring reports whether one of the periods overlaps w.
func (ps Periods) ActiveDuring(w Window) bool {
	if w.Empty() {
		return false
	}
	i := ps.search(w.Start)
	return i < len(ps) && ps[i].From < w.End
}

// ActiveTogether reports whether some instant of w lies in a period of a
// and in a period of b: for a child of an aggregation (semantics §6), a are
// the relation's periods and b the child's.
func ActiveTogether(a, b Periods, w Window) bool {
	if w.Empty() {
		return false
	}
	i, j := a.search(w.Start), b.search(w.Start)
	for i < len(a) && j < len(b) {
		from, to := max(a[i].From, b[j].From, w.Start), min(a[i].To, b[j].To, w.End)
		if from >= w.End {
			return false
		}
		if from < to {
			return true
		}
		if a[i].To < b[j].To {
			i++
		} else {
			j++
		}
	}
	return false
}

// Clip returns the parts of ps inside w, in a new slice.
func (ps Periods) Clip(w Window) Periods {
	if w.Empty() {
		return nil
	}
	return Intersect(ps, Periods{{w.Start, w.End}})
}

// search returns the index of the first period that ends after t, or
// len(ps). It is sort.Search without the closure, for the hot paths.
func (ps Periods) search(t int64) int {
	lo, hi := 0, len(ps)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ps[m].To > t {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
