package compute

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/expr"
)

// NodeRef names a node in API answers.
type NodeRef struct {
	Label string `json:"label"`
	Name  string `json:"name"`
}

func ref(k depc.NodeKey) NodeRef { return NodeRef{k.Label, k.Name} }

func compareRef(a, b NodeRef) int {
	return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Name, b.Name))
}

// RootCause is the answer of GET …/nodes/{name}/rootcause: which leaf
// dependencies explain a node's downtime over a window, a day or any
// [from, to) (semantics §7), and why the node was KO.
type RootCause struct {
	Node RootCauseNode `json:"node"`
	// Window is the window explained.
	Window Interval   `json:"window"`
	Causes []Cause    `json:"causes"`
	Graph  CauseGraph `json:"graph"`
	// Explanation is the node's explanation, computed from the sources
	// over the window; nil when the team's config cannot compute the
	// node (Errors says why).
	Explanation *Explanation `json:"explanation"`
	// Errors are the failures of sources or nodes met while explaining,
	// as a run lists them.
	Errors []depc.RunError `json:"errors"`
}

// RootCauseNode is the node examined: its QoS of the day (nil when unknown
// or not computed), its KO seconds and its KO intervals within the window
// (nil for an aggregation node, which has no timeline, or when the day was
// not computed).
type RootCauseNode struct {
	NodeRef
	QoS      *float64   `json:"qos"`
	KO       *int64     `json:"ko"`
	Downtime []Interval `json:"downtime"`
}

// Cause is a leaf (rule) dependency that was KO during some of the node's
// KO time: Overlap is those seconds.
type Cause struct {
	NodeRef
	QoS     *float64 `json:"qos"`
	Overlap int64    `json:"overlap"`
}

// CauseGraph is the node's dependency subgraph as active that day, each
// node with its QoS of the day.
type CauseGraph struct {
	Nodes []GraphNode `json:"nodes"`
	Edges []Edge      `json:"edges"`
}

// GraphNode is a node of a CauseGraph.
type GraphNode struct {
	NodeRef
	QoS *float64 `json:"qos"`
}

// Edge is a relation From DEPENDS_ON To.
type Edge struct {
	From NodeRef `json:"from"`
	To   NodeRef `json:"to"`
}

// Round rounds every QoS of the answer to decimals (qos.Round), and the
// explanation's shares and losses.
func (r *RootCause) Round(decimals int) {
	if r.Explanation != nil {
		r.Explanation.round(decimals)
	}
	r.Node.QoS = roundPtr(r.Node.QoS, decimals)
	for i := range r.Causes {
		r.Causes[i].QoS = roundPtr(r.Causes[i].QoS, decimals)
	}
	for i := range r.Graph.Nodes {
		r.Graph.Nodes[i].QoS = roundPtr(r.Graph.Nodes[i].QoS, decimals)
	}
}

// subgraphSink keeps the keys and relations of a subgraph.
type subgraphSink struct {
	keys  []depc.NodeKey
	edges [][2]int32
}

func (s *subgraphSink) Node(n depc.SnapshotNode) error {
	if int(n.ID) != len(s.keys) {
		return depc.Errorf(depc.EINTERNAL, "subgraph: node %s has ID %d, want %d", n.Key, n.ID, len(s.keys))
	}
	s.keys = append(s.keys, n.Key)
	return nil
}

func (s *subgraphSink) Relation(r depc.SnapshotRelation) error {
	if r.From < 0 || int(r.From) >= len(s.keys) || r.To < 0 || int(r.To) >= len(s.keys) {
		return depc.Errorf(depc.EINTERNAL, "subgraph: relation %d → %d names an unknown node", r.From, r.To)
	}
	s.edges = append(s.edges, [2]int32{r.From, r.To})
	return nil
}

// RootCause explains a node's downtime on a day (semantics §7). Node,
// Causes and Graph come from the stored results, as before there was an
// explanation: its dependency subgraph as active during the day (one
// Subgraph read), the day's results of every node of it (one DayResults
// read), and for each leaf — a node of a rule label, or, for a label the
// current config does not name, a node without dependencies — the seconds
// of the node's KO time during which the leaf was KO (qos.KOOverlap).
// Causes are the leaves with an overlap, most first, then by label and
// name. An aggregation node has a QoS but no KO time: its causes are
// ranked by each leaf's own KO seconds of the day, which is what lowers
// the QoS it averages. A day not computed gives null QoS and no cause.
//
// The Explanation is computed from the sources over the day, as the run
// computed it (see RootCauseWindow); it is nil, with the reason in Errors,
// when the team has no valid config for the node's label. ENOTFOUND for
// an unknown team or node; EINVALID for a bad day.
func (c *Computer) RootCause(ctx context.Context, team string, key depc.NodeKey, day string) (RootCause, error) {
	t, err := c.state.Team(ctx, team)
	if err != nil {
		return RootCause{}, err
	}
	w, err := DayWindow(day, t.Timezone)
	if err != nil {
		return RootCause{}, err
	}
	return c.rootCause(ctx, t, key, w, day)
}

// RootCauseWindow explains a node's downtime over any window [from, to)
// at second resolution, within a day or across days (at most
// MaxRootCauseWindow): the node's dependency subgraph as active during the
// window (one Subgraph read) is computed from the sources — asked for the
// team's whole days the window meets, one Fetch per check and day, so that
// every timeline is the one the days' runs computed, cut to the window —
// and explained (Explanation). Node, Causes and Graph are those of the
// computation. Nothing is stored. ENOTFOUND for an unknown team or node,
// or a team without a config; EINVALID for an empty or too long window or
// a label the config does not name; EUNAVAILABLE when a store cannot be
// reached.
func (c *Computer) RootCauseWindow(ctx context.Context, team string, key depc.NodeKey, w depc.Window) (RootCause, error) {
	switch {
	case w.End <= w.Start:
		return RootCause{}, depc.Errorf(depc.EINVALID, "to: %d is not after from %d", w.End, w.Start)
	case w.End-w.Start > MaxRootCauseWindow:
		return RootCause{}, depc.Errorf(depc.EINVALID, "to: the window is longer than %d days", MaxRootCauseWindow/86400)
	}
	t, err := c.state.Team(ctx, team)
	if err != nil {
		return RootCause{}, err
	}
	return c.rootCause(ctx, t, key, w, "")
}

// rootCause answers RootCause (day set: Node, Causes and Graph from the
// stored results of the day) and RootCauseWindow (day empty: from the
// computation).
func (c *Computer) rootCause(ctx context.Context, t depc.Team, key depc.NodeKey, w depc.Window, day string) (RootCause, error) {
	team := t.Name
	// The explanation needs the team's config to name the node's label.
	s, err := c.loadSetup(ctx, team)
	var why string
	switch {
	case err != nil && day != "":
		if code := depc.ErrorCode(err); code != depc.ENOTFOUND && code != depc.EINVALID {
			return RootCause{}, err
		}
		why, s = depc.ErrorMessage(err), nil
	case err != nil:
		return RootCause{}, err
	default:
		if _, ok := s.config[key.Label]; !ok {
			if day == "" {
				return RootCause{}, depc.Errorf(depc.EINVALID, "label: %s is not configured, so its nodes have no QoS", key.Label)
			}
			why, s = fmt.Sprintf("label %s is not configured", key.Label), nil
		}
	}
	var (
		ld    *loader
		order []string
		sg    subgraphSink
		sink  depc.SnapshotSink = &sg
	)
	if s != nil {
		if order, err = s.config.TopoOrder(key.Label); err != nil {
			return RootCause{}, depc.WrapError(depc.EINVALID, err, "config %d: %v", s.configID, err)
		}
		if ld, err = newLoader(w, order); err != nil {
			return RootCause{}, err
		}
		sink = teeSink{&sg, ld}
	}
	if err := c.graph.Subgraph(ctx, team, key, w, sink); err != nil {
		return RootCause{}, err
	}
	if len(sg.keys) == 0 {
		return RootCause{}, depc.Errorf(depc.EINTERNAL, "subgraph of %s: the root was not delivered", key)
	}

	// The computation of the subgraph over the window.
	var (
		ev   *eval
		root int32
	)
	if ld != nil {
		g := ld.finish()
		if err := c.exclude(ctx, team, g); err != nil {
			return RootCause{}, err
		}
		if root = g.find(key); root < 0 {
			return RootCause{}, depc.Errorf(depc.EINTERNAL, "subgraph of %s: the root was not delivered", key)
		}
		days, err := teamDays(w, t.Timezone)
		if err != nil {
			return RootCause{}, err
		}
		ev = c.newEval(s, g, order)
		ev.rc = &rcFetch{days: days}
		if err := ev.sources(ctx); err != nil {
			return RootCause{}, err
		}
		if err := ev.engine(ctx); err != nil {
			return RootCause{}, err
		}
	}

	byKey := make(map[depc.NodeKey]*depc.NodeDayResult, len(sg.keys))
	if day != "" {
		results, err := c.state.DayResults(ctx, team, day, sg.keys)
		if err != nil {
			return RootCause{}, err
		}
		for i := range results {
			r := &results[i]
			byKey[depc.NodeKey{Label: r.Label, Name: r.Name}] = r
		}
	} else {
		for _, k := range sg.keys {
			if i := ev.g.find(k); i >= 0 {
				r := ev.result(i, ev.qosOf(i), "")
				byKey[k] = &r
			}
		}
	}
	// The config says which labels are rules; without one (or for a label
	// it does not name), a leaf is a node without dependencies.
	var cfg qos.Config
	if s != nil {
		cfg = s.config
	} else if cv, err := c.state.Config(ctx, team); err == nil {
		cfg, _ = qos.DecodeConfig(cv.Config)
	} else if depc.ErrorCode(err) != depc.ENOTFOUND {
		return RootCause{}, err
	}
	out := causes(w, &sg, byKey, cfg)
	out.Window = Interval{w.Start, w.End}
	out.Errors = []depc.RunError{}
	if ev != nil {
		x := newExplainer(ev, root)
		out.Explanation = x.explain(order)
		if err := c.evidence(ctx, x, out.Explanation); err != nil {
			return RootCause{}, err
		}
		out.Errors = append(out.Errors, ev.errs.errors()...)
	} else {
		out.Errors = append(out.Errors, depc.RunError{Label: key.Label, Name: key.Name, Error: "no explanation: " + why})
	}
	return out, nil
}

// teeSink hands a snapshot to two sinks: one Subgraph read serves the
// answer's graph and the computation.
type teeSink struct{ a, b depc.SnapshotSink }

func (t teeSink) Node(n depc.SnapshotNode) error {
	if err := t.a.Node(n); err != nil {
		return err
	}
	return t.b.Node(n)
}

func (t teeSink) Relation(r depc.SnapshotRelation) error {
	if err := t.a.Relation(r); err != nil {
		return err
	}
	return t.b.Relation(r)
}

// causes builds Node, Causes and Graph of a root cause from the results of
// the subgraph's nodes over w.
func causes(w depc.Window, sg *subgraphSink, byKey map[depc.NodeKey]*depc.NodeDayResult, cfg qos.Config) RootCause {
	hasChildren := make([]bool, len(sg.keys))
	for _, e := range sg.edges {
		hasChildren[e[0]] = true
	}
	leaf := func(i int) bool {
		if lc, ok := cfg[sg.keys[i].Label]; ok {
			return lc.QoS.Kind == expr.Rule
		}
		return !hasChildren[i]
	}

	rootRes := byKey[sg.keys[0]]
	out := RootCause{
		Node:   RootCauseNode{NodeRef: ref(sg.keys[0])},
		Causes: []Cause{},
		Graph:  CauseGraph{Nodes: make([]GraphNode, 0, len(sg.keys)), Edges: make([]Edge, 0, len(sg.edges))},
	}
	var rootTL qos.Timeline
	rootHasTimeline := false
	if rootRes != nil {
		out.Node.QoS, out.Node.KO = rootRes.QoS, rootRes.KO
		if rootRes.KO != nil {
			rootTL, rootHasTimeline = downtimeTimeline(w, rootRes.Downtime), true
			out.Node.Downtime = intervals(rootRes.Downtime)
		}
	}
	for i, k := range sg.keys {
		r := byKey[k]
		gn := GraphNode{NodeRef: ref(k)}
		if r != nil {
			gn.QoS = r.QoS
		}
		out.Graph.Nodes = append(out.Graph.Nodes, gn)
		if i == 0 || r == nil || r.KO == nil || !leaf(i) {
			continue
		}
		tl := downtimeTimeline(w, r.Downtime)
		var overlap int64
		switch {
		case rootHasTimeline:
			overlap = qos.KOOverlap(rootTL, tl)
		case rootRes != nil && rootRes.OK == nil: // an aggregation
			overlap = tl.Seconds().KO
		}
		if overlap > 0 {
			out.Causes = append(out.Causes, Cause{NodeRef: ref(k), QoS: r.QoS, Overlap: overlap})
		}
	}
	for _, e := range sg.edges {
		out.Graph.Edges = append(out.Graph.Edges, Edge{From: ref(sg.keys[e[0]]), To: ref(sg.keys[e[1]])})
	}
	slices.SortFunc(out.Causes, func(a, b Cause) int {
		return cmp.Or(cmp.Compare(b.Overlap, a.Overlap), compareRef(a.NodeRef, b.NodeRef))
	})
	slices.SortFunc(out.Graph.Nodes, func(a, b GraphNode) int { return compareRef(a.NodeRef, b.NodeRef) })
	slices.SortFunc(out.Graph.Edges, func(a, b Edge) int {
		return cmp.Or(compareRef(a.From, b.From), compareRef(a.To, b.To))
	})
	return out
}

// downtimeTimeline returns the timeline over w that is KO during the
// downtime and Unknown elsewhere: what a stored result keeps of a node's
// timeline, and all root cause needs. Downtime outside w, or not sorted and
// disjoint (never stored so), is ignored.
func downtimeTimeline(w depc.Window, downtime []depc.Period) qos.Timeline {
	ivs := make([]qos.Interval, 0, 2*len(downtime)+1)
	at := w.Start
	for _, p := range downtime {
		from, to := max(p.From, at), min(p.To, w.End)
		if from >= to {
			continue
		}
		if from > at {
			ivs = append(ivs, qos.Interval{From: at, To: from, State: qos.Unknown})
		}
		ivs = append(ivs, qos.Interval{From: from, To: to, State: qos.KO})
		at = to
	}
	if at < w.End {
		ivs = append(ivs, qos.Interval{From: at, To: w.End, State: qos.Unknown})
	}
	tl, err := qos.NewTimeline(w, ivs)
	if err != nil {
		return qos.Constant(w, qos.Unknown)
	}
	return tl
}
