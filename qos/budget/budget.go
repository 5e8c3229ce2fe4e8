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
	a, err := NewAccumulator(in.Target, in.Window, in.Now)
	if err != nil {
		return Budget{}, err
	}
	a.KeepDays = true
	for i, s := range in.Samples {
		if err := a.Add(s); err != nil {
			return Budget{}, fmt.Errorf("samples[%d] (%s): %v", i, s.Day, err)
		}
	}
	return a.Budget(), nil
}

// Accumulator computes a budget sample by sample, for callers that read
// the days of many nodes at once and cannot hold them all: it keeps a few
// sums, not the samples. The zero Accumulator is not usable; see
// NewAccumulator.
type Accumulator struct {
	// KeepDays keeps Budget.Days (one entry per sample); false leaves it
	// nil.
	KeepDays bool

	target, share float64
	window        qos.Window
	now           int64

	last                int64
	measured, ok, spent int64
	burnKO              [len(Lookbacks)]int64
	burnCounted         [len(Lookbacks)]float64
	days                []Day
}

// NewAccumulator starts the budget of a target over a window, with burn
// rates looking back from now.
func NewAccumulator(target float64, window qos.Window, now int64) (Accumulator, error) {
	if err := CheckTarget(target); err != nil {
		return Accumulator{}, fmt.Errorf("target: %v", err)
	}
	if window.Empty() {
		return Accumulator{}, fmt.Errorf("window: [%d, %d) is empty", window.Start, window.End)
	}
	return Accumulator{target: target, share: 1 - target/100, window: window, now: now, last: window.Start}, nil
}

// Add adds the next sample. Samples come sorted by time, disjoint, inside
// the window; a sample that is not as Sample describes is refused and
// changes nothing.
func (a *Accumulator) Add(s Sample) error {
	if err := s.check(a.last, a.window); err != nil {
		return err
	}
	a.last = s.Window.End
	a.measured += s.Window.Len()
	a.ok += s.OK
	a.spent += s.KO
	if a.KeepDays {
		a.days = append(a.days, Day{Day: s.Day, Spent: a.spent})
	}
	for i, l := range Lookbacks {
		ko, counted := burn(s, qos.Window{Start: a.now - l, End: a.now})
		a.burnKO[i] += ko
		a.burnCounted[i] += counted
	}
	return nil
}

// Budget returns the budget of the samples added so far.
func (a *Accumulator) Budget() Budget {
	b := Budget{Target: a.target, Window: a.window, Measured: a.measured, Spent: a.spent}
	b.Counted = a.ok + a.spent
	b.Pending = a.window.Len() - a.measured
	b.Allowed = a.share * float64(b.Counted+b.Pending)
	b.Remaining = b.Allowed - float64(b.Spent)
	if a.KeepDays {
		b.Days = make([]Day, len(a.days))
		for i, d := range a.days {
			d.Remaining = b.Allowed - float64(d.Spent)
			b.Days[i] = d
		}
	}
	b.QoS = qos.Seconds{OK: a.ok, KO: a.spent}.QoS()
	for i, l := range Lookbacks {
		br := Burn{Lookback: l, KO: a.burnKO[i], Counted: a.burnCounted[i]}
		if br.Counted > 0 {
			br.Rate = float64(br.KO) / br.Counted / a.share
			br.Valid = true
		}
		b.Burn[i] = br
	}
	return b
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

// burn returns the KO and counted seconds of sample s inside lookback lb.
func burn(s Sample, lb qos.Window) (ko int64, counted float64) {
	cover := overlap(s.Window, lb.Start, lb.End)
	switch {
	case cover == 0:
		return 0, 0
	case cover == s.Window.Len():
		return s.KO, float64(s.OK + s.KO)
	}
	for _, p := range s.Downtime {
		ko += overlap(lb, p.From, p.To)
	}
	counted = float64(ko)
	// The rest of the covered part is OK or Unknown, in the proportions of
	// the whole sample's time that was not KO.
	if notKO := s.OK + s.Unknown; notKO > 0 {
		counted += float64(cover-ko) * float64(s.OK) / float64(notKO)
	}
	return ko, counted
}

// overlap is the length of [from, to) ∩ w.
func overlap(w qos.Window, from, to int64) int64 {
	lo, hi := max(w.Start, from), min(w.End, to)
	if hi <= lo {
		return 0
	}
	return hi - lo
}
