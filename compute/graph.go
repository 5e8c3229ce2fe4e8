package compute

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// graph is a team's graph over one window, as compact as a million nodes
// need it: arrays indexed by int32 node ids, adjacency in CSR form, and
// strings only for node names. Nodes are numbered in (label, name) order,
// so the nodes of a label are one contiguous range, sorted by name (found
// by binary search, written to the store in key order), and the children of
// a node are sorted the same way whatever order the store delivered them
// in: everything computed from the graph is deterministic.
//
// Periods are clipped to the window, which is all a computation over it
// looks at: a node or relation active throughout the window (nearly all of
// them) costs nothing beyond its id.
type graph struct {
	w      depc.Window
	labels []string // sorted; a node's label is an index into it

	names []string
	label []uint16
	// per is a node's periods inside w: perFull (active throughout w),
	// perNone (never), or an index into partial.
	per []int32
	// first[l] is the first node of label l; the nodes of l are
	// [first[l], first[l+1]).
	first []int32

	// The children of node i are child[off[i]:off[i+1]], with the
	// periods of the relation i → child in relPer (coded like per).
	off    []int32
	child  []int32
	relPer []int32

	partial []qos.Periods
	// shared is true while per and partial are those of a graph kept for
	// other days (forWindow): own copies them before a change.
	shared bool
}

const (
	perFull int32 = -1
	perNone int32 = -2
)

// always stands for "active throughout the window": qos.Always, which the
// engine reads the same inside any window.
var always = qos.Always

// periods returns the period set a per or relPer code stands for.
func (g *graph) periods(code int32) qos.Periods {
	switch code {
	case perFull:
		return always
	case perNone:
		return nil
	}
	return g.partial[code]
}

// nodes returns the range of the nodes of label l.
func (g *graph) nodes(l int) (lo, hi int32) { return g.first[l], g.first[l+1] }

func (g *graph) labelIndex(label string) (int, bool) { return slices.BinarySearch(g.labels, label) }

// find returns the id of the node key, or -1.
func (g *graph) find(key depc.NodeKey) int32 {
	l, ok := g.labelIndex(key.Label)
	if !ok {
		return -1
	}
	lo, hi := g.nodes(l)
	i, ok := slices.BinarySearch(g.names[lo:hi], key.Name)
	if !ok {
		return -1
	}
	return lo + int32(i)
}

func (g *graph) key(i int32) depc.NodeKey {
	return depc.NodeKey{Label: g.labels[g.label[i]], Name: g.names[i]}
}

// loader builds a graph from a snapshot as it streams (depc.SnapshotSink).
// Nodes whose label is not one of the labels asked for are left out, with
// their relations.
type loader struct {
	g *graph
	// ids maps a snapshot ID to the node's index in g (after sorting), or
	// -1 for a node left out. Before sorting it maps to the order of
	// arrival among the nodes kept.
	ids    []int32
	sorted bool

	from, to, rel []int32

	// wide is true when the snapshot covers a longer window than the
	// graph's (Sequence): nodes and relations not active during the
	// graph's window are left out here, and next is lowered to the first
	// start or end of a period after the window's start.
	wide bool
	next int64
}

// maxLabels is the most labels a graph holds: a node's label is a uint16.
const maxLabels = 1 << 16

func newLoader(w depc.Window, labels []string) (*loader, error) {
	ls := slices.Clone(labels)
	slices.Sort(ls)
	ls = slices.Compact(ls)
	if len(ls) > maxLabels {
		return nil, depc.Errorf(depc.EINVALID, "config: %d labels, more than the %d a computation handles", len(ls), maxLabels)
	}
	return &loader{g: &graph{w: w, labels: ls}}, nil
}

// clip codes the part of ps inside the window.
func (l *loader) clip(ps depc.Periods) int32 {
	w := l.g.w
	i, _ := slices.BinarySearchFunc(ps, w.Start, func(p depc.Period, t int64) int { return cmp.Compare(p.To, t+1) })
	if i < len(ps) && ps[i].From <= w.Start && ps[i].To >= w.End {
		return perFull
	}
	c := ps.Clip(w)
	if len(c) == 0 {
		return perNone
	}
	l.g.partial = append(l.g.partial, c)
	return int32(len(l.g.partial) - 1)
}

func (l *loader) Node(n depc.SnapshotNode) error {
	if l.sorted {
		return depc.Errorf(depc.EINTERNAL, "snapshot: node %s after a relation", n.Key)
	}
	if int(n.ID) != len(l.ids) {
		return depc.Errorf(depc.EINTERNAL, "snapshot: node %s has ID %d, want %d", n.Key, n.ID, len(l.ids))
	}
	li, ok := l.g.labelIndex(n.Key.Label)
	if ok && l.wide {
		l.boundary(n.Periods)
		ok = n.Periods.ActiveDuring(l.g.w)
	}
	if !ok {
		l.ids = append(l.ids, -1)
		return nil
	}
	if len(l.g.names) == math.MaxInt32 {
		return depc.Errorf(depc.EINVALID, "snapshot: more than %d nodes", math.MaxInt32)
	}
	l.ids = append(l.ids, int32(len(l.g.names)))
	l.g.names = append(l.g.names, n.Key.Name)
	l.g.label = append(l.g.label, uint16(li))
	l.g.per = append(l.g.per, l.clip(n.Periods))
	return nil
}

func (l *loader) Relation(r depc.SnapshotRelation) error {
	if !l.sorted {
		l.sortNodes()
	}
	if r.From < 0 || int(r.From) >= len(l.ids) || r.To < 0 || int(r.To) >= len(l.ids) {
		return depc.Errorf(depc.EINTERNAL, "snapshot: relation %d → %d names an unknown node", r.From, r.To)
	}
	f, t := l.ids[r.From], l.ids[r.To]
	if f < 0 || t < 0 {
		return nil
	}
	if l.wide {
		l.boundary(r.Periods)
		if !r.Periods.ActiveDuring(l.g.w) {
			return nil
		}
	}
	p := l.clip(r.Periods)
	if p == perNone {
		return nil
	}
	if len(l.from) == math.MaxInt32 {
		return depc.Errorf(depc.EINVALID, "snapshot: more than %d relations", math.MaxInt32)
	}
	l.from = append(l.from, f)
	l.to = append(l.to, t)
	l.rel = append(l.rel, p)
	return nil
}

// sortNodes renumbers the nodes in (label, name) order.
func (l *loader) sortNodes() {
	l.sorted = true
	g := l.g
	n := len(g.names)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	sortParallel(order, func(a, b int32) int {
		if c := cmp.Compare(g.label[a], g.label[b]); c != 0 {
			return c
		}
		return strings.Compare(g.names[a], g.names[b])
	})
	rank := make([]int32, n)
	names := make([]string, n)
	labels := make([]uint16, n)
	per := make([]int32, n)
	for newID, old := range order {
		rank[old] = int32(newID)
		names[newID] = g.names[old]
		labels[newID] = g.label[old]
		per[newID] = g.per[old]
	}
	g.names, g.label, g.per = names, labels, per
	for i, id := range l.ids {
		if id >= 0 {
			l.ids[i] = rank[id]
		}
	}
	g.first = make([]int32, len(g.labels)+1)
	for _, lb := range labels {
		g.first[lb+1]++
	}
	for i := 1; i < len(g.first); i++ {
		g.first[i] += g.first[i-1]
	}
}

// finish builds the adjacency and returns the graph.
func (l *loader) finish() *graph {
	if !l.sorted {
		l.sortNodes()
	}
	g := l.g
	n := len(g.names)
	g.off = make([]int32, n+1)
	for _, f := range l.from {
		g.off[f+1]++
	}
	for i := 1; i <= n; i++ {
		g.off[i] += g.off[i-1]
	}
	g.child = make([]int32, len(l.from))
	g.relPer = make([]int32, len(l.from))
	next := slices.Clone(g.off[:n])
	for i, f := range l.from {
		j := next[f]
		next[f]++
		g.child[j], g.relPer[j] = l.to[i], l.rel[i]
	}
	l.from, l.to, l.rel, l.ids = nil, nil, nil, nil
	// Children in id order, that is by (label, name).
	type edge struct{ child, rel int32 }
	var buf []edge
	for i := range n {
		lo, hi := g.off[i], g.off[i+1]
		if hi-lo < 2 || slices.IsSorted(g.child[lo:hi]) {
			continue
		}
		buf = buf[:0]
		for j := lo; j < hi; j++ {
			buf = append(buf, edge{g.child[j], g.relPer[j]})
		}
		slices.SortFunc(buf, func(a, b edge) int { return cmp.Compare(a.child, b.child) })
		for k, e := range buf {
			g.child[lo+int32(k)], g.relPer[lo+int32(k)] = e.child, e.rel
		}
	}
	return g
}

// sortParallel sorts s with two goroutines when it is large: the halves
// sorted at once, then merged. A million names sort in half the time.
func sortParallel(s []int32, less func(a, b int32) int) {
	if len(s) < 1<<16 {
		slices.SortFunc(s, less)
		return
	}
	mid := len(s) / 2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		slices.SortFunc(s[:mid], less)
	}()
	slices.SortFunc(s[mid:], less)
	wg.Wait()
	out := make([]int32, 0, len(s))
	a, b := s[:mid], s[mid:]
	for len(a) > 0 && len(b) > 0 {
		if less(b[0], a[0]) < 0 {
			out = append(out, b[0])
			b = b[1:]
		} else {
			out = append(out, a[0])
			a = a[1:]
		}
	}
	out = append(out, a...)
	out = append(out, b...)
	copy(s, out)
}
