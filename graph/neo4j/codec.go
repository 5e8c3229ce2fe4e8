package neo4j

import (
	"fmt"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// Properties of a node or relation in Neo4j (the queries name them):
//
//	team     (nodes) the team; with label and name, the key (unique by
//	         the constraint depc_node_key)
//	label    (nodes) the depc label
//	name     (nodes) the depc name
//	periods  the derived period set, flattened [from0, to0, from1, to1, …];
//	         absent when it is qos.Always (no period information, the
//	         case of most nodes), which saves a property record each
//	opens    the event set's opens (absent when empty)
//	closes   the event set's closes (absent when empty)
//	spans    the event set's spans, flattened like periods (absent when empty)
//
// Unbounded ends are stored as qos.NegInf and qos.PosInf, the int64
// extremes: Cypher integers are 64-bit, so `from < $end AND to > $start`
// needs no special case for them.

// flattenPeriods turns a period set into the stored array.
func flattenPeriods(ps depc.Periods) []int64 {
	out := make([]int64, 0, 2*len(ps))
	for _, p := range ps {
		out = append(out, p.From, p.To)
	}
	return out
}

// periodsProp is the stored form of a period set: nil (no property) for
// qos.Always.
func periodsProp(ps depc.Periods) any {
	if len(ps) == 1 && ps[0] == qos.Always[0] {
		return nil
	}
	return flattenPeriods(ps)
}

// eventProps are the stored arrays of an event set; nil stands for an
// empty list, which removes the property.
func eventProps(s depc.EventSet) (opens, closes, spans any) {
	if len(s.Opens) > 0 {
		opens = s.Opens
	}
	if len(s.Closes) > 0 {
		closes = s.Closes
	}
	if len(s.Spans) > 0 {
		spans = flattenPeriods(depc.Periods(s.Spans))
	}
	return opens, closes, spans
}

// ints converts a stored integer array as the driver returns it.
func ints(v any) ([]int64, error) {
	switch xs := v.(type) {
	case nil:
		return nil, nil
	case []int64:
		return xs, nil
	case []any:
		out := make([]int64, len(xs))
		for i, x := range xs {
			n, ok := x.(int64)
			if !ok {
				return nil, fmt.Errorf("element %d is %T, want an integer", i, x)
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("%T is not an integer list", v)
}

// pairs reads a flattened period list. It checks the shape, not the order:
// stored lists were written canonical by this package.
func pairs(v any) ([]depc.Period, error) {
	xs, err := ints(v)
	if err != nil {
		return nil, err
	}
	if len(xs)%2 != 0 {
		return nil, fmt.Errorf("odd length %d", len(xs))
	}
	out := make([]depc.Period, len(xs)/2)
	for i := range out {
		out[i] = depc.Period{From: xs[2*i], To: xs[2*i+1]}
	}
	return out, nil
}

// readPeriods reads a stored period set. A missing property (or an empty
// list, which queries use for it where a null would vanish, as in
// collect) means no period information: active always. No event set
// derives an empty period set, so nothing is lost.
func readPeriods(v any) (depc.Periods, error) {
	ps, err := pairs(v)
	if err != nil {
		return nil, fmt.Errorf("periods: %w", err)
	}
	if len(ps) == 0 {
		// A fresh slice: sinks may keep (and own) what they are given.
		return depc.Periods{{From: qos.NegInf, To: qos.PosInf}}, nil
	}
	return depc.Periods(ps), nil
}

// readEventSet reads a stored event set. Stored sets were written sorted
// and distinct by this package; one that is not (edited by hand, say) is
// rebuilt, since EventSet's merging relies on that order.
func readEventSet(opens, closes, spans any) (depc.EventSet, error) {
	var s depc.EventSet
	var err error
	if s.Opens, err = ints(opens); err != nil {
		return s, fmt.Errorf("opens: %w", err)
	}
	if s.Closes, err = ints(closes); err != nil {
		return s, fmt.Errorf("closes: %w", err)
	}
	if s.Spans, err = pairs(spans); err != nil {
		return s, fmt.Errorf("spans: %w", err)
	}
	for _, p := range s.Spans {
		if p.From >= p.To {
			return s, fmt.Errorf("spans: empty span [%d, %d)", p.From, p.To)
		}
	}
	if len(s.Opens) == 0 {
		s.Opens = nil
	}
	if len(s.Closes) == 0 {
		s.Closes = nil
	}
	if len(s.Spans) == 0 {
		s.Spans = nil
	}
	if canonical(s) {
		return s, nil
	}
	var rebuilt depc.EventSet
	for _, t := range s.Opens {
		rebuilt.Add(depc.Event{Kind: depc.EventOpen, From: t})
	}
	for _, t := range s.Closes {
		rebuilt.Add(depc.Event{Kind: depc.EventClose, To: t})
	}
	for _, p := range s.Spans {
		rebuilt.Add(depc.Event{Kind: depc.EventSpan, From: p.From, To: p.To})
	}
	return rebuilt, nil
}

// canonical reports whether the set's lists are sorted and distinct.
func canonical(s depc.EventSet) bool {
	for i := 1; i < len(s.Opens); i++ {
		if s.Opens[i-1] >= s.Opens[i] {
			return false
		}
	}
	for i := 1; i < len(s.Closes); i++ {
		if s.Closes[i-1] >= s.Closes[i] {
			return false
		}
	}
	for i := 1; i < len(s.Spans); i++ {
		a, b := s.Spans[i-1], s.Spans[i]
		if a.From > b.From || (a.From == b.From && a.To >= b.To) {
			return false
		}
	}
	return true
}
