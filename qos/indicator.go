package qos

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Bound is an indicator's condition for a datapoint to be OK: Lo <= V <= Hi.
// A Threshold "T" is the Bound {-Inf, T}; an Interval "A:B" is {A, B}.
type Bound struct {
	Lo, Hi float64
}

// State returns OK if Lo <= v <= Hi and KO otherwise; NaN is KO.
func (b Bound) State(v float64) State {
	if b.Lo <= v && v <= b.Hi {
		return OK
	}
	return KO
}

// ParseThreshold parses a Threshold check's bound "T", a decimal number
// such as "20", "-3.5" or "1e6" (spaces and tabs around it ignored):
// datapoints are OK while value <= T. Infinities, NaN, hexadecimal and
// out-of-range numbers are rejected with an error naming the text; the
// caller reports it as invalid input (depc.EINVALID).
func ParseThreshold(s string) (Bound, error) {
	t, err := parseDecimal(s)
	if err != nil {
		return Bound{}, fmt.Errorf("threshold %q: %v", s, err)
	}
	return Bound{Lo: math.Inf(-1), Hi: t}, nil
}

// ParseInterval parses an Interval check's bound "A:B", two decimal numbers
// with A <= B (spaces and tabs around each ignored): datapoints are OK while
// A <= value <= B.
func ParseInterval(s string) (Bound, error) {
	a, b, found := strings.Cut(s, ":")
	if !found {
		return Bound{}, fmt.Errorf("interval %q: want two decimal numbers A:B", s)
	}
	lo, err := parseDecimal(a)
	if err != nil {
		return Bound{}, fmt.Errorf("interval %q: lower bound: %v", s, err)
	}
	hi, err := parseDecimal(b)
	if err != nil {
		return Bound{}, fmt.Errorf("interval %q: upper bound: %v", s, err)
	}
	if lo > hi {
		return Bound{}, fmt.Errorf("interval %q: the lower bound is above the upper bound", s)
	}
	return Bound{Lo: lo, Hi: hi}, nil
}

// parseDecimal parses [+-]digits[.digits][(e|E)[+-]digits], with at least
// one digit in the mantissa and optional spaces or tabs around, into a
// finite float64.
func parseDecimal(s string) (float64, error) {
	s = strings.Trim(s, " \t")
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, fmt.Errorf("not a decimal number")
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return 0, fmt.Errorf("not a decimal number")
		}
	}
	if i != len(s) {
		return 0, fmt.Errorf("not a decimal number")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Errorf("out of range")
	}
	return v, nil
}

// Indicator computes an indicator's timeline over w from the series its
// source returned (semantics §3). Each datapoint is OK or KO by b, and
// holds until the next datapoint of its series: the state at w.Start is
// the last datapoint at or before w.Start, or else the first one inside w
// held back to w.Start; the last one holds to w.End; datapoints at or after
// w.End are ignored. A series with no datapoint before w.End is ignored.
// The remaining series are ANDed: KO wherever one of them is KO. With no
// remaining series the indicator is Unknown over the whole window.
//
// Each series must be sorted by time; a datapoint earlier than the one
// before it is skipped, and of several datapoints at one instant the last
// one counts.
func (e *Engine) Indicator(w Window, b Bound, series [][]Point) Timeline {
	if w.Empty() {
		return Timeline{w: w}
	}
	used := 0
	for _, pts := range series {
		var ok bool
		e.tls, ok = hold(e.tls[:0], w, b, pts)
		if !ok {
			continue
		}
		if used == 0 {
			e.acc, e.tls = e.tls, e.acc
		} else {
			e.out = andKnown(e.out[:0], e.acc, e.tls)
			e.acc, e.out = e.out, e.acc
		}
		used++
	}
	if used == 0 {
		return Constant(w, Unknown)
	}
	return Timeline{w: w, ivs: slices.Clone(e.acc)}
}

// hold appends to dst the canonical OK/KO timeline of one series over w by
// sample and hold, and reports false if the series has no datapoint before
// w.End.
func hold(dst []Interval, w Window, b Bound, pts []Point) ([]Interval, bool) {
	bl := builder{ivs: dst}
	have := false
	s, from, last := Unknown, w.Start, NegInf
	for _, p := range pts {
		if p.T < last {
			continue
		}
		last = p.T
		if p.T >= w.End {
			break
		}
		ps := b.State(p.V)
		switch {
		case p.T <= w.Start || !have:
			s, have = ps, true
		case ps != s:
			bl.add(from, p.T, s)
			s, from = ps, p.T
		}
	}
	if !have {
		return dst, false
	}
	bl.add(from, w.End, s)
	return bl.ivs, true
}

// andKnown appends to dst the AND of two OK/KO timelines over the same
// window: KO wherever either is KO.
func andKnown(dst, a, b []Interval) []Interval {
	bl := builder{ivs: dst}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		from := max(a[i].From, b[j].From)
		to := min(a[i].To, b[j].To)
		s := OK
		if a[i].State == KO || b[j].State == KO {
			s = KO
		}
		bl.add(from, to, s)
		if a[i].To == to {
			i++
		}
		if b[j].To == to {
			j++
		}
	}
	return bl.ivs
}

// Missing is what an indicator is where its data is missing: a check's
// missing-data policy. State Unknown is semantics §3 as it stands — a
// datapoint holds until the next one of its series (the last to the end
// of the window), and no series at all is Unknown. With OK or KO (a check
// whose exporter died may count as down), a datapoint holds until the next
// one but at most Hold seconds, and what no datapoint covers — before a
// series' first datapoint, after a datapoint older than Hold, the whole
// window when there is no series — is State.
type Missing struct {
	State State
	// Hold is how long a datapoint counts at most, in seconds (> 0).
	Hold int64
}

// IndicatorMissing is Indicator with a missing-data policy (Missing). With
// m.State Unknown it is Indicator. Several series are ANDed: a series
// missing at an instant counts as m.State there.
func (e *Engine) IndicatorMissing(w Window, b Bound, series [][]Point, m Missing) Timeline {
	if m.State == Unknown || w.Empty() {
		return e.Indicator(w, b, series)
	}
	if len(series) == 0 {
		return Constant(w, m.State)
	}
	for i, pts := range series {
		e.tls = holdAtMost(e.tls[:0], w, b, pts, m)
		if i == 0 {
			e.acc, e.tls = e.tls, e.acc
		} else {
			e.out = andKnown(e.out[:0], e.acc, e.tls)
			e.acc, e.out = e.out, e.acc
		}
	}
	return Timeline{w: w, ivs: slices.Clone(e.acc)}
}

// holdAtMost appends to dst the canonical OK/KO timeline of one series
// over w where each datapoint holds until the next but at most m.Hold
// seconds, and m.State fills the rest.
func holdAtMost(dst []Interval, w Window, b Bound, pts []Point, m Missing) []Interval {
	bl := builder{ivs: dst}
	cur := w.Start // everything before cur is built
	emit := func(from, to int64, s State) {
		from, to = max(from, cur), min(to, w.End)
		if to > from {
			bl.add(from, to, s)
			cur = to
		}
	}
	var prevT int64
	var prevS State
	have := false
	until := func(t int64) int64 { // the end of what the datapoint at t covers
		if t > 0 && m.Hold >= PosInf-t {
			return PosInf
		}
		return t + m.Hold
	}
	for _, p := range pts {
		if have && p.T < prevT {
			continue // back in time, as hold skips it
		}
		if p.T >= w.End {
			break
		}
		if have {
			end := min(p.T, until(prevT))
			emit(prevT, end, prevS)
			emit(end, p.T, m.State)
		} else {
			emit(w.Start, p.T, m.State)
		}
		prevT, prevS, have = p.T, b.State(p.V), true
	}
	if have {
		emit(prevT, until(prevT), prevS)
	}
	emit(cur, w.End, m.State)
	return bl.ivs
}
