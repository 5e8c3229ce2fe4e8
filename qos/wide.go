package qos

import "math/bits"

// wideChildren is the number of children from which an operation is
// computed by sorting all changes (sweepWide) rather than by merging the
// children through a heap (sweepMerge): a heap costs log(children)
// unpredictable branches per change point, a radix sort a few predictable
// passes. A variable so that tests can run both methods on any input.
var wideChildren = 64

// A change, in the wide sweep, packs into a uint64 the offset of its
// instant from the window's start (high bits) and how the counts of
// children taking part (n) and OK (k) move (low changeBits bits): code
// (dn+1)<<2 | (dk+1). Sorting the uint64s sorts the changes by instant.
const changeBits = 4

// stateDelta[s&3] is (taking part, OK) of a child in state s; the mask
// keeps an index in range whatever s is (states above KO never reach here:
// every Timeline is validated when built).
var stateDelta = [4][2]int8{Unknown: {0, 0}, OK: {1, 1}, KO: {1, 0}}

func changeCode(old, s State) uint64 {
	dn := stateDelta[s&3][0] - stateDelta[old&3][0]
	dk := stateDelta[s&3][1] - stateDelta[old&3][1]
	return uint64((dn+1)<<2 | (dk + 1))
}

// sweepWide computes the parent's timeline by collecting every child's
// changes of state (one child at a time, walking memory in order), sorting
// them with a radix sort on their instants, and applying them in order.
// It also computes each child's Part on the way.
func (e *Engine) sweepWide(w Window, op Operation, parent Periods) Timeline {
	ev := e.events[:0]
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
		pj := parent.search(w.Start)
		since := w.Start
		if c.plain {
			// The common case: node and relation active all window,
			// so the child's changes are its timeline's.
			old := c.state
			for ti := c.ti; ti < len(c.tl); ti++ {
				iv := &c.tl[ti]
				if iv.From >= w.End {
					break
				}
				if iv.From > w.Start && iv.State != old {
					if old != Unknown {
						c.part += activeIn(parent, &pj, since, iv.From)
					}
					ev = append(ev, uint64(iv.From-w.Start)<<changeBits|changeCode(old, iv.State))
					since = iv.From
					old = iv.State
				}
				if iv.To < w.End && (ti+1 == len(c.tl) || c.tl[ti+1].From != iv.To) {
					// A gap in the timeline: Unknown until the next
					// interval. Canonical timelines have none.
					if old != Unknown {
						c.part += activeIn(parent, &pj, since, iv.To)
						ev = append(ev, uint64(iv.To-w.Start)<<changeBits|changeCode(old, Unknown))
					}
					since, old = iv.To, Unknown
				}
			}
			if old != Unknown {
				c.part += activeIn(parent, &pj, since, w.End)
			}
		} else {
			for c.next < w.End {
				t, old := c.next, c.state
				c.seek(t)
				if c.state != old {
					if old != Unknown {
						c.part += activeIn(parent, &pj, since, t)
					}
					ev = append(ev, uint64(t-w.Start)<<changeBits|changeCode(old, c.state))
					since = t
				}
			}
			if c.state != Unknown {
				c.part += activeIn(parent, &pj, since, w.End)
			}
		}
		c.tl, c.node, c.rel = nil, nil, nil
	}
	e.events = ev
	ev = e.sortChanges(uint64(w.Len() - 1))

	pi := parent.search(w.Start)
	pActive, pNext := false, PosInf
	if pi < len(parent) {
		if parent[pi].From <= w.Start {
			pActive, pNext = true, parent[pi].To
		} else {
			pNext = parent[pi].From
		}
	}
	b := builder{ivs: e.out[:0]}
	cur, curFrom := Unknown, w.Start
	if pActive {
		cur = op.state(n, k)
	}
	j := 0
	for {
		t := pNext
		if j < len(ev) {
			t = min(t, w.Start+int64(ev[j]>>changeBits))
		}
		if t >= w.End {
			break
		}
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
		off := uint64(t - w.Start)
		for ; j < len(ev) && ev[j]>>changeBits == off; j++ {
			n += int(ev[j]>>2&3) - 1
			k += int(ev[j]&3) - 1
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
	e.out = b.ivs[:0]
	return Timeline{w: w, ivs: e.clone(b.ivs)}
}

// covers reports whether the period at index i of ps covers w.
func (ps Periods) covers(i int, w Window) bool {
	return i < len(ps) && ps[i].From <= w.Start && ps[i].To >= w.End
}

// activeIn returns the seconds of [a, b) during which ps is active. *j is
// where the search starts, and it is advanced: successive calls must come
// with non-decreasing a.
func activeIn(ps Periods, j *int, a, b int64) int64 {
	for *j < len(ps) && ps[*j].To <= a {
		*j++
	}
	var sum int64
	for i := *j; i < len(ps) && ps[i].From < b; i++ {
		if from, to := max(ps[i].From, a), min(ps[i].To, b); from < to {
			sum += to - from
		}
	}
	return sum
}

// sortChanges sorts e.events by instant, the offsets being at most
// maxOffset, and returns the sorted slice (e.events or e.sorted). Few
// changes are insertion-sorted; more are radix-sorted, least significant
// digit first, over only the bits the window's length needs, with digits
// of 8 bits (256 counters) or, for many changes, 11 bits (2048 counters,
// still in L1): fewer passes once the counters cost less than the data.
func (e *Engine) sortChanges(maxOffset uint64) []uint64 {
	ev := e.events
	if len(ev) < 48 {
		for i := 1; i < len(ev); i++ {
			for j := i; j > 0 && ev[j] < ev[j-1]; j-- {
				ev[j], ev[j-1] = ev[j-1], ev[j]
			}
		}
		return ev
	}
	if cap(e.sorted) < len(ev) {
		e.sorted = make([]uint64, len(ev))
	}
	digit := uint(8)
	if len(ev) >= 4096 {
		digit = 11
	}
	mask := uint64(1)<<digit - 1
	src, dst := ev, e.sorted[:len(ev)]
	var counts [1 << 11]int32
	count := counts[:mask+1]
	for shift := uint(changeBits); shift < changeBits+uint(bits.Len64(maxOffset)); shift += digit {
		clear(count)
		for _, x := range src {
			count[x>>shift&mask]++
		}
		var sum int32
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, x := range src {
			d := x >> shift & mask
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	}
	e.events, e.sorted = src[:0], dst[:0]
	return src
}
