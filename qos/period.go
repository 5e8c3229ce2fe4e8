package qos

import "sort"

// NormalizePeriods returns the canonical period set covering the same
// instants as ps: empty periods dropped, sorted, overlapping and touching
// periods merged. ps is sorted in place.
func NormalizePeriods(ps []Period) Periods {
	out := ps[:0]
	sort.Slice(ps, func(i, j int) bool { return ps[i].From < ps[j].From })
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

// Union returns the canonical union of two period sets.
func Union(a, b Periods) Periods {
	all := make([]Period, 0, len(a)+len(b))
	all = append(all, a...)
	all = append(all, b...)
	return NormalizePeriods(all)
}

// Intersect returns the canonical intersection of two period sets.
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
	i := sort.Search(len(ps), func(i int) bool { return ps[i].To > t })
	return i < len(ps) && ps[i].From <= t
}

// ActiveDuring reports whether one of the periods overlaps w.
func (ps Periods) ActiveDuring(w Window) bool {
	i := sort.Search(len(ps), func(i int) bool { return ps[i].To > w.Start })
	return i < len(ps) && ps[i].From < w.End
}

// Clip returns the parts of ps inside w.
func (ps Periods) Clip(w Window) Periods {
	return Intersect(ps, Periods{{w.Start, w.End}})
}
