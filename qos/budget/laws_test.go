package budget_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/budget"
)

// randomInput returns days of random results ending at now, in a window
// of n days, each day measured in full except today.
func randomInput(r *rand.Rand) budget.Input {
	targets := []float64{90, 99, 99.5, 99.9, 99.95, 99.99, 50, 12.5}
	days := 1 + r.IntN(31)
	const day = 86400
	in := budget.Input{Target: targets[r.IntN(len(targets))], Window: qos.Window{Start: 0, End: int64(days) * day}}
	in.Now = int64(r.IntN(days))*day + int64(r.IntN(day+1))
	for d := int64(0); d*day < in.Now; d++ {
		if r.IntN(8) == 0 {
			continue // no result for that day
		}
		w := qos.Window{Start: d * day, End: min((d+1)*day, in.Now)}
		s := budget.Sample{Day: "d", Window: w}
		t := w.Start
		for t < w.End {
			l := min(int64(1+r.IntN(4*3600)), w.End-t)
			switch r.IntN(5) {
			case 0:
				s.KO += l
				if n := len(s.Downtime); n > 0 && s.Downtime[n-1].To == t {
					s.Downtime[n-1].To += l
				} else {
					s.Downtime = append(s.Downtime, qos.Period{From: t, To: t + l})
				}
			case 1:
				s.Unknown += l
			default:
				s.OK += l
			}
			t += l
		}
		in.Samples = append(in.Samples, s)
	}
	return in
}

func TestLaws(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	for i := range 5000 {
		in := randomInput(r)
		b, err := budget.Compute(in)
		if err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		share := 1 - in.Target/100
		if b.Measured+b.Pending != in.Window.Len() || b.Counted > b.Measured {
			t.Fatalf("#%d: measured %d + pending %d, counted %d, window %d", i, b.Measured, b.Pending, b.Counted, in.Window.Len())
		}
		// The budget and the QoS agree once nothing is pending (away
		// from the boundary, where float rounding may differ).
		if b.Pending == 0 && b.Counted > 0 && math.Abs(b.Remaining) > 1e-6 {
			if met := b.QoS.Value >= in.Target; met != (b.Remaining >= 0) {
				t.Fatalf("#%d: qos %v target %v, remaining %v", i, b.QoS.Value, in.Target, b.Remaining)
			}
		}
		// The burn-down ends at the budget's remaining and never rises.
		for j, d := range b.Days {
			if j > 0 && d.Remaining > b.Days[j-1].Remaining {
				t.Fatalf("#%d: days[%d] remaining rises", i, j)
			}
		}
		if n := len(b.Days); n > 0 && b.Days[n-1].Remaining != b.Remaining {
			t.Fatalf("#%d: last day %v, remaining %v", i, b.Days[n-1].Remaining, b.Remaining)
		}
		for j, br := range b.Burn {
			if br.Valid != (br.Counted > 0) || float64(br.KO) > br.Counted+1e-6 || br.Counted > float64(br.Lookback)+1e-6 {
				t.Fatalf("#%d: burn %d: %+v", i, j, br)
			}
			if br.Valid && math.Abs(br.Rate*share*br.Counted-float64(br.KO)) > 1e-6*float64(br.Lookback) {
				t.Fatalf("#%d: burn %d: rate %v × share × counted is not ko %d", i, j, br.Rate, br.KO)
			}
		}
	}
}

// A lookback that covers every sample whole counts exactly the samples:
// its rate is the window's spent over its allowed share of counted time.
func TestBurnOverWholeSamples(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2))
	for i := range 2000 {
		in := randomInput(r)
		if len(in.Samples) == 0 || in.Window.Len() > 3*86400 {
			continue
		}
		in.Now = in.Window.End
		b, err := budget.Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		br := b.Burn[3] // 3 days: the whole window
		if br.KO != b.Spent || br.Counted != float64(b.Counted) {
			t.Fatalf("#%d: 3d burn ko %d counted %v, budget spent %d counted %d", i, br.KO, br.Counted, b.Spent, b.Counted)
		}
	}
}

// Without Unknown time, a lookback counts exactly the time it covers.
func TestBurnWithoutUnknownIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 3))
	for range 2000 {
		in := randomInput(r)
		covered := make([]int64, len(budget.Lookbacks))
		for k := range in.Samples {
			s := &in.Samples[k]
			s.OK += s.Unknown
			s.Unknown = 0
			for j, l := range budget.Lookbacks {
				covered[j] += max(0, min(s.Window.End, in.Now)-max(s.Window.Start, in.Now-l))
			}
		}
		b, err := budget.Compute(in)
		if err != nil {
			t.Fatal(err)
		}
		for j, br := range b.Burn {
			if math.Abs(br.Counted-float64(covered[j])) > 1e-6 {
				t.Fatalf("lookback %d: counted %v, covered %d", br.Lookback, br.Counted, covered[j])
			}
		}
	}
}

func TestKindDays(t *testing.T) {
	for _, tt := range []struct {
		kind        budget.Kind
		today       string
		first, last string
	}{
		{budget.Rolling7, "2026-03-05", "2026-02-27", "2026-03-05"},
		{budget.Rolling28, "2026-03-05", "2026-02-06", "2026-03-05"},
		{budget.Rolling30, "2026-03-05", "2026-02-04", "2026-03-05"},
		{budget.Rolling30, "2024-03-01", "2024-02-01", "2024-03-01"},
		{budget.Month, "2026-03-05", "2026-03-01", "2026-03-31"},
		{budget.Month, "2024-02-29", "2024-02-01", "2024-02-29"},
		{budget.Month, "2026-12-31", "2026-12-01", "2026-12-31"},
	} {
		first, last, err := tt.kind.Days(tt.today)
		if err != nil || first != tt.first || last != tt.last {
			t.Errorf("%s.Days(%s) = %s, %s, %v; want %s, %s", tt.kind, tt.today, first, last, err, tt.first, tt.last)
		}
	}
	if _, _, err := budget.Kind("weekly").Days("2026-03-05"); err == nil {
		t.Error("an unknown kind has days")
	}
	if _, _, err := budget.Rolling7.Days("2026-3-5"); err == nil {
		t.Error("a bad day has a window")
	}
	for _, k := range budget.Kinds {
		if !k.Valid() {
			t.Errorf("%s is not valid", k)
		}
	}
	if budget.Kind("rolling_1d").Valid() {
		t.Error("rolling_1d is valid")
	}
}

func TestCheckTarget(t *testing.T) {
	for _, v := range []float64{0.001, 50, 99.9, 99.999} {
		if err := budget.CheckTarget(v); err != nil {
			t.Errorf("%v: %v", v, err)
		}
	}
	for _, v := range []float64{0, -1, 100, 100.5, math.NaN(), math.Inf(1)} {
		if err := budget.CheckTarget(v); err == nil {
			t.Errorf("%v is a target", v)
		}
	}
}
