package qos

// Explanation says why a node was KO during a focus (semantics §7, root
// cause): at each KO instant, how many children took part and how many
// were OK against how many the operation needed, and which children are to
// blame. Explain and ExplainRule fill it; its slices are reused by the next
// call, so one Explanation serves every node of a root cause.
//
// The focus is a Weight: the KO instants where it is zero are not looked
// at, and each instant explained counts its weight. With Uniform(w, 1)
// every KO second counts one and Lost = KO.
//
// The laws, which the fuzzer checks: Σ Children[i].Share + StructuralLost =
// Lost; Children[i].Blamed ≤ Children[i].KO ≤ KO; Structural ≤ KO; the
// Reasons cover exactly the KO seconds; and explaining [a, c) gives the sum
// of explaining [a, b) and [b, c).
type Explanation struct {
	// KO is the seconds of the focus during which the node was KO.
	KO int64
	// Lost is the focus weight summed over those seconds.
	Lost float64
	// Structural is the part of KO during which fewer children took part
	// than the operation needs with them all OK (Reason.Structural): the
	// node was KO whatever the children's states, so no child is blamed.
	// Only ATLEAST(m) can be KO on structure. StructuralLost is its
	// weight.
	Structural     int64
	StructuralLost float64
	// Reasons cut the KO seconds of the focus where the counts change, in
	// time order; touching reasons with the same counts are merged.
	Reasons []Reason
	// Children has one Blame per child (or indicator), in the order given.
	Children []Blame
}

// Reason is why a node was KO during [From, To): Part children took part
// (relation and child active, child OK or KO), OK of them were OK, and the
// operation needs Needed OK children with Part taking part. Active counts
// the children whose relation and node were active, taking part or not
// (a child without data is active but does not take part).
type Reason struct {
	From, To int64
	Active   int
	Part     int
	OK       int
	Needed   int
}

// Structural reports whether the node was KO on structure: fewer children
// took part than needed, so it would be KO even with all of them OK.
func (r Reason) Structural() bool { return r.Part < r.Needed }

// Blame is what an Explanation says of one child.
type Blame struct {
	// KO is the seconds of the node's KO time, in the focus, during which
	// the child took part and was KO.
	KO int64
	// Blamed is the part of KO when the node was not KO on structure: the
	// child is one of the KO children that explain those seconds.
	Blamed int64
	// Share is the child's part of Lost: each blamed second's weight is
	// divided equally among the KO children of that second (they are
	// interchangeable: the operation counts them, it does not name them).
	Share float64
	// Weight is the child's part of the focus over time, the focus to
	// explain the child with: the node's focus divided by the number of KO
	// children at each blamed second. Filled only when asked for; the next
	// call reuses it.
	Weight Weight
}

// Needed returns the number of OK children the operation needs when n
// children take part: n for AND, 1 for OR, M for ATLEAST(M), and for
// RATIO(r) the least k with k/n ≥ r as Operate compares them. It is 0 when
// n is 0 (the node is then Unknown) or op is not valid.
func (op Operation) Needed(n int) int {
	if n <= 0 || !op.valid() {
		return 0
	}
	switch op.Operator {
	case And:
		return n
	case Or:
		return 1
	case AtLeast:
		return op.M
	}
	// The least k in [1, n] with state(n, k) OK: k = n always is (r ≤ 1).
	k := max(1, min(n, int(op.R*float64(n))))
	for k > 1 && float64(k-1)/float64(n) >= op.R {
		k--
	}
	for k < n && float64(k)/float64(n) < op.R {
		k++
	}
	return k
}

// Explain explains an operation node over w (see Explanation) for the KO
// instants where focus is not zero. The node's state at each instant is
// recomputed from the children exactly as Operate computes it, so the
// inputs are Operate's. With weights, each Blame.Weight is filled. It
// does not set the children's Part.
//
// The cost is a sweep over the change points of the children and of the
// focus, like Operate's, plus, with weights, one interval per KO child
// and blamed stretch.
func (e *Engine) Explain(x *Explanation, w Window, op Operation, parent Periods, children []Child, focus Weight, weights bool) {
	e.setup(len(children))
	for i := range children {
		c := &children[i]
		var tl []Interval
		if c.Timeline != nil {
			tl = c.Timeline.ivs
		}
		e.cursors[i] = cursor{tl: tl, node: c.Periods, rel: c.Relation}
	}
	e.explain(x, w, op, parent, focus, weights)
}

// ExplainRule explains a rule node over w: the AND of its indicators,
// Unknown ones left out, as Rule computes it. Its Children are the
// indicators, which are never KO on structure.
func (e *Engine) ExplainRule(x *Explanation, w Window, node Periods, indicators []Timeline, focus Weight, weights bool) {
	e.setup(len(indicators))
	for i := range indicators {
		e.cursors[i] = cursor{tl: indicators[i].ivs, node: Always, rel: Always}
	}
	e.explain(x, w, Operation{Operator: And}, node, focus, weights)
}

// koMark is where the running totals stood when a child became a KO child
// taking part: its Blame grows by their growth until it stops being one.
type koMark struct {
	ko, blamed int64
	share      float64
}

func (e *Engine) explain(x *Explanation, w Window, op Operation, parent Periods, focus Weight, weights bool) {
	n := len(e.cursors)
	x.KO, x.Lost, x.Structural, x.StructuralLost = 0, 0, 0, 0
	x.Reasons = x.Reasons[:0]
	if cap(x.Children) < n {
		x.Children = append(x.Children[:cap(x.Children)], make([]Blame, n-cap(x.Children))...)
	}
	x.Children = x.Children[:n]
	for i := range x.Children {
		x.Children[i] = Blame{Weight: x.Children[i].Weight[:0]}
	}
	if w.Empty() || !op.valid() {
		e.dropCursors()
		return
	}
	if cap(e.koPos) < n {
		e.koPos = make([]int32, n)
		e.koMarks = make([]koMark, n)
	}
	e.koPos, e.koMarks = e.koPos[:n], e.koMarks[:n]
	e.koSet = e.koSet[:0]
	if cap(e.act) < n {
		e.act = make([]bool, n)
	}
	e.act = e.act[:n]

	// The running totals of the blamed KO time: a child's Blame is their
	// growth while it is a KO child taking part.
	var tot koMark
	enter := func(i int) {
		e.koPos[i] = int32(len(e.koSet))
		e.koSet = append(e.koSet, int32(i))
		e.koMarks[i] = tot
	}
	leave := func(i int) {
		m, b := e.koMarks[i], &x.Children[i]
		b.KO += tot.ko - m.ko
		b.Blamed += tot.blamed - m.blamed
		b.Share += tot.share - m.share
		p := e.koPos[i]
		last := e.koSet[len(e.koSet)-1]
		e.koSet[p], e.koPos[last] = last, p
		e.koSet = e.koSet[:len(e.koSet)-1]
	}

	e.heap = e.heap[:0]
	var part, ok, active int
	for i := range e.cursors {
		c := &e.cursors[i]
		c.start(w)
		if e.act[i] = c.active(w.Start); e.act[i] {
			active++
		}
		if c.state != Unknown {
			part++
			if c.state == OK {
				ok++
			} else {
				enter(i)
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

	pi := parent.search(w.Start)
	pActive, pNext := false, PosInf
	if pi < len(parent) {
		if parent[pi].From <= w.Start {
			pActive, pNext = true, parent[pi].To
		} else {
			pNext = parent[pi].From
		}
	}
	fi := 0
	for fi < len(focus) && focus[fi].To <= w.Start {
		fi++
	}

	for t := w.Start; t < w.End; {
		next := min(pNext, w.End)
		if len(h) > 0 {
			next = min(next, h[0].t)
		}
		var v float64
		if fi < len(focus) {
			if f := focus[fi]; f.From <= t {
				v, next = f.V, min(next, f.To)
			} else {
				next = min(next, f.From)
			}
		}
		if pActive && v > 0 && op.state(part, ok) == KO {
			l := next - t
			needed := op.Needed(part)
			x.KO += l
			x.Lost += v * float64(l)
			x.addReason(Reason{From: t, To: next, Active: active, Part: part, OK: ok, Needed: needed})
			tot.ko += l
			if part < needed {
				x.Structural += l
				x.StructuralLost += v * float64(l)
			} else {
				each := v / float64(len(e.koSet))
				tot.blamed += l
				tot.share += each * float64(l)
				if weights {
					for _, i := range e.koSet {
						b := weightBuilder{ivs: x.Children[i].Weight}
						b.add(t, next, each)
						x.Children[i].Weight = b.ivs
					}
				}
			}
		}
		t = next
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
		for fi < len(focus) && focus[fi].To <= t {
			fi++
		}
		for len(h) > 0 && h[0].t == t {
			i := int(h[0].i)
			c := &e.cursors[i]
			old := c.state
			c.seek(t)
			if s := c.state; s != old {
				if old != Unknown {
					part--
					if old == OK {
						ok--
					} else {
						leave(i)
					}
				}
				if s != Unknown {
					part++
					if s == OK {
						ok++
					} else {
						enter(i)
					}
				}
			}
			if act := c.active(t); act != e.act[i] {
				e.act[i] = act
				if act {
					active++
				} else {
					active--
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
	}
	for len(e.koSet) > 0 {
		leave(int(e.koSet[len(e.koSet)-1]))
	}
	e.heap = h[:0]
	e.dropCursors()
}

// addReason appends r, merging it into the previous reason when they touch
// with the same counts.
func (x *Explanation) addReason(r Reason) {
	if n := len(x.Reasons); n > 0 {
		p := &x.Reasons[n-1]
		if p.To == r.From && p.Active == r.Active && p.Part == r.Part && p.OK == r.OK && p.Needed == r.Needed {
			p.To = r.To
			return
		}
	}
	x.Reasons = append(x.Reasons, r)
}

// active reports whether the child's node and relation are both active at
// t, the instant of the cursor's last seek.
func (c *cursor) active(t int64) bool {
	if c.plain {
		return true
	}
	return c.ni < len(c.node) && c.node[c.ni].From <= t && c.node[c.ni].To > t &&
		c.ri < len(c.rel) && c.rel[c.ri].From <= t && c.rel[c.ri].To > t
}

// dropCursors drops the references to the caller's slices so that the
// scratch space does not keep them alive.
func (e *Engine) dropCursors() {
	for i := range e.cursors {
		c := &e.cursors[i]
		c.tl, c.node, c.rel = nil, nil, nil
	}
}

// ExplainAggregate returns, appended to dst[:0], each child's weight in the
// loss of an aggregation node (semantics §7): with L = 100 − QoS the
// node's loss and l_i = 100 − values[i] a child's, L = Σ weight_i × l_i.
// AVERAGE weighs every child with a QoS 1/n (n of them); MIN weighs the
// children at the minimum 1/t (t of them, ties shared) and MAX those at
// the maximum, since the node's QoS is theirs; a null QoS weighs 0. A
// child's lost seconds times its weight are its part of the node's loss in
// seconds: the focus its own explanation gets.
func ExplainAggregate(dst []float64, a Aggregator, values []QoS) []float64 {
	dst = dst[:0]
	agg := Aggregate(a, values)
	ties := 0
	for _, q := range values {
		if q.Valid && (a == Average || q.Value == agg.Value) {
			ties++
		}
	}
	for _, q := range values {
		var wt float64
		if agg.Valid && q.Valid && (a == Average || q.Value == agg.Value) {
			wt = 1 / float64(ties)
		}
		dst = append(dst, wt)
	}
	return dst
}
