package compute

import (
	"cmp"
	"container/heap"
	"math"
	"slices"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/expr"
)

// Bounds of an explanation, so that a node with thousands of children or
// a long window still gives a readable answer.
const (
	// MaxRootCauseWindow bounds the window of a root cause: 31 days.
	MaxRootCauseWindow = 31 * 86400
	// maxReasons is how many reasons of the node an explanation lists.
	maxReasons = 200
	// maxPaths is how many causal paths it lists, the largest shares
	// first; maxExpansions bounds the nodes explained to find them.
	maxPaths      = 20
	maxExpansions = 2000
	// maxEvidenceLeaves is how many leaves, the largest shares first, get
	// their datapoints; maxEvidencePoints bounds them per check.
	maxEvidenceLeaves = 20
	maxEvidencePoints = 20
)

// Explanation says why a node was KO over a window (semantics §7): the
// reasons of its own KO time, the part of it each child, each leaf of its
// subgraph and each causal path explains, and what no child explains.
//
// Lost is what is explained, in seconds: the node's KO seconds, or, for an
// aggregation (which has no KO time), the lost seconds of its children
// weighted by their part in its loss (AVERAGE: 1/n). The shares of Leaves
// and Unexplained add up to Lost; so do those of Children.
type Explanation struct {
	// Expr is the node's label's config expression.
	Expr    string   `json:"expr"`
	QoS     *float64 `json:"qos"`
	OK      *int64   `json:"ok"`
	KO      *int64   `json:"ko"`
	Unknown *int64   `json:"unknown"`
	// Loss is an aggregation's 100 − QoS, in points; nil for the others.
	Loss *float64 `json:"loss"`
	Lost float64  `json:"lost"`
	// Summary says it in one sentence.
	Summary string `json:"summary"`
	// Structural is the node's KO seconds during which fewer children
	// took part than it needs (ATLEAST): KO whatever their states.
	Structural int64 `json:"structural"`
	// Reasons are the node's KO stretches with their counts (operations
	// and rules), the first maxReasons; ReasonsLeftOut counts the rest.
	Reasons        []Reason `json:"reasons"`
	ReasonsLeftOut int      `json:"reasons_left_out"`
	// Children are the node's direct children, worst first.
	Children []ChildBlame `json:"children"`
	// Checks are a rule node's checks, worst first.
	Checks []CheckBlame `json:"checks"`
	// Leaves are the rule nodes of the subgraph with a share, largest
	// first, each with its checks.
	Leaves []LeafShare `json:"leaves"`
	// Unexplained are the parts of Lost no child explains, largest first.
	Unexplained []Unexplained `json:"unexplained"`
	// Paths lead from the node to the leaves, the largest shares first.
	Paths []Path `json:"paths"`
}

// Reason is a stretch [From, To) of the node's KO time: Active children
// were active (relation and node), Part of them took part (had a state),
// OK of those were OK, and the operation needed Needed OK children.
// Structural: Part < Needed.
type Reason struct {
	From       int64 `json:"from"`
	To         int64 `json:"to"`
	Active     int   `json:"active"`
	Part       int   `json:"part"`
	OK         int   `json:"ok"`
	Needed     int   `json:"needed"`
	Structural bool  `json:"structural"`
}

// ChildBlame is a direct child of the node explained.
type ChildBlame struct {
	NodeRef
	QoS *float64 `json:"qos"`
	// KO: for an operation, the seconds the child took part KO during
	// the node's KO time; for an aggregation, the child's own KO seconds
	// (nil when it is an aggregation itself).
	KO *int64 `json:"ko"`
	// Blamed is the part of KO that is not on structure (operations).
	Blamed *int64 `json:"blamed,omitempty"`
	// Share is the child's part of Lost, in seconds.
	Share float64 `json:"share"`
	// Loss is the child's part of an aggregation's loss, in points.
	Loss *float64 `json:"loss,omitempty"`
}

// CheckBlame is one check of a rule node: KO is the seconds it was KO
// during the node's explained time, Share its part of the node's share.
// Evidence lists the KO datapoints behind it (the first
// maxEvidencePoints; EvidenceTotal counts them all); only the leaves with
// the largest shares get evidence.
type CheckBlame struct {
	Name          string     `json:"name"`
	Type          string     `json:"type"`
	Threshold     string     `json:"threshold"`
	KO            int64      `json:"ko"`
	Share         float64    `json:"share"`
	Evidence      []Evidence `json:"evidence"`
	EvidenceTotal int        `json:"evidence_total"`
}

// Evidence is a KO datapoint: its series, instant and value, and the
// stretch [From, To) of the window its state held.
type Evidence struct {
	Series string   `json:"series,omitempty"`
	At     int64    `json:"at"`
	Value  *float64 `json:"value"`
	From   int64    `json:"from"`
	To     int64    `json:"to"`
}

// LeafShare is a rule node of the subgraph: Seconds are the seconds of the
// node's Lost time it is blamed for, Share their weight.
type LeafShare struct {
	NodeRef
	QoS     *float64     `json:"qos"`
	Seconds int64        `json:"seconds"`
	Share   float64      `json:"share"`
	Checks  []CheckBlame `json:"checks"`
}

// Unexplained is a part of Lost that no child explains, at Node: Seconds
// of the node's time KO on structure (Share their weight), and why.
type Unexplained struct {
	Node    NodeRef `json:"node"`
	Seconds int64   `json:"seconds"`
	Share   float64 `json:"share"`
	Reason  string  `json:"reason"`
}

// Path is a causal path: from the node explained down to a leaf through
// children that were KO and blamed at the same moments. Share is the part
// of Lost it explains.
type Path struct {
	Share float64 `json:"share"`
	Steps []Step  `json:"steps"`
}

// Step is a node of a Path: Seconds of the explained time during which the
// path down to it was KO (nil for an aggregation, which has no KO time),
// Share their weight.
type Step struct {
	NodeRef
	Seconds *int64  `json:"seconds"`
	Share   float64 `json:"share"`
}

// round rounds the QoS values to decimals, and shares and losses too:
// they are seconds and points shown like QoS.
func (x *Explanation) round(decimals int) {
	r := func(v float64) float64 { return qos.Round(v, decimals) }
	x.QoS, x.Loss, x.Lost = roundPtr(x.QoS, decimals), roundPtr(x.Loss, decimals), r(x.Lost)
	for i := range x.Children {
		c := &x.Children[i]
		c.QoS, c.Loss, c.Share = roundPtr(c.QoS, decimals), roundPtr(c.Loss, decimals), r(c.Share)
	}
	roundChecks := func(cs []CheckBlame) {
		for i := range cs {
			cs[i].Share = r(cs[i].Share)
		}
	}
	roundChecks(x.Checks)
	for i := range x.Leaves {
		l := &x.Leaves[i]
		l.QoS, l.Share = roundPtr(l.QoS, decimals), r(l.Share)
		roundChecks(l.Checks)
	}
	for i := range x.Unexplained {
		x.Unexplained[i].Share = r(x.Unexplained[i].Share)
	}
	for i := range x.Paths {
		p := &x.Paths[i]
		p.Share = r(p.Share)
		for j := range p.Steps {
			p.Steps[j].Share = r(p.Steps[j].Share)
		}
	}
}

// explainer explains one node of an evaluated subgraph.
type explainer struct {
	e    *eval
	g    *graph
	w    depc.Window
	root int32
	// focus is each timeline node's share of the root's lost time, set
	// by shares.
	focus []qos.Weight

	eng    qos.Engine
	x      qos.Explanation
	kids   []qos.Child
	edges  []int32
	values []qos.QoS
	aggW   []float64
	listed map[uint16][]bool
	lost   map[int32]float64 // an aggregation node's lost seconds (lostOf)
}

func newExplainer(e *eval, root int32) *explainer {
	return &explainer{e: e, g: e.g, w: e.g.w, root: root, listed: map[uint16][]bool{}, lost: map[int32]float64{}}
}

func (x *explainer) kind(i int32) expr.Kind { return x.e.kind[x.g.label[i]] }

func (x *explainer) expr(i int32) expr.Expr {
	return x.e.s.config[x.g.labels[x.g.label[i]]].QoS
}

// isListed reports whether the relation at edge j counts for its parent
// p: the child's label is one p's expression lists.
func (x *explainer) isListed(p, j int32) bool {
	l, ok := x.listed[x.g.label[p]]
	if !ok {
		l = make([]bool, len(x.g.labels))
		for _, name := range x.expr(p).Labels {
			if k, ok := x.g.labelIndex(name); ok {
				l[k] = true
			}
		}
		x.listed[x.g.label[p]] = l
	}
	return l[x.g.label[x.g.child[j]]]
}

// children sets x.kids and x.edges to operation node p's children, as
// eval.operate gives them to the engine.
func (x *explainer) children(p int32) {
	g := x.g
	x.kids, x.edges = x.kids[:0], x.edges[:0]
	for j := g.off[p]; j < g.off[p+1]; j++ {
		if !x.isListed(p, j) {
			continue
		}
		c := g.child[j]
		x.kids = append(x.kids, qos.Child{Timeline: &x.e.tl[c], Periods: g.periods(g.per[c]), Relation: g.periods(g.relPer[j])})
		x.edges = append(x.edges, j)
	}
}

// explainOp explains operation node p with a focus into x.x, with the
// children's weights.
func (x *explainer) explainOp(p int32, focus qos.Weight) {
	op, _ := qos.OperationOf(x.expr(p))
	x.children(p)
	x.eng.Explain(&x.x, x.w, op, x.g.periods(x.g.per[p]), x.kids, focus, true)
}

// aggregation sets x.edges and x.aggW to aggregation node p's children
// that took part and their weights in its loss.
func (x *explainer) aggregation(p int32) {
	g := x.g
	a, _ := qos.AggregatorOf(x.expr(p))
	x.edges, x.values = x.edges[:0], x.values[:0]
	for j := g.off[p]; j < g.off[p+1]; j++ {
		if x.e.part[j] {
			x.edges = append(x.edges, j)
			x.values = append(x.values, x.e.qosOf(g.child[j]))
		}
	}
	x.aggW = qos.ExplainAggregate(x.aggW, a, x.values)
}

// lostOf returns a node's lost seconds: its KO seconds, or for an
// aggregation its children's lost seconds weighted by their part in its
// loss.
func (x *explainer) lostOf(i int32) float64 {
	if !x.kind(i).IsAggregation() {
		return float64(x.e.tl[i].Seconds().KO)
	}
	if v, ok := x.lost[i]; ok {
		return v
	}
	x.aggregation(i)
	edges, weights := slices.Clone(x.edges), slices.Clone(x.aggW)
	var sum float64
	for k, j := range edges {
		if weights[k] > 0 {
			sum += weights[k] * x.lostOf(x.g.child[j])
		}
	}
	x.lost[i] = sum
	return sum
}

// shares pushes the root's lost time down the subgraph, parents before
// children (labels in reverse topological order): each operation node is
// explained with the sum of the weights its parents passed it, each
// aggregation passes its children their part of its loss. It returns
// every timeline node's focus and every aggregation node's factor, and the
// parts explained on structure.
func (x *explainer) shares(order []string) (structural []Unexplained) {
	g, e := x.g, x.e
	focus := make([]qos.Weight, len(g.names))
	factor := make([]float64, len(g.names))
	x.focus = focus
	if x.kind(x.root).IsAggregation() {
		factor[x.root] = 1
	} else {
		focus[x.root] = qos.KOWeight(nil, e.tl[x.root], 1)
	}
	for li := len(order) - 1; li >= 0; li-- {
		l, ok := g.labelIndex(order[li])
		if !ok {
			continue
		}
		lo, hi := g.nodes(l)
		for p := lo; p < hi; p++ {
			switch k := x.kind(p); {
			case k.IsAggregation():
				f := factor[p]
				if f == 0 {
					continue
				}
				x.aggregation(p)
				for n, j := range x.edges {
					wc, c := x.aggW[n], g.child[j]
					switch {
					case wc == 0:
					case x.kind(c).IsAggregation():
						factor[c] += f * wc
					default:
						focus[c] = qos.AddWeights(nil, focus[c], qos.KOWeight(nil, e.tl[c], f*wc))
					}
				}
			case k == expr.Rule:
				// A leaf: its focus is its share.
			default:
				if len(focus[p]) == 0 {
					continue
				}
				x.explainOp(p, focus[p])
				for n, b := range x.x.Children {
					if len(b.Weight) > 0 {
						c := g.child[x.edges[n]]
						focus[c] = qos.AddWeights(nil, focus[c], b.Weight)
					}
				}
				if x.x.StructuralLost > 0 {
					structural = append(structural, Unexplained{Node: ref(g.key(p)), Seconds: x.x.Structural,
						Share: x.x.StructuralLost, Reason: structuralReason(x.expr(p), x.x.Reasons)})
				}
			}
		}
	}
	slices.SortFunc(structural, func(a, b Unexplained) int {
		return cmp.Or(cmp.Compare(b.Share, a.Share), compareRef(a.Node, b.Node))
	})
	return structural
}

// explain builds the Explanation of the root.
func (x *explainer) explain(order []string) *Explanation {
	g, e := x.g, x.e
	root := x.root
	ex := x.expr(root)
	out := &Explanation{Expr: ex.String(), Reasons: []Reason{}, Children: []ChildBlame{}, Checks: []CheckBlame{},
		Leaves: []LeafShare{}, Unexplained: []Unexplained{}, Paths: []Path{}}
	q := e.qosOf(root)
	out.QoS = qosPtr(q)
	isAgg := x.kind(root).IsAggregation()
	if isAgg {
		if q.Valid {
			out.Loss = ptr(100 - q.Value)
		}
	} else {
		s := e.tl[root].Seconds()
		out.OK, out.KO, out.Unknown = &s.OK, &s.KO, &s.Unknown
	}
	out.Lost = x.lostOf(root)

	out.Unexplained = append(out.Unexplained, x.shares(order)...)
	focus := x.focus

	// The root's own reasons and children.
	switch k := x.kind(root); {
	case isAgg:
		x.aggregation(root)
		for n, j := range x.edges {
			c := g.child[j]
			cb := ChildBlame{NodeRef: ref(g.key(c)), QoS: qosPtr(x.values[n])}
			if !x.kind(c).IsAggregation() {
				ko := e.tl[c].Seconds().KO
				cb.KO = &ko
			}
			cb.Share = x.aggW[n] * x.lostOf(c)
			if x.values[n].Valid {
				cb.Loss = ptr(x.aggW[n] * (100 - x.values[n].Value))
			}
			out.Children = append(out.Children, cb)
		}
		slices.SortFunc(out.Children, func(a, b ChildBlame) int {
			return cmp.Or(cmp.Compare(val(b.Loss), val(a.Loss)), cmp.Compare(b.Share, a.Share), compareRef(a.NodeRef, b.NodeRef))
		})
	case k == expr.Rule:
		out.Checks = x.checks(root, focus[root])
		x.eng.ExplainRule(&x.x, x.w, x.g.periods(x.g.per[root]), x.ruleTimelines(root), qos.Uniform(x.w, 1), false)
		x.reasons(out)
	default:
		x.explainOp(root, qos.Uniform(x.w, 1))
		x.reasons(out)
		out.Structural = x.x.Structural
		for n, b := range x.x.Children {
			c := g.child[x.edges[n]]
			ko, blamed := b.KO, b.Blamed
			out.Children = append(out.Children, ChildBlame{NodeRef: ref(g.key(c)), QoS: qosPtr(e.qosOf(c)), KO: &ko, Blamed: &blamed, Share: b.Share})
		}
		slices.SortFunc(out.Children, func(a, b ChildBlame) int {
			return cmp.Or(cmp.Compare(b.Share, a.Share), cmp.Compare(*b.KO, *a.KO), compareQoS(a.QoS, b.QoS), compareRef(a.NodeRef, b.NodeRef))
		})
	}

	// The leaves, largest share first.
	for i := range int32(len(g.names)) {
		if x.kind(i) != expr.Rule || len(focus[i]) == 0 {
			continue
		}
		out.Leaves = append(out.Leaves, LeafShare{NodeRef: ref(g.key(i)), QoS: qosPtr(e.qosOf(i)),
			Seconds: focus[i].Support(), Share: focus[i].Integral(), Checks: x.checks(i, focus[i])})
	}
	slices.SortFunc(out.Leaves, func(a, b LeafShare) int {
		return cmp.Or(cmp.Compare(b.Share, a.Share), compareRef(a.NodeRef, b.NodeRef))
	})
	out.Paths = x.paths()
	out.Summary = summary(out, ex, x.w)
	return out
}

// reasons copies the reasons of the last explanation (x.x) into out.
func (x *explainer) reasons(out *Explanation) {
	for i, r := range x.x.Reasons {
		if i == maxReasons {
			out.ReasonsLeftOut = len(x.x.Reasons) - i
			break
		}
		out.Reasons = append(out.Reasons, Reason{From: r.From, To: r.To, Active: r.Active, Part: r.Part, OK: r.OK, Needed: r.Needed, Structural: r.Structural()})
	}
}

// ruleTimelines returns rule node i's check timelines.
func (x *explainer) ruleTimelines(i int32) []qos.Timeline {
	if x.e.rc == nil || int(i) >= len(x.e.rc.checks) {
		return nil
	}
	cts := x.e.rc.checks[i]
	tls := make([]qos.Timeline, len(cts))
	for k, ct := range cts {
		tls[k] = ct.tl
	}
	return tls
}

// checks explains rule node i's checks over a focus: each one's KO
// seconds and share, worst first.
func (x *explainer) checks(i int32, focus qos.Weight) []CheckBlame {
	out := []CheckBlame{}
	tls := x.ruleTimelines(i)
	if len(tls) == 0 {
		return out
	}
	cts := x.e.rc.checks[i]
	x.eng.ExplainRule(&x.x, x.w, x.g.periods(x.g.per[i]), tls, focus, false)
	for k, ct := range cts {
		ch := x.e.s.checks[ct.check]
		out = append(out, CheckBlame{Name: ct.check, Type: ch.Type, Threshold: ch.Parameters.Threshold,
			KO: x.x.Children[k].KO, Share: x.x.Children[k].Share, Evidence: []Evidence{}})
	}
	slices.SortStableFunc(out, func(a, b CheckBlame) int {
		return cmp.Or(cmp.Compare(b.Share, a.Share), cmp.Compare(b.KO, a.KO))
	})
	return out
}

// pathItem is a path being extended: its last node, the weight (timeline
// node) or factor (aggregation) the path passes it, and its steps.
type pathItem struct {
	node   int32
	focus  qos.Weight
	factor float64
	share  float64
	steps  []Step
}

type pathHeap []*pathItem

func (h pathHeap) Len() int           { return len(h) }
func (h pathHeap) Less(i, j int) bool { return h[i].share > h[j].share }
func (h pathHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *pathHeap) Push(v any)        { *h = append(*h, v.(*pathItem)) }
func (h *pathHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// paths finds the causal paths with the largest shares: best first, since
// a path's extensions share its share and never exceed it, so the leaves
// come out largest first.
func (x *explainer) paths() []Path {
	g, e := x.g, x.e
	out := []Path{}
	root := &pathItem{node: x.root}
	if x.kind(x.root).IsAggregation() {
		root.factor, root.share = 1, x.lostOf(x.root)
		root.steps = []Step{{NodeRef: ref(g.key(x.root)), Share: root.share}}
	} else {
		root.focus = qos.KOWeight(nil, e.tl[x.root], 1)
		ko := root.focus.Support()
		root.share = float64(ko)
		root.steps = []Step{{NodeRef: ref(g.key(x.root)), Seconds: &ko, Share: root.share}}
	}
	if root.share <= 0 {
		return out
	}
	h := &pathHeap{root}
	extend := func(it *pathItem, c int32, focus qos.Weight, factor, share float64) {
		if share <= 0 {
			return
		}
		st := Step{NodeRef: ref(g.key(c)), Share: share}
		if len(focus) > 0 {
			s := focus.Support()
			st.Seconds = &s
		}
		steps := append(slices.Clip(it.steps), st)
		heap.Push(h, &pathItem{node: c, focus: focus, factor: factor, share: share, steps: steps})
	}
	for expansions := 0; h.Len() > 0 && len(out) < maxPaths && expansions < maxExpansions; {
		it := heap.Pop(h).(*pathItem)
		switch k := x.kind(it.node); {
		case k == expr.Rule:
			out = append(out, Path{Share: it.share, Steps: it.steps})
		case k.IsAggregation():
			expansions++
			x.aggregation(it.node)
			edges, weights := slices.Clone(x.edges), slices.Clone(x.aggW)
			for n, j := range edges {
				c, f := g.child[j], it.factor*weights[n]
				if f <= 0 {
					continue
				}
				if x.kind(c).IsAggregation() {
					extend(it, c, nil, f, f*x.lostOf(c))
				} else {
					w := qos.KOWeight(nil, e.tl[c], f)
					extend(it, c, w, 0, w.Integral())
				}
			}
		default:
			expansions++
			x.explainOp(it.node, it.focus)
			for n, b := range x.x.Children {
				if len(b.Weight) > 0 {
					extend(it, g.child[x.edges[n]], slices.Clone(b.Weight), 0, b.Share)
				}
			}
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// val is *p, or −Inf for nil: nil sorts after every value, largest first.
func val(p *float64) float64 {
	if p == nil {
		return math.Inf(-1)
	}
	return *p
}

// compareQoS orders QoS worst first, null last.
func compareQoS(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(*a, *b)
}
