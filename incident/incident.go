package incident

import (
	"cmp"
	"slices"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
)

// Report is the incident review of a node over a window [From, To).
type Report struct {
	Team string `json:"team"`
	// Timezone is the team's: the Markdown writes times in it.
	Timezone string           `json:"timezone"`
	Node     compute.NodeRef  `json:"node"`
	Window   compute.Interval `json:"window"`
	// Link is the incident's page in the web app, a permanent URL of the
	// node and window (absolute when the server knew its address).
	Link        string `json:"link"`
	GeneratedAt int64  `json:"generated_at"`

	// QoS, OK, KO and Unknown are the node's over the window; OK, KO,
	// Unknown and Downtime are nil for an aggregation (no timeline).
	QoS      *float64           `json:"qos"`
	OK       *int64             `json:"ok"`
	KO       *int64             `json:"ko"`
	Unknown  *int64             `json:"unknown"`
	Downtime []compute.Interval `json:"downtime"`
	// Lost is the time explained (compute.Explanation.Lost) and Summary
	// the explanation's sentence.
	Lost    float64 `json:"lost"`
	Summary string  `json:"summary"`

	// Causes are the leaves blamed for the lost time, largest share
	// first, each with its checks and their evidence.
	Causes []compute.LeafShare `json:"causes"`
	// Unexplained is what no child explains (a node KO on structure).
	Unexplained []compute.Unexplained `json:"unexplained"`
	Paths       []compute.Path        `json:"paths"`
	// Reasons are the node's KO stretches with their counts.
	Reasons []compute.Reason `json:"reasons"`
	// Children are the node's direct children, worst first.
	Children []compute.ChildBlame `json:"children"`
	// Graph is the causal subgraph: the node, every node of a causal path
	// and every node KO on structure, with the relations between them
	// that the paths follow.
	Graph       Graph             `json:"graph"`
	Annotations []depc.Annotation `json:"annotations"`
	Errors      []depc.RunError   `json:"errors"`
}

// Graph is a causal subgraph.
type Graph struct {
	Nodes []GraphNode    `json:"nodes"`
	Edges []compute.Edge `json:"edges"`
}

// GraphNode is a node of the causal subgraph: its QoS over the window and
// its part of the lost time (Share: the node's Lost for the node examined,
// a leaf's share, an intermediate node's largest share on a path);
// Unexplained its seconds KO on structure.
type GraphNode struct {
	compute.NodeRef
	QoS         *float64 `json:"qos"`
	Share       float64  `json:"share"`
	Unexplained int64    `json:"unexplained"`
	Leaf        bool     `json:"leaf"`
}

// Input is what a report is made of.
type Input struct {
	Team depc.Team
	// RootCause is the node's root cause over the window, with its
	// explanation (compute.RootCauseWindow), rounded as answers are.
	RootCause   compute.RootCause
	Annotations []depc.Annotation
	Link        string
	Now         int64
}

// New builds the report. EINVALID when the root cause has no explanation
// (its Errors say why): an incident review explains.
func New(in Input) (Report, error) {
	rc, x := in.RootCause, in.RootCause.Explanation
	if x == nil {
		why := "the node cannot be computed"
		if len(rc.Errors) > 0 {
			why = rc.Errors[0].Error
		}
		return Report{}, depc.Errorf(depc.EINVALID, "%s/%s: no explanation over the window: %s", rc.Node.Label, rc.Node.Name, why)
	}
	r := Report{
		Team: in.Team.Name, Timezone: in.Team.Timezone, Node: rc.Node.NodeRef, Window: rc.Window,
		Link: in.Link, GeneratedAt: in.Now,
		QoS: x.QoS, OK: x.OK, KO: x.KO, Unknown: x.Unknown, Downtime: rc.Node.Downtime,
		Lost: x.Lost, Summary: x.Summary,
		Causes: nonNil(x.Leaves), Unexplained: nonNil(x.Unexplained), Paths: nonNil(x.Paths),
		Reasons: nonNil(x.Reasons), Children: nonNil(x.Children),
		Annotations: nonNil(in.Annotations), Errors: nonNil(rc.Errors),
	}
	if r.Timezone == "" {
		r.Timezone = "UTC"
	}
	if r.KO != nil && r.Downtime == nil {
		r.Downtime = []compute.Interval{}
	}
	r.Graph = causalGraph(rc, x)
	return r, nil
}

// causalGraph keeps of the root cause's subgraph the node, the steps of
// its causal paths and the nodes KO on structure, with the relations the
// paths go down. (The leaves beyond the listed paths are in Causes.)
func causalGraph(rc compute.RootCause, x *compute.Explanation) Graph {
	qosOf := make(map[compute.NodeRef]*float64, len(rc.Graph.Nodes))
	for _, n := range rc.Graph.Nodes {
		qosOf[n.NodeRef] = n.QoS
	}
	nodes := map[compute.NodeRef]*GraphNode{}
	add := func(ref compute.NodeRef) *GraphNode {
		n, ok := nodes[ref]
		if !ok {
			n = &GraphNode{NodeRef: ref, QoS: qosOf[ref]}
			nodes[ref] = n
		}
		return n
	}
	root := add(rc.Node.NodeRef)
	root.Share, root.QoS = x.Lost, x.QoS
	leaves := make(map[compute.NodeRef]float64, len(x.Leaves))
	for _, l := range x.Leaves {
		leaves[l.NodeRef] = l.Share
	}
	edges := map[compute.Edge]bool{}
	for _, p := range x.Paths {
		for i, s := range p.Steps {
			n := add(s.NodeRef)
			if i == 0 {
				continue
			}
			if share, ok := leaves[s.NodeRef]; ok {
				n.Leaf, n.Share = true, share
			} else if s.Share > n.Share {
				n.Share = s.Share
			}
			edges[compute.Edge{From: p.Steps[i-1].NodeRef, To: s.NodeRef}] = true
		}
	}
	for _, u := range x.Unexplained {
		add(u.Node).Unexplained += u.Seconds
	}
	g := Graph{Nodes: make([]GraphNode, 0, len(nodes)), Edges: make([]compute.Edge, 0, len(edges))}
	for _, n := range nodes {
		g.Nodes = append(g.Nodes, *n)
	}
	for e := range edges {
		g.Edges = append(g.Edges, e)
	}
	slices.SortFunc(g.Nodes, func(a, b GraphNode) int { return compareRef(a.NodeRef, b.NodeRef) })
	slices.SortFunc(g.Edges, func(a, b compute.Edge) int {
		return cmp.Or(compareRef(a.From, b.From), compareRef(a.To, b.To))
	})
	return g
}

func compareRef(a, b compute.NodeRef) int {
	return cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.Name, b.Name))
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
