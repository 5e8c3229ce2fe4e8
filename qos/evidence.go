package qos

// HeldKO calls fn for each datapoint of one series that is KO by b and
// whose held span [from, to) — the part of w during which its state is the
// series' state, by sample and hold as Indicator computes it — overlaps
// one of the periods of during: the evidence of a check's KO time against
// its threshold (semantics §7, rule nodes). Points come in time order, with
// the span clipped to w; the datapoints Indicator skips (earlier than the
// one before, at or after w.End, or followed by another at the same
// instant inside w) are skipped too. during must be canonical.
func HeldKO(w Window, b Bound, pts []Point, during Periods, fn func(p Point, from, to int64)) {
	if w.Empty() || len(during) == 0 {
		return
	}
	// The datapoints Indicator keeps, as indexes: each holds until the
	// next kept one.
	last := NegInf
	cur := -1 // the datapoint whose state holds from curFrom
	curFrom := w.Start
	j := during.search(w.Start)
	emit := func(to int64) {
		p := pts[cur]
		if b.State(p.V) != KO || curFrom >= to {
			return
		}
		for j < len(during) && during[j].To <= curFrom {
			j++
		}
		if j < len(during) && during[j].From < to {
			fn(p, curFrom, to)
		}
	}
	for i, p := range pts {
		if p.T < last {
			continue
		}
		last = p.T
		if p.T >= w.End {
			break
		}
		if p.T <= w.Start || cur < 0 {
			// The state at w.Start: the last datapoint at or before it,
			// else the first one inside w held back to it.
			cur = i
			continue
		}
		emit(p.T)
		cur, curFrom = i, p.T
	}
	if cur >= 0 {
		emit(w.End)
	}
}
