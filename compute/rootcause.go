package compute

import (
	"cmp"
	"context"
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
// dependencies explain a node's downtime on a day (semantics §7).
type RootCause struct {
	Node   RootCauseNode `json:"node"`
	Causes []Cause       `json:"causes"`
	Graph  CauseGraph    `json:"graph"`
}

// RootCauseNode is the node examined: its QoS of the day (nil when unknown
// or not computed) and its KO seconds (nil for an aggregation node, which
// has no timeline, or when the day was not computed).
type RootCauseNode struct {
	NodeRef
	QoS *float64 `json:"qos"`
	KO  *int64   `json:"ko"`
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

// Round rounds every QoS of the answer to decimals (qos.Round).
func (r *RootCause) Round(decimals int) {
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

// RootCause explains a node's downtime on a day from the stored results
// (semantics §7): its dependency subgraph as active during the day (one
// Subgraph read), the day's results of every node of it (one DayResults
// read), and for each leaf — a node of a rule label, or, for a label the
// current config does not name, a node without dependencies — the seconds
// of the node's KO time during which the leaf was KO (qos.KOOverlap).
// Causes are the leaves with an overlap, most first, then by label and
// name.
//
// An aggregation node has a QoS but no KO time: its causes are ranked by
// each leaf's own KO seconds of the day, which is what lowers the QoS it
// averages. A day not computed gives null QoS and no cause. ENOTFOUND for
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
	var sg subgraphSink
	if err := c.graph.Subgraph(ctx, team, key, w, &sg); err != nil {
		return RootCause{}, err
	}
	if len(sg.keys) == 0 {
		return RootCause{}, depc.Errorf(depc.EINTERNAL, "subgraph of %s: the root was not delivered", key)
	}
	results, err := c.state.DayResults(ctx, team, day, sg.keys)
	if err != nil {
		return RootCause{}, err
	}
	byKey := make(map[depc.NodeKey]*depc.NodeDayResult, len(results))
	for i := range results {
		r := &results[i]
		byKey[depc.NodeKey{Label: r.Label, Name: r.Name}] = r
	}
	// The current config says which labels are rules; without one (or
	// for a label it does not name), a leaf is a node without dependencies.
	var cfg qos.Config
	if cv, err := c.state.Config(ctx, team); err == nil {
		cfg, _ = qos.DecodeConfig(cv.Config)
	} else if depc.ErrorCode(err) != depc.ENOTFOUND {
		return RootCause{}, err
	}
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
	return out, nil
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
