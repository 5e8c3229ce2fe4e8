package qos

import "math"

// NegInf and PosInf stand for the unbounded ends of a period: a period that
// has run since the beginning of time starts at NegInf, an open one ends at
// PosInf. They are ordinary int64 values so the interval arithmetic needs no
// special cases.
const (
	NegInf int64 = math.MinInt64
	PosInf int64 = math.MaxInt64
)

// Window is the half-open time range [Start, End) in Unix seconds over which
// a timeline or a QoS is computed.
type Window struct {
	Start, End int64
}

// Len is the window's length in seconds.
func (w Window) Len() int64 { return w.End - w.Start }

// Period is a validity interval [From, To) in Unix seconds. From may be
// NegInf and To may be PosInf.
type Period struct {
	From, To int64
}

// Periods is a period set: sorted, disjoint, with touching periods merged.
// A nil or empty set means "never active"; the graph layer represents "no
// period information" explicitly as Always.
type Periods []Period

// Always is the period set of an entity with no period information.
var Always = Periods{{NegInf, PosInf}}

// State is the state of a node at an instant.
type State uint8

const (
	Unknown State = iota
	OK
	KO
)

// Point is one datapoint of a series: the value v at instant T.
type Point struct {
	T int64
	V float64
}
