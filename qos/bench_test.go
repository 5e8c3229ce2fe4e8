package qos_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/depc-dev/depc/qos"
)

const day = 86400

// randomTimeline returns a timeline over w with about the given number
// of change points: OK with KO incidents of up to an hour at random
// instants, two change points each, as a monitored service looks.
func randomTimeline(r *rand.Rand, w qos.Window, changes int) qos.Timeline {
	var ko []qos.Period
	for range changes / 2 {
		from := w.Start + 1 + r.Int64N(w.Len()-2)
		ko = append(ko, qos.Period{From: from, To: min(from+1+r.Int64N(3600), w.End-1)})
	}
	if changes%2 == 1 {
		ko = append(ko, qos.Period{From: w.End - 1 - r.Int64N(3600), To: w.End})
	}
	var ivs []qos.Interval
	at := w.Start
	for _, p := range qos.NormalizePeriods(ko) {
		if p.From > at {
			ivs = append(ivs, qos.Interval{From: at, To: p.From, State: qos.OK})
		}
		ivs = append(ivs, qos.Interval{From: p.From, To: p.To, State: qos.KO})
		at = p.To
	}
	if at < w.End {
		ivs = append(ivs, qos.Interval{From: at, To: w.End, State: qos.OK})
	}
	tl, err := qos.NewTimeline(w, ivs)
	if err != nil {
		panic(err)
	}
	return tl
}

func changePoints(tls []qos.Timeline) int {
	n := 0
	for _, tl := range tls {
		n += len(tl.Intervals()) - 1
	}
	return n
}

func benchOperate(b *testing.B, op qos.Operation, nChildren, changes int) {
	r := rand.New(rand.NewPCG(1, 2))
	w := qos.Window{Start: 1709251200, End: 1709251200 + day}
	tls := make([]qos.Timeline, nChildren)
	children := make([]qos.Child, nChildren)
	for i := range tls {
		tls[i] = randomTimeline(r, w, changes)
		children[i] = qos.Child{Timeline: &tls[i], Periods: qos.Always, Relation: qos.Always}
	}
	var e qos.Engine
	e.Operate(w, op, qos.Always, children) // warm the scratch space
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		e.Operate(w, op, qos.Always, children)
	}
	reportThroughput(b, changePoints(tls), cpuTime()-cpu)
}

// reportThroughput reports change points per second of wall time and, as
// the machine may be shared, per second of CPU time with the CPU time per
// operation: on an idle machine both agree.
func reportThroughput(b *testing.B, changes int, cpu time.Duration) {
	cp := float64(changes) * float64(b.N)
	b.ReportMetric(cp/b.Elapsed().Seconds(), "changepoints/s")
	if cpu > 0 {
		b.ReportMetric(cp/cpu.Seconds(), "changepoints/cpu-s")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkOperate2 is the common node: two children with about four
// change points each over one day. Target: <= 1 µs.
func BenchmarkOperate2(b *testing.B) {
	b.Run("AND", func(b *testing.B) { benchOperate(b, qos.Operation{Operator: qos.And}, 2, 4) })
	b.Run("OR", func(b *testing.B) { benchOperate(b, qos.Operation{Operator: qos.Or}, 2, 4) })
	b.Run("RATIO", func(b *testing.B) { benchOperate(b, qos.Operation{Operator: qos.Ratio, R: 0.5}, 2, 4) })
}

// BenchmarkOperate1000 is a wide node: 1000 children with 10 change
// points each. Target: >= 20 million change points per second per core.
func BenchmarkOperate1000(b *testing.B) {
	b.Run("AND", func(b *testing.B) { benchOperate(b, qos.Operation{Operator: qos.And}, 1000, 10) })
	b.Run("ATLEAST", func(b *testing.B) { benchOperate(b, qos.Operation{Operator: qos.AtLeast, M: 900}, 1000, 10) })
}

// BenchmarkOperate1000Partial is the wide node with every relation active
// for part of the day only, so periods add change points too.
func BenchmarkOperate1000Partial(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	w := qos.Window{Start: 0, End: day}
	tls := make([]qos.Timeline, 1000)
	children := make([]qos.Child, len(tls))
	for i := range tls {
		tls[i] = randomTimeline(r, w, 10)
		from := r.Int64N(day / 2)
		children[i] = qos.Child{Timeline: &tls[i], Periods: qos.Always, Relation: qos.Periods{{From: from, To: from + day/2}}}
	}
	var e qos.Engine
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		e.Operate(w, qos.Operation{Operator: qos.And}, qos.Always, children)
	}
	reportThroughput(b, changePoints(tls)+2*len(tls), cpuTime()-cpu)
}

// BenchmarkIndicator is one day of one-minute datapoints (1440 points)
// with a few KO stretches. Target: <= 20 µs.
func BenchmarkIndicator(b *testing.B) {
	w := qos.Window{Start: 1709251200, End: 1709251200 + day}
	pts := make([]qos.Point, 1440)
	for i := range pts {
		v := 5.0
		if i%200 < 3 {
			v = 25
		}
		pts[i] = qos.Point{T: w.Start + int64(i)*60, V: v}
	}
	bound, err := qos.ParseThreshold("20")
	if err != nil {
		b.Fatal(err)
	}
	series := [][]qos.Point{pts}
	var e qos.Engine
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		e.Indicator(w, bound, series)
	}
	if cpu := cpuTime() - cpu; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkRule is a rule node of three indicators.
func BenchmarkRule(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	w := qos.Window{Start: 0, End: day}
	inds := []qos.Timeline{randomTimeline(r, w, 4), randomTimeline(r, w, 4), qos.Constant(w, qos.Unknown)}
	var e qos.Engine
	b.ReportAllocs()
	for b.Loop() {
		e.Rule(w, qos.Always, inds)
	}
}

// BenchmarkSeconds is the QoS of a node from its timeline.
func BenchmarkSeconds(b *testing.B) {
	tl := randomTimeline(rand.New(rand.NewPCG(7, 8)), qos.Window{Start: 0, End: day}, 10)
	for b.Loop() {
		_ = tl.QoS()
	}
}

// BenchmarkKOOverlap is root-cause attribution of one dependency.
func BenchmarkKOOverlap(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	w := qos.Window{Start: 0, End: day}
	a, d := randomTimeline(r, w, 10), randomTimeline(r, w, 10)
	for b.Loop() {
		_ = qos.KOOverlap(a, d)
	}
}

// BenchmarkSweeps compares the merging sweep and the sorting sweep by
// number of children (10 change points each): what wideChildren is
// chosen from.
func BenchmarkSweeps(b *testing.B) {
	for _, n := range []int{2, 8, 16, 32, 64, 256} {
		for _, method := range []struct {
			name string
			wide int
		}{{"merge", n + 1}, {"sort", 0}} {
			b.Run(fmt.Sprintf("n=%d/%s", n, method.name), func(b *testing.B) {
				defer qos.SetWideChildren(method.wide)()
				benchOperate(b, qos.Operation{Operator: qos.And}, n, 10)
			})
		}
	}
}

// BenchmarkExplain explains a Customer-like node, ATLEAST(8) of ten
// children with ten change points each over one day, with the weights
// its causal paths need. After the first call it allocates nothing.
func BenchmarkExplain(b *testing.B) {
	r := rand.New(rand.NewPCG(11, 12))
	w := qos.Window{Start: 0, End: day}
	tls := make([]qos.Timeline, 10)
	children := make([]qos.Child, len(tls))
	for i := range tls {
		tls[i] = randomTimeline(r, w, 10)
		children[i] = qos.Child{Timeline: &tls[i], Periods: qos.Always, Relation: qos.Always}
	}
	op := qos.Operation{Operator: qos.AtLeast, M: 8}
	focus := qos.Uniform(w, 1)
	var e qos.Engine
	var x qos.Explanation
	e.Explain(&x, w, op, qos.Always, children, focus, true)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		e.Explain(&x, w, op, qos.Always, children, focus, true)
	}
	reportThroughput(b, changePoints(tls), cpuTime()-cpu)
}
