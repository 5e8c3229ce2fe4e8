package qos

import "slices"

// Engine computes timelines: operations, rules and indicators. It keeps
// scratch buffers between calls so that a run computing a million nodes
// allocates little more than the results: use one Engine per goroutine and
// reuse it. The zero Engine is ready to use. An Engine is not safe for
// concurrent use.
type Engine struct {
	cursors []cursor
	heap    []event
	events  []uint64 // wide sweep: the children's changes, then sorted
	sorted  []uint64
	out     []Interval
	tls     []Interval // indicator: the series being evaluated
	acc     []Interval // indicator: the AND of the series so far

	// Explain: the KO children taking part (koSet, each one's index in it
	// koPos), where the totals stood when each became one, and whether
	// each child is active.
	koSet   []int32
	koPos   []int32
	koMarks []koMark
	act     []bool

	// slab is where the results of Operate are copied: one allocation
	// for thousands of nodes' timelines instead of one each (Intervals hold no pointers,
	// so the garbage collector does not scan it either).
	slab []Interval
	// own makes clone allocate the result on its own.
	own bool
}

// slabSize is the number of intervals of one slab (1.5 MB): large enough
// that a million results take a few hundred allocations, small enough
// that a slab kept alive by a few results wastes little.
const slabSize = 1 << 16

// Child is one child of an operation node, as the caller feeds it to
// Operate: pointers and slices only, so building a []Child per node copies
// no timeline.
type Child struct {
	// Timeline is the child's timeline over the window. Nil, or outside
	// its own window, the child is Unknown.
	Timeline *Timeline
	// Periods are the child node's periods: Always when it has no period
	// information. Nil means never active, so the child never takes part.
	Periods Periods
	// Relation are the periods of the relation parent → child: Always when
	// it has no period information. Nil means never active.
	Relation Periods
	// Part is set by Operate: the seconds of the window during which the
	// parent was active and this child took part (relation active, child
	// active, child OK or KO). A child with Part > 0 is one of "the
	// children that took part" in the node's result.
	Part int64
}

// Operate computes the timeline of an operation node over w (semantics §5):
// at each instant the children taking part — relation active, child
// active, child OK or KO — are counted, n of them and k OK, and the parent
// is OK or KO by op (AND: k = n; OR: k >= 1; ATLEAST(m): k >= m;
// RATIO(r): k/n >= r), Unknown when n = 0, and Unknown wherever the parent
// is not active (parent, its periods). It sets children[i].Part.
//
// The computation is an exact sweep over the change points of the children
// timelines, their periods and the relations' periods, merged in time order;
// its cost grows with the number of change points, not with the window's
// length. The periods must be canonical (NormalizePeriods); other input
// gives some timeline, never a panic. An invalid op (Operation.Validate)
// gives Unknown where a valid one would give OK or KO.
func (e *Engine) Operate(w Window, op Operation, parent Periods, children []Child) Timeline {
	e.setup(len(children))
	for i := range children {
		c := &children[i]
		var tl []Interval
		if c.Timeline != nil {
			tl = c.Timeline.ivs
		}
		e.cursors[i] = cursor{tl: tl, node: c.Periods, rel: c.Relation}
	}
	t := e.sweep(w, op, parent)
	for i := range children {
		children[i].Part = e.cursors[i].part
	}
	return t
}

// Rule computes the timeline of a rule node over w (semantics §4): the AND
// of its indicators' timelines where Unknown indicators are left out, and
// Unknown wherever the node is not active (node, its periods). With no
// indicator, or every one Unknown, the node is Unknown over the window.
func (e *Engine) Rule(w Window, node Periods, indicators []Timeline) Timeline {
	e.setup(len(indicators))
	for i := range indicators {
		e.cursors[i] = cursor{tl: indicators[i].ivs, node: Always, rel: Always}
	}
	// A rule's result is often folded into the next one and dropped: in
	// a slab it would keep the slab's memory alive.
	e.own = true
	defer func() { e.own = false }()
	return e.sweep(w, Operation{Operator: And}, node)
}

// cursor walks one child's timeline, node periods and relation periods
// together. state is the child's effective state at the sweep's current
// instant: its timeline's state if the node and the relation are active,
// else Unknown (not taking part). next is the first instant after that at
// which state may change.
type cursor struct {
	tl         []Interval
	node, rel  Periods
	ti, ni, ri int
	next       int64
	since      int64 // the parent's active time (sweep.active) when the child began taking part
	part       int64
	state      State
	plain      bool // node and relation active all window
}

// seek moves the cursor to instant t, which is not before the previous one,
// and sets state and next.
func (c *cursor) seek(t int64) {
	for c.ti < len(c.tl) && c.tl[c.ti].To <= t {
		c.ti++
	}
	if c.plain {
		// Node and relation active all window: only the timeline moves.
		s, next := Unknown, PosInf
		if c.ti < len(c.tl) {
			if iv := &c.tl[c.ti]; iv.From <= t {
				s, next = iv.State, iv.To
			} else {
				next = iv.From
			}
		}
		if s > KO {
			s = Unknown
		}
		c.state, c.next = s, next
		return
	}
	for c.ni < len(c.node) && c.node[c.ni].To <= t {
		c.ni++
	}
	for c.ri < len(c.rel) && c.rel[c.ri].To <= t {
		c.ri++
	}
	s, next := Unknown, PosInf
	if c.ti < len(c.tl) {
		if iv := &c.tl[c.ti]; iv.From <= t {
			s, next = iv.State, iv.To
		} else {
			next = iv.From
		}
	}
	if c.ni < len(c.node) {
		if p := &c.node[c.ni]; p.From <= t {
			next = min(next, p.To)
		} else {
			s, next = Unknown, min(next, p.From)
		}
	} else {
		s = Unknown
	}
	if c.ri < len(c.rel) {
		if p := &c.rel[c.ri]; p.From <= t {
			next = min(next, p.To)
		} else {
			s, next = Unknown, min(next, p.From)
		}
	} else {
		s = Unknown
	}
	if s > KO {
		s = Unknown
	}
	c.state, c.next = s, next
}

// start positions the cursor at w.Start without walking every earlier
// interval or period: a node may have years of periods before the window.
func (c *cursor) start(w Window) {
	t := w.Start
	lo, hi := 0, len(c.tl)
	// A timeline over the window starts at its start: one read of its
	// first interval, not a binary search whose probes each miss the
	// cache (a child's timeline is seldom near its parent's in memory).
	if hi > 0 && c.tl[0].To > t {
		hi = 0
	}
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c.tl[m].To > t {
			hi = m
		} else {
			lo = m + 1
		}
	}
	c.ti, c.ni, c.ri = lo, c.node.search(t), c.rel.search(t)
	c.plain = c.node.covers(c.ni, w) && c.rel.covers(c.ri, w)
	c.seek(t)
}

// event is a heap entry: the child i may change state at t.
type event struct {
	t int64
	i int32
}

func (e *Engine) setup(n int) {
	if cap(e.cursors) < n {
		e.cursors = make([]cursor, n)
	}
	e.cursors = e.cursors[:n]
}

// sweep computes the parent's timeline from e.cursors, by the method that
// is fastest for their number.
func (e *Engine) sweep(w Window, op Operation, parent Periods) Timeline {
	if !op.valid() {
		// Operation.state answers Unknown for the zero Operator.
		op = Operation{}
	}
	if w.Empty() {
		for i := range e.cursors {
			e.cursors[i] = cursor{}
		}
		return Timeline{w: w}
	}
	if len(e.cursors) >= wideChildren && w.Len() < 1<<55 {
		return e.sweepWide(w, op, parent)
	}
	return e.sweepMerge(w, op, parent)
}

// sweepMerge computes the parent's timeline by a k-way merge of the
// children's change points through a min-heap: the fastest way for a few
// children, whose change points are already sorted.
func (e *Engine) sweepMerge(w Window, op Operation, parent Periods) Timeline {
	e.heap = e.heap[:0]
	var n, k int
	for i := range e.cursors {
		c := &e.cursors[i]
		c.start(w)
		if c.state != Unknown {
			n++
			if c.state == OK {
				k++
			}
		}
		if c.next < w.End {
			e.heap = append(e.heap, event{c.next, int32(i)})
		}
	}
	h := e.heap
	for i := len(h)/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}

	// The parent's periods, walked like a child's.
	pi := parent.search(w.Start)
	pActive, pNext := false, PosInf
	if pi < len(parent) {
		if parent[pi].From <= w.Start {
			pActive, pNext = true, parent[pi].To
		} else {
			pNext = parent[pi].From
		}
	}

	// active is the time the parent has been active since w.Start, up to
	// the current instant: a child's Part is the growth of active while it
	// takes part, so a change of the parent's activity costs O(1) however
	// many children take part.
	var active int64
	b := builder{ivs: e.out[:0]}
	cur, curFrom := Unknown, w.Start
	if pActive {
		cur = op.state(n, k)
	}
	prev := w.Start
	for {
		t := pNext
		if len(h) > 0 && h[0].t < t {
			t = h[0].t
		}
		if t >= w.End {
			break
		}
		if pActive {
			active += t - prev
		}
		prev = t
		if pNext == t {
			for pi < len(parent) && parent[pi].To <= t {
				pi++
			}
			pActive, pNext = false, PosInf
			if pi < len(parent) {
				if parent[pi].From <= t {
					pActive, pNext = true, parent[pi].To
				} else {
					pNext = parent[pi].From
				}
			}
		}
		for len(h) > 0 && h[0].t == t {
			c := &e.cursors[h[0].i]
			old := c.state
			c.seek(t)
			if s := c.state; s != old {
				if old != Unknown {
					n--
					if old == OK {
						k--
					}
					c.part += active - c.since
				}
				if s != Unknown {
					n++
					if s == OK {
						k++
					}
					c.since = active
				}
			}
			if c.next < w.End {
				h[0].t = c.next
			} else {
				last := len(h) - 1
				h[0] = h[last]
				h = h[:last]
			}
			if len(h) > 1 {
				siftDown(h, 0)
			}
		}
		s := Unknown
		if pActive {
			s = op.state(n, k)
		}
		if s != cur {
			b.add(curFrom, t, cur)
			cur, curFrom = s, t
		}
	}
	b.add(curFrom, w.End, cur)
	if pActive {
		active += w.End - prev
	}
	for i := range e.cursors {
		c := &e.cursors[i]
		if c.state != Unknown {
			c.part += active - c.since
		}
		// Drop the references to the caller's slices so that the
		// scratch space does not keep them alive.
		c.tl, c.node, c.rel = nil, nil, nil
	}
	e.heap, e.out = h[:0], b.ivs[:0]
	return Timeline{w: w, ivs: e.clone(b.ivs)}
}

// state is the parent's state with n children taking part, k of them OK.
func (op Operation) state(n, k int) State {
	if n == 0 {
		return Unknown
	}
	var ok bool
	switch op.Operator {
	case And:
		ok = k == n
	case Or:
		ok = k >= 1
	case AtLeast:
		ok = k >= op.M
	case Ratio:
		// k/n and r are both the float64 nearest their exact values, so
		// k/n = r exactly when the decimal r is the fraction k/n.
		ok = float64(k)/float64(n) >= op.R
	default:
		return Unknown
	}
	if ok {
		return OK
	}
	return KO
}

// siftDown restores the min-heap order of h below i.
func siftDown(h []event, i int) {
	n := len(h)
	x := h[i]
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && h[r].t < h[l].t {
			l = r
		}
		if h[l].t >= x.t {
			break
		}
		h[i] = h[l]
		i = l
	}
	h[i] = x
}

// clone returns a copy of ivs with no spare capacity, taken from the
// engine's slab: results live as long as the run, so their size matters,
// and so does the count of objects the garbage collector tracks.
func (e *Engine) clone(ivs []Interval) []Interval {
	n := len(ivs)
	if n > slabSize/8 || e.own {
		return slices.Clone(ivs)
	}
	if len(e.slab)+n > cap(e.slab) {
		e.slab = make([]Interval, 0, slabSize)
	}
	at := len(e.slab)
	e.slab = append(e.slab, ivs...)
	return e.slab[at : at+n : at+n]
}
