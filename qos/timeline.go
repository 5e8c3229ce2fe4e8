package qos

import (
	"fmt"
	"slices"
	"strconv"
)

// Interval is a part [From, To) of a timeline during which the state is
// State.
type Interval struct {
	From, To int64
	State    State
}

// Len is the interval's length in seconds.
func (iv Interval) Len() int64 { return iv.To - iv.From }

// Timeline is the state of one node over a window (semantics §2): sorted,
// non-overlapping intervals that cover the window exactly, each OK, KO or
// Unknown, with no two adjacent intervals in the same state. Every
// constructor in this package returns that canonical form, so two timelines
// are equal (Equal) iff their windows and interval lists are equal.
//
// A Timeline is a value: its intervals are never modified after it is built,
// and copies share them. The zero Timeline is the timeline of the empty
// window at 0; a timeline over an empty window has no interval.
type Timeline struct {
	w   Window
	ivs []Interval
}

// NewTimeline returns the timeline over w made of ivs, which must cover w
// exactly: sorted, each non-empty, the first starting at w.Start, each
// starting where the previous one ends, the last ending at w.End, every
// state Unknown, OK or KO. Adjacent intervals in the same state are merged.
// ivs is copied. For an empty window ivs must be empty.
func NewTimeline(w Window, ivs []Interval) (Timeline, error) {
	if w.Empty() {
		if len(ivs) > 0 {
			return Timeline{}, fmt.Errorf("timeline: window [%d, %d) is empty but %d intervals were given", w.Start, w.End, len(ivs))
		}
		return Timeline{w: w}, nil
	}
	if len(ivs) == 0 {
		return Timeline{}, fmt.Errorf("timeline: no interval covers the window [%d, %d)", w.Start, w.End)
	}
	at := w.Start
	for i, iv := range ivs {
		switch {
		case iv.From != at:
			return Timeline{}, fmt.Errorf("timeline: interval %d starts at %d, want %d", i, iv.From, at)
		case iv.To <= iv.From:
			return Timeline{}, fmt.Errorf("timeline: interval %d [%d, %d) is empty", i, iv.From, iv.To)
		case iv.State > KO:
			return Timeline{}, fmt.Errorf("timeline: interval %d has an invalid state %d", i, iv.State)
		}
		at = iv.To
	}
	if at != w.End {
		return Timeline{}, fmt.Errorf("timeline: intervals end at %d, want the window's end %d", at, w.End)
	}
	var b builder
	b.ivs = make([]Interval, 0, len(ivs))
	for _, iv := range ivs {
		b.add(iv.From, iv.To, iv.State)
	}
	return Timeline{w: w, ivs: slices.Clip(b.ivs)}, nil
}

// Constant returns the timeline over w that is s everywhere.
func Constant(w Window, s State) Timeline {
	if w.Empty() {
		return Timeline{w: w}
	}
	return Timeline{w: w, ivs: []Interval{{w.Start, w.End, s}}}
}

// Window is the window the timeline covers.
func (t Timeline) Window() Window { return t.w }

// Intervals returns the timeline's intervals. The slice is shared with the
// timeline: the caller must not modify it.
func (t Timeline) Intervals() []Interval { return t.ivs }

// StateAt returns the state at instant x, Unknown outside the window.
func (t Timeline) StateAt(x int64) State {
	lo, hi := 0, len(t.ivs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if t.ivs[m].To > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	if lo < len(t.ivs) && t.ivs[lo].From <= x {
		return t.ivs[lo].State
	}
	return Unknown
}

// Equal reports whether t and u have the same window and the same
// intervals.
func (t Timeline) Equal(u Timeline) bool {
	return t.w == u.w && slices.Equal(t.ivs, u.ivs)
}

// Seconds are the seconds of a window spent in each state.
type Seconds struct {
	OK, KO, Unknown int64
}

// QoS returns 100 × OK / (OK + KO), unrounded; null when OK + KO = 0.
func (s Seconds) QoS() QoS {
	known := s.OK + s.KO
	if known <= 0 {
		return QoS{}
	}
	return QoS{Value: 100 * float64(s.OK) / float64(known), Valid: true}
}

// Seconds returns the seconds the timeline spends OK, KO and Unknown. They
// add up to the window's length.
func (t Timeline) Seconds() Seconds {
	var s Seconds
	for _, iv := range t.ivs {
		switch iv.State {
		case OK:
			s.OK += iv.To - iv.From
		case KO:
			s.KO += iv.To - iv.From
		default:
			s.Unknown += iv.To - iv.From
		}
	}
	return s
}

// QoS returns the timeline's unrounded QoS (semantics §2), null when it is
// never OK or KO.
func (t Timeline) QoS() QoS { return t.Seconds().QoS() }

// Downtime returns the KO intervals of the timeline, in a new slice; nil
// when it is never KO.
func (t Timeline) Downtime() []Period {
	var out []Period
	for _, iv := range t.ivs {
		if iv.State == KO {
			out = append(out, Period{iv.From, iv.To})
		}
	}
	return out
}

// AppendDowntime appends the KO intervals of the timeline to dst: the
// Downtime of a million nodes written into one reused buffer.
func (t Timeline) AppendDowntime(dst []Period) []Period {
	for _, iv := range t.ivs {
		if iv.State == KO {
			dst = append(dst, Period{iv.From, iv.To})
		}
	}
	return dst
}

// Restrict returns the timeline that is t inside ps and Unknown outside:
// the timeline of a node that is active only during ps. ps must be a
// canonical period set.
func (t Timeline) Restrict(ps Periods) Timeline {
	if t.w.Empty() {
		return t
	}
	var b builder
	b.ivs = make([]Interval, 0, len(t.ivs)+2*len(ps)+1)
	at := t.w.Start
	j := ps.search(at)
	for _, iv := range t.ivs {
		for at < iv.To {
			for j < len(ps) && ps[j].To <= at {
				j++
			}
			if j == len(ps) || ps[j].From >= iv.To {
				b.add(at, iv.To, Unknown)
				at = iv.To
				break
			}
			if ps[j].From > at {
				b.add(at, ps[j].From, Unknown)
				at = ps[j].From
			}
			end := min(ps[j].To, iv.To)
			b.add(at, end, iv.State)
			at = end
		}
	}
	return Timeline{w: t.w, ivs: slices.Clip(b.ivs)}
}

// String returns the intervals as "[from,to)STATE" separated by spaces,
// for messages and debugging.
func (t Timeline) String() string {
	if len(t.ivs) == 0 {
		return fmt.Sprintf("empty window [%d,%d)", t.w.Start, t.w.End)
	}
	b := make([]byte, 0, 24*len(t.ivs))
	for i, iv := range t.ivs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, iv.From, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, iv.To, 10)
		b = append(b, ')')
		b = append(b, iv.State.String()...)
	}
	return string(b)
}

// builder appends intervals in time order, merging an interval into the
// previous one when they touch and share a state, and dropping empty ones:
// what keeps every computed timeline canonical.
type builder struct {
	ivs []Interval
}

func (b *builder) add(from, to int64, s State) {
	if from >= to {
		return
	}
	if n := len(b.ivs); n > 0 && b.ivs[n-1].State == s && b.ivs[n-1].To == from {
		b.ivs[n-1].To = to
		return
	}
	b.ivs = append(b.ivs, Interval{from, to, s})
}
