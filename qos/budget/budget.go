package budget

import (
	"fmt"

	"github.com/depc-dev/depc/qos"
)

// Lookbacks are the burn-rate lookbacks in seconds: 1 h, 6 h, 1 d and 3 d.
var Lookbacks = [4]int64{3600, 6 * 3600, 86400, 3 * 86400}

// LookbackNames are the names of Lookbacks, as the API writes them.
var LookbackNames = [4]string{"1h", "6h", "1d", "3d"}

// Sample is what is known of one day of a node.
type Sample struct {
	// Day names the day ("YYYY-MM-DD"); the arithmetic only passes it on.
	Day string
	// Window is the part of the day measured: the whole day once it is
	// over, [midnight, now) for today.
	Window qos.Window
	// OK, KO and Unknown are seconds; they add up to Window's length.
	OK, KO, Unknown int64
	// Downtime is the KO intervals, sorted, disjoint, inside Window; their
	// lengths add up to KO.
	Downtime []qos.Period
}

// Input is what a budget is computed from.
type Input struct {
	// Target is the objective, a percentage (CheckTarget).
	Target float64
	// Window is the objective's window, [Start, End).
	Window qos.Window
	// Now is the instant the burn rates look back from.
	Now int64
	// Samples are the days of the window that have a result, sorted by
	// time, disjoint, inside Window.
	Samples []Sample
}

// Burn is the burn rate over one lookback [Now − Lookback, Now).
type Burn struct {
	Lookback int64
	// KO is the KO seconds of the lookback; Counted its OK + KO seconds
	// (estimated where a lookback covers part of a sample, see the package
	// comment).
	KO      int64
	Counted float64
	// Rate is (KO / Counted) / (1 − Target/100); Valid is false when
	// Counted is 0.
	Rate  float64
	Valid bool
}

// Day is the budget after one sample, for a burn-down chart.
type Day struct {
	Day string
	// Spent is the KO seconds of the window up to and including this day;
	// Remaining is Allowed − Spent.
	Spent     int64
	Remaining float64
}

// Budget is an objective's error budget over its window.
type Budget struct {
	Target float64
	Window qos.Window
	// Measured is the seconds of the window that samples cover; Counted
	// the OK + KO seconds among them; Pending the seconds no sample covers
	// (Window's length − Measured).
	Measured, Counted, Pending int64
	// Allowed is (1 − Target/100) × (Counted + Pending) seconds.
	Allowed float64
	// Spent is the KO seconds of the samples.
	Spent int64
	// Remaining is Allowed − Spent; negative when the budget is exhausted.
	Remaining float64
	// QoS is the QoS of the counted time, null when there is none.
	QoS qos.QoS
	// Burn holds one burn rate per Lookbacks entry, in that order.
	Burn [len(Lookbacks)]Burn
	// Days is the budget after each sample, in order.
	Days []Day
}

// RemainingRatio is Remaining / Allowed: 1 untouched, 0 spent, below 0
// overspent. ok is false when nothing is allowed (the whole window is
// Unknown).
func (b Budget) RemainingRatio() (ratio float64, ok bool) {
	if b.Allowed <= 0 {
		return 0, false
	}
	return b.Remaining / b.Allowed, true
}

// Exhausted reports whether more KO time was spent than allowed.
func (b Budget) Exhausted() bool { return b.Remaining < 0 }

// Compute returns the budget of in. An error says which input is not as
// Input describes it (a target out of range, samples out of order or
// inconsistent): the caller's bug, or a store's.
func Compute(in Input) (Budget, error) {
	if err := CheckTarget(in.Target); err != nil {
		return Budget{}, fmt.Errorf("target: %v", err)
	}
	if in.Window.Empty() {
		return Budget{}, fmt.Errorf("window: [%d, %d) is empty", in.Window.Start, in.Window.End)
	}
	b := Budget{Target: in.Target, Window: in.Window, Days: make([]Day, 0, len(in.Samples))}
	var ok int64
	last := in.Window.Start
	for i, s := range in.Samples {
		if err := s.check(last, in.Window); err != nil {
			return Budget{}, fmt.Errorf("samples[%d] (%s): %v", i, s.Day, err)
		}
		last = s.Window.End
		b.Measured += s.Window.Len()
		ok += s.OK
		b.Spent += s.KO
		b.Days = append(b.Days, Day{Day: s.Day, Spent: b.Spent})
	}
	b.Counted = ok + b.Spent
	b.Pending = in.Window.Len() - b.Measured
	allowedShare := 1 - in.Target/100
	b.Allowed = allowedShare * float64(b.Counted+b.Pending)
	b.Remaining = b.Allowed - float64(b.Spent)
	for i := range b.Days {
		b.Days[i].Remaining = b.Allowed - float64(b.Days[i].Spent)
	}
	b.QoS = qos.Seconds{OK: ok, KO: b.Spent}.QoS()
	for i, l := range Lookbacks {
		b.Burn[i] = burn(in.Samples, qos.Window{Start: in.Now - l, End: in.Now}, allowedShare)
		b.Burn[i].Lookback = l
	}
	return b, nil
}

// check says what is wrong with s, the sample after instant last of window
// w.
func (s Sample) check(last int64, w qos.Window) error {
	switch {
	case s.Window.Empty():
		return fmt.Errorf("window [%d, %d) is empty", s.Window.Start, s.Window.End)
	case s.Window.Start < last || s.Window.End > w.End:
		return fmt.Errorf("window [%d, %d) overlaps the previous sample or leaves the objective's window [%d, %d)", s.Window.Start, s.Window.End, w.Start, w.End)
	case s.OK < 0 || s.KO < 0 || s.Unknown < 0 || s.OK+s.KO+s.Unknown != s.Window.Len():
		return fmt.Errorf("ok %d + ko %d + unknown %d is not the window's %d seconds", s.OK, s.KO, s.Unknown, s.Window.Len())
	}
	var ko int64
	end := s.Window.Start
	for _, p := range s.Downtime {
		if p.From < end || p.To <= p.From || p.To > s.Window.End {
			return fmt.Errorf("downtime [%d, %d) is out of order or outside the sample", p.From, p.To)
		}
		end = p.To
		ko += p.To - p.From
	}
	if ko != s.KO {
		return fmt.Errorf("downtime adds up to %d seconds, not ko %d", ko, s.KO)
	}
	return nil
}

// burn returns the burn rate over lookback lb.
func burn(samples []Sample, lb qos.Window, allowedShare float64) Burn {
	var out Burn
	for _, s := range samples {
		cover := overlap(s.Window, lb.Start, lb.End)
		if cover == 0 {
			continue
		}
		if cover == s.Window.Len() {
			out.KO += s.KO
			out.Counted += float64(s.OK + s.KO)
			continue
		}
		var ko int64
		for _, p := range s.Downtime {
			ko += overlap(lb, p.From, p.To)
		}
		out.KO += ko
		out.Counted += float64(ko)
		// The rest of the covered part is OK or Unknown, in the
		// proportions of the whole sample's time that was not KO.
		if notKO := s.OK + s.Unknown; notKO > 0 {
			out.Counted += float64(cover-ko) * float64(s.OK) / float64(notKO)
		}
	}
	if out.Counted > 0 {
		out.Rate = float64(out.KO) / out.Counted / allowedShare
		out.Valid = true
	}
	return out
}

// overlap is the length of [from, to) ∩ w.
func overlap(w qos.Window, from, to int64) int64 {
	lo, hi := max(w.Start, from), min(w.End, to)
	if hi <= lo {
		return 0
	}
	return hi - lo
}
