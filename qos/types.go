package qos

import (
	"fmt"
	"math"
)

// NegInf and PosInf stand for the unbounded ends of a period: a period that
// has run since the beginning of time starts at NegInf, an open one ends at
// PosInf. They are ordinary int64 values so the interval arithmetic needs no
// special cases.
const (
	NegInf int64 = math.MinInt64
	PosInf int64 = math.MaxInt64
)

// Window is the half-open time range [Start, End) in Unix seconds over which
// a timeline or a QoS is computed. A window with End <= Start is empty.
// Windows are finite: NegInf and PosInf belong to periods, not windows.
type Window struct {
	Start, End int64
}

// Len is the window's length in seconds, 0 for an empty window.
func (w Window) Len() int64 {
	if w.End <= w.Start {
		return 0
	}
	return w.End - w.Start
}

// Empty reports whether the window holds no instant.
func (w Window) Empty() bool { return w.End <= w.Start }

// Contains reports whether t lies in [Start, End).
func (w Window) Contains(t int64) bool { return w.Start <= t && t < w.End }

// Period is a validity interval [From, To) in Unix seconds. From may be
// NegInf and To may be PosInf.
type Period struct {
	From, To int64
}

// Periods is a period set: sorted, disjoint, with touching periods merged
// (NormalizePeriods makes one from any list). A nil or empty set means
// "never active"; "no period information" is represented explicitly as
// Always.
type Periods []Period

// Always is the period set of an entity with no period information: active
// from NegInf to PosInf. It must not be modified.
var Always = Periods{{NegInf, PosInf}}

// State is the state of a node at an instant.
type State uint8

// The states. The zero State is Unknown: nothing is known, the instant
// counts neither for nor against the QoS.
const (
	Unknown State = iota
	OK
	KO
)

// String returns "UNKNOWN", "OK" or "KO".
func (s State) String() string {
	switch s {
	case Unknown:
		return "UNKNOWN"
	case OK:
		return "OK"
	case KO:
		return "KO"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Point is one datapoint of a series: the value V at instant T.
type Point struct {
	T int64
	V float64
}
