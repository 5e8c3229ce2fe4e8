package qos_test

import (
	"fmt"

	"github.com/depc-dev/depc/qos"
)

// Website = operation.AND[Filer, Apache] on one day (semantics §5).
func ExampleEngine_Operate() {
	const s = 1709251200 // 2024-03-01 00:00 UTC
	day := qos.Window{Start: s, End: s + 86400}
	filer, _ := qos.NewTimeline(day, []qos.Interval{
		{From: s, To: s + 3600, State: qos.OK},
		{From: s + 3600, To: s + 3660, State: qos.KO},
		{From: s + 3660, To: s + 86400, State: qos.OK},
	})
	apache, _ := qos.NewTimeline(day, []qos.Interval{
		{From: s, To: s + 7200, State: qos.OK},
		{From: s + 7200, To: s + 7320, State: qos.KO},
		{From: s + 7320, To: s + 86400, State: qos.OK},
	})
	children := []qos.Child{
		{Timeline: &filer, Periods: qos.Always, Relation: qos.Always},
		{Timeline: &apache, Periods: qos.Always, Relation: qos.Always},
	}
	var e qos.Engine
	for _, op := range []qos.Operation{
		{Operator: qos.And},
		{Operator: qos.Or},
		{Operator: qos.AtLeast, M: 3},
		{Operator: qos.Ratio, R: 0.6},
	} {
		website := e.Operate(day, op, qos.Always, children)
		fmt.Printf("%-10s ko %5d s  QoS %s\n", op, website.Seconds().KO, website.QoS())
	}
	fmt.Println("took part:", children[0].Part, children[1].Part)
	// Output:
	// AND        ko   180 s  QoS 99.792
	// OR         ko     0 s  QoS 100.000
	// ATLEAST(3) ko 86400 s  QoS 0.000
	// RATIO(0.6) ko   180 s  QoS 99.792
	// took part: 86400 86400
}

// A Threshold check over one day of datapoints (semantics §3).
func ExampleEngine_Indicator() {
	const s = 1709251200
	day := qos.Window{Start: s, End: s + 86400}
	bound, err := qos.ParseThreshold("20")
	if err != nil {
		fmt.Println(err)
		return
	}
	series := [][]qos.Point{{{T: s, V: 5}, {T: s + 13200, V: 25}, {T: s + 13260, V: 5}}}
	var e qos.Engine
	tl := e.Indicator(day, bound, series)
	sec := tl.Seconds()
	fmt.Println("ok", sec.OK, "ko", sec.KO, "QoS", tl.QoS(), "downtime", tl.Downtime())
	// Output:
	// ok 86340 ko 60 QoS 99.931 downtime [{1709264400 1709264460}]
}

func ExampleParseInterval() {
	_, err := qos.ParseInterval("299:200")
	fmt.Println(err)
	// Output:
	// interval "299:200": the lower bound is above the upper bound
}

func ExampleAggregate() {
	children := []qos.QoS{{Value: 99, Valid: true}, {}, {Value: 98, Valid: true}}
	fmt.Println(qos.Aggregate(qos.Average, children), qos.Aggregate(qos.Min, children), qos.Aggregate(qos.Max, nil))
	// Output:
	// 98.500 98.000 null
}

func ExampleRound() {
	q := 100 * 86340.0 / 86400
	fmt.Println(q, qos.Round(q, qos.DefaultDecimals), qos.Format(q, qos.DefaultDecimals), qos.Format(100, 3))
	// Output:
	// 99.93055555555556 99.931 99.931 100.000
}
