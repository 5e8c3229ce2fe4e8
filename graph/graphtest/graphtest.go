package graphtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// Run runs the conformance suite against the stores open returns.
//
// open is called once per subtest and must return a new store value, ready
// to use; stores may share one database, because every subtest works in
// teams of its own, named afresh on each Run. open registers whatever
// cleanup it needs with t.Cleanup; the suite may Close a store itself, so
// that cleanup must accept a store already closed.
func Run(t *testing.T, open func(t *testing.T) depc.GraphStore) {
	h := &harness{open: open, prefix: fmt.Sprintf("gt%08x", rand.Uint32())}
	tests := []struct {
		name string
		fn   func(*testing.T, *harness)
	}{
		{"Ping", testPing},
		{"ApplyNode", testApplyNode},
		{"ApplyRelationCreatesNodes", testApplyRelationCreatesNodes},
		{"ApplyBatch", testApplyBatch},
		{"ApplyEmpty", testApplyEmpty},
		{"ApplyInvalidWritesNothing", testApplyInvalidWritesNothing},
		{"InvalidArguments", testInvalidArguments},
		{"NodeNotFound", testNodeNotFound},
		{"Labels", testLabels},
		{"Nodes", testNodes},
		{"Dependencies", testDependencies},
		{"Dependents", testDependents},
		{"DependenciesNotTruncated", testDependenciesNotTruncated},
		{"DependenciesNotFound", testDependenciesNotFound},
		{"ActivityBoundaries", testActivityBoundaries},
		{"Impacted", testImpacted},
		{"ImpactedCycles", testImpactedCycles},
		{"ImpactedPaging", testImpactedPaging},
		{"Snapshot", testSnapshot},
		{"SnapshotAllLabels", testSnapshotAllLabels},
		{"SnapshotSinkError", testSnapshotSinkError},
		{"Subgraph", testSubgraph},
		{"SubgraphInactiveRoot", testSubgraphInactiveRoot},
		{"DeleteNode", testDeleteNode},
		{"DeleteTeam", testDeleteTeam},
		{"RenameTeam", testRenameTeam},
		{"PeriodsSpecExample", testPeriodsSpecExample},
		{"PeriodsEveryOrder", testPeriodsEveryOrder},
		{"Replay", testReplay},
		{"RandomOrders", testRandomOrders},
		{"Names", testNames},
		{"TeamIsolation", testTeamIsolation},
		{"ConcurrentApply", testConcurrentApply},
		{"GraphVersion", testGraphVersion},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, h) })
	}
}

// harness hands out stores and fresh team names.
type harness struct {
	open   func(t *testing.T) depc.GraphStore
	prefix string
	teams  atomic.Int64
}

// store opens a store for the current subtest.
func (h *harness) store(t *testing.T) depc.GraphStore {
	t.Helper()
	s := h.open(t)
	if s == nil {
		t.Fatal("open returned a nil store")
	}
	return s
}

// team returns a team name no other subtest of this Run uses.
func (h *harness) team() string {
	return fmt.Sprintf("%s-%d", h.prefix, h.teams.Add(1))
}

// Building events.

const inf = qos.PosInf

// fact is an event without its entity.
type fact struct {
	kind     depc.EventKind
	from, to int64
}

func open(from int64) fact     { return fact{kind: depc.EventOpen, from: from} }
func closeAt(to int64) fact    { return fact{kind: depc.EventClose, to: to} }
func span(from, to int64) fact { return fact{kind: depc.EventSpan, from: from, to: to} }
func exists() fact             { return fact{kind: depc.EventExists} }

func (f fact) String() string {
	switch f.kind {
	case depc.EventOpen:
		return fmt.Sprintf("open %d", f.from)
	case depc.EventClose:
		return fmt.Sprintf("close %d", f.to)
	case depc.EventSpan:
		return fmt.Sprintf("span [%d,%d)", f.from, f.to)
	}
	return "exists"
}

func key(label, name string) depc.NodeKey { return depc.NodeKey{Label: label, Name: name} }

// onNode returns the events recording facts about node k.
func onNode(k depc.NodeKey, fs ...fact) []depc.Event {
	if len(fs) == 0 {
		fs = []fact{exists()}
	}
	out := make([]depc.Event, len(fs))
	for i, f := range fs {
		out[i] = depc.Event{Node: k, Kind: f.kind, From: f.from, To: f.to}
	}
	return out
}

// onRel returns the events recording facts about the relation a DEPENDS_ON b.
func onRel(a, b depc.NodeKey, fs ...fact) []depc.Event {
	out := onNode(a, fs...)
	for i := range out {
		out[i].Target = b
	}
	return out
}

// batch concatenates event lists.
func batch(lists ...[]depc.Event) []depc.Event {
	var out []depc.Event
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// ps builds a period set from pairs of bounds.
func ps(bounds ...int64) depc.Periods {
	if len(bounds)%2 != 0 {
		panic("ps: odd number of bounds")
	}
	out := make(depc.Periods, 0, len(bounds)/2)
	for i := 0; i < len(bounds); i += 2 {
		out = append(out, depc.Period{From: bounds[i], To: bounds[i+1]})
	}
	return out
}

// Calling the store.

func ctx() context.Context { return context.Background() }

func mustApply(t *testing.T, s depc.GraphStore, team string, events ...[]depc.Event) {
	t.Helper()
	if err := s.Apply(ctx(), team, batch(events...)); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func mustNode(t *testing.T, s depc.GraphStore, team string, k depc.NodeKey) depc.Node {
	t.Helper()
	n, err := s.Node(ctx(), team, k)
	if err != nil {
		t.Fatalf("Node(%v): %v", k, err)
	}
	return n
}

// within runs fn with a context that ends after a minute and fails the
// test if fn errs or does not return by then.
func within(t *testing.T, what string, fn func(context.Context) error) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(c) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(time.Minute + 10*time.Second):
		t.Fatalf("%s did not return within a minute: does the store loop?", what)
	}
}

// wantCode fails t unless err carries the depc error code want.
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := depc.ErrorCode(err); got != want {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, want)
	}
}

func fmtPeriods(p depc.Periods) string {
	if len(p) == 0 {
		return "{}"
	}
	var b strings.Builder
	for i, x := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		from, to := "-inf", "inf"
		if x.From != qos.NegInf {
			from = fmt.Sprint(x.From)
		}
		if x.To != qos.PosInf {
			to = fmt.Sprint(x.To)
		}
		fmt.Fprintf(&b, "[%s,%s)", from, to)
	}
	return b.String()
}

func samePeriods(a, b depc.Periods) bool {
	return slices.Equal(a, b)
}

func checkPeriods(t *testing.T, what string, got, want depc.Periods) {
	t.Helper()
	if !samePeriods(got, want) {
		t.Errorf("%s: periods %s, want %s", what, fmtPeriods(got), fmtPeriods(want))
	}
}

// Collecting snapshots.

// relKey names a relation by its two nodes.
type relKey struct{ From, To depc.NodeKey }

func (r relKey) String() string { return r.From.String() + "->" + r.To.String() }

// graph is a snapshot or subgraph as delivered, checked for the streaming
// rules and keyed by names.
type graph struct {
	Nodes map[depc.NodeKey]depc.Periods
	Rels  map[relKey]depc.Periods
	// First is the first node delivered.
	First depc.NodeKey
}

// collector is a SnapshotSink that records what it receives and every
// breach of the streaming rules.
type collector struct {
	nodes    []depc.SnapshotNode
	rels     []depc.SnapshotRelation
	problems []string
}

func (c *collector) Node(n depc.SnapshotNode) error {
	if len(c.rels) > 0 {
		c.problems = append(c.problems, fmt.Sprintf("node %v delivered after a relation", n.Key))
	}
	if int(n.ID) != len(c.nodes) {
		c.problems = append(c.problems, fmt.Sprintf("node %v has ID %d, want %d (IDs are 0, 1, 2, … in delivery order)", n.Key, n.ID, len(c.nodes)))
	}
	c.nodes = append(c.nodes, n)
	return nil
}

func (c *collector) Relation(r depc.SnapshotRelation) error {
	c.rels = append(c.rels, r)
	return nil
}

// graph checks the delivery and returns it keyed by names.
func (c *collector) graph(t *testing.T) graph {
	t.Helper()
	for _, p := range c.problems {
		t.Error(p)
	}
	g := graph{Nodes: map[depc.NodeKey]depc.Periods{}, Rels: map[relKey]depc.Periods{}}
	for _, n := range c.nodes {
		if _, dup := g.Nodes[n.Key]; dup {
			t.Errorf("node %v delivered twice", n.Key)
		}
		g.Nodes[n.Key] = n.Periods
	}
	if len(c.nodes) > 0 {
		g.First = c.nodes[0].Key
	}
	for _, r := range c.rels {
		if r.From < 0 || int(r.From) >= len(c.nodes) || r.To < 0 || int(r.To) >= len(c.nodes) {
			t.Errorf("relation %d->%d refers to a node not delivered (%d nodes)", r.From, r.To, len(c.nodes))
			continue
		}
		k := relKey{c.nodes[r.From].Key, c.nodes[r.To].Key}
		if _, dup := g.Rels[k]; dup {
			t.Errorf("relation %v delivered twice", k)
		}
		g.Rels[k] = r.Periods
	}
	return g
}

func snapshot(t *testing.T, s depc.GraphStore, team string, w depc.Window, labels ...string) graph {
	t.Helper()
	var c collector
	if err := s.Snapshot(ctx(), team, w, labels, &c); err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	return c.graph(t)
}

// everything is a window that every period overlaps.
var everything = depc.Window{Start: qos.NegInf, End: qos.PosInf}

// compareGraph reports differences between got and want.
func compareGraph(t *testing.T, what string, got, want graph) {
	t.Helper()
	for k, wp := range want.Nodes {
		gp, ok := got.Nodes[k]
		if !ok {
			t.Errorf("%s: node %v missing", what, k)
			continue
		}
		checkPeriods(t, fmt.Sprintf("%s: node %v", what, k), gp, wp)
	}
	for k := range got.Nodes {
		if _, ok := want.Nodes[k]; !ok {
			t.Errorf("%s: unexpected node %v", what, k)
		}
	}
	for k, wp := range want.Rels {
		gp, ok := got.Rels[k]
		if !ok {
			t.Errorf("%s: relation %v missing", what, k)
			continue
		}
		checkPeriods(t, fmt.Sprintf("%s: relation %v", what, k), gp, wp)
	}
	for k := range got.Rels {
		if _, ok := want.Rels[k]; !ok {
			t.Errorf("%s: unexpected relation %v", what, k)
		}
	}
}

// model is the reference graph: the event sets that Apply must fold.
type model struct {
	nodes map[depc.NodeKey]*depc.EventSet
	rels  map[relKey]*depc.EventSet
}

func newModel() *model {
	return &model{nodes: map[depc.NodeKey]*depc.EventSet{}, rels: map[relKey]*depc.EventSet{}}
}

func (m *model) add(events ...depc.Event) {
	for _, e := range events {
		set := func(k depc.NodeKey) *depc.EventSet {
			s := m.nodes[k]
			if s == nil {
				s = &depc.EventSet{}
				m.nodes[k] = s
			}
			return s
		}
		if !e.IsRelation() {
			set(e.Node).Add(e)
			continue
		}
		set(e.Node)
		set(e.Target)
		k := relKey{e.Node, e.Target}
		s := m.rels[k]
		if s == nil {
			s = &depc.EventSet{}
			m.rels[k] = s
		}
		s.Add(e)
	}
}

// graph is the model's whole graph, as a snapshot over everything gives it.
func (m *model) graph() graph {
	g := graph{Nodes: map[depc.NodeKey]depc.Periods{}, Rels: map[relKey]depc.Periods{}}
	for k, s := range m.nodes {
		g.Nodes[k] = s.Periods()
	}
	for k, s := range m.rels {
		g.Rels[k] = s.Periods()
	}
	return g
}

// isSinkErr lets tests recognise the error their sink returned.
var errSink = errors.New("graphtest: sink stops")

// anyTime is the Activity "whenever".
var anyTime = depc.Activity{Kind: depc.ActiveAny}
