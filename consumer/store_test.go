package consumer_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/embedded"
)

// openStore returns the graph store the integration tests write to: the
// embedded store, in a directory of the test's.
func openStore(t testing.TB) depc.GraphStore {
	t.Helper()
	s, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatalf("embedded.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// memStore is a small in-memory GraphStore for the tests that need no
// real store (configuration) and for the benchmark's baselines: the part
// of the contract the consumer and graphDump use (Apply, Node, Labels,
// Nodes, Dependencies).
type memStore struct {
	mu    sync.Mutex
	teams map[string]*memGraph
}

type memGraph struct {
	nodes map[depc.NodeKey]*depc.EventSet
	rels  map[[2]depc.NodeKey]*depc.EventSet
}

func newMemStore() *memStore { return &memStore{teams: map[string]*memGraph{}} }

var _ depc.GraphStore = (*memStore)(nil)

func (s *memStore) graph(team string) *memGraph {
	g := s.teams[team]
	if g == nil {
		g = &memGraph{nodes: map[depc.NodeKey]*depc.EventSet{}, rels: map[[2]depc.NodeKey]*depc.EventSet{}}
		s.teams[team] = g
	}
	return g
}

func (g *memGraph) node(k depc.NodeKey) *depc.EventSet {
	es := g.nodes[k]
	if es == nil {
		es = &depc.EventSet{}
		g.nodes[k] = es
	}
	return es
}

func (s *memStore) Apply(ctx context.Context, team string, events []depc.Event) error {
	if err := ctx.Err(); err != nil {
		return depc.WrapError(depc.EUNAVAILABLE, err, "cancelled")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.graph(team)
	for _, e := range events {
		if !e.IsRelation() {
			g.node(e.Node).Add(e)
			continue
		}
		g.node(e.Node)
		g.node(e.Target)
		k := [2]depc.NodeKey{e.Node, e.Target}
		es := g.rels[k]
		if es == nil {
			es = &depc.EventSet{}
			g.rels[k] = es
		}
		es.Add(e)
	}
	return nil
}

func (s *memStore) Node(_ context.Context, team string, k depc.NodeKey) (depc.Node, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	es := s.graph(team).nodes[k]
	if es == nil {
		return depc.Node{}, depc.Errorf(depc.ENOTFOUND, "node %s not found", k)
	}
	return depc.Node{Key: k, Periods: es.Periods()}, nil
}

func (s *memStore) Labels(_ context.Context, team string) ([]depc.LabelCount, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := map[string]int{}
	for k := range s.graph(team).nodes {
		counts[k.Label]++
	}
	var out []depc.LabelCount
	for _, l := range slices.Sorted(maps.Keys(counts)) {
		out = append(out, depc.LabelCount{Label: l, Nodes: counts[l]})
	}
	return out, nil
}

func (s *memStore) Nodes(_ context.Context, team, label, substring string, limit int, after string) ([]string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for k := range s.graph(team).nodes {
		if k.Label == label && k.Name > after && strings.Contains(k.Name, substring) {
			names = append(names, k.Name)
		}
	}
	slices.Sort(names)
	if len(names) > limit {
		return names[:limit], names[limit-1], nil
	}
	return names, "", nil
}

func (s *memStore) Dependencies(_ context.Context, team string, k depc.NodeKey, when depc.Activity) ([]depc.Dependency, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.graph(team)
	if g.nodes[k] == nil {
		return nil, depc.Errorf(depc.ENOTFOUND, "node %s not found", k)
	}
	var out []depc.Dependency
	for rk, es := range g.rels {
		if rk[0] != k {
			continue
		}
		rp, np := es.Periods(), g.nodes[rk[1]].Periods()
		out = append(out, depc.Dependency{Node: depc.Node{Key: rk[1], Periods: np}, Relation: rp, Active: when.Holds(rp) && when.Holds(np)})
	}
	slices.SortFunc(out, func(a, b depc.Dependency) int { return strings.Compare(a.Node.Key.String(), b.Node.Key.String()) })
	return out, nil
}

func (s *memStore) Dependents(context.Context, string, depc.NodeKey, depc.Activity) ([]depc.Dependency, error) {
	return nil, depc.Errorf(depc.EINTERNAL, "memStore: Dependents not implemented")
}

func (s *memStore) Impacted(context.Context, string, depc.NodeKey, string, int64, int, string) ([]depc.NodeKey, string, error) {
	return nil, "", depc.Errorf(depc.EINTERNAL, "memStore: Impacted not implemented")
}

func (s *memStore) Snapshot(context.Context, string, depc.Window, []string, depc.SnapshotSink) error {
	return depc.Errorf(depc.EINTERNAL, "memStore: Snapshot not implemented")
}

func (s *memStore) Subgraph(context.Context, string, depc.NodeKey, depc.Window, depc.SnapshotSink) error {
	return depc.Errorf(depc.EINTERNAL, "memStore: Subgraph not implemented")
}

func (s *memStore) DeleteNode(context.Context, string, depc.NodeKey) error {
	return depc.Errorf(depc.EINTERNAL, "memStore: DeleteNode not implemented")
}

func (s *memStore) Ping(context.Context) error { return nil }
func (s *memStore) Close() error               { return nil }

// flakyStore fails Apply with EUNAVAILABLE while down says so, as a graph
// database that cannot be reached.
type flakyStore struct {
	depc.GraphStore
	down     func(call int64) bool
	calls    atomic.Int64
	failures atomic.Int64
}

func (s *flakyStore) Apply(ctx context.Context, team string, events []depc.Event) error {
	call := s.calls.Add(1)
	if s.down(call) {
		s.failures.Add(1)
		return depc.Errorf(depc.EUNAVAILABLE, "graph store down (call %d)", call)
	}
	return s.GraphStore.Apply(ctx, team, events)
}

// graphDump is a team's whole graph: node "Label/name" and relation
// "Label/name -> Label/name" to periods.
type graphDump map[string]string

// dumpGraph reads a team's whole graph through the GraphStore read API.
func dumpGraph(t testing.TB, s depc.GraphStore, team string) graphDump {
	t.Helper()
	ctx := context.Background()
	d := graphDump{}
	labels, err := s.Labels(ctx, team)
	if err != nil {
		t.Fatalf("Labels: %v", err)
	}
	for _, l := range labels {
		after := ""
		for {
			names, next, err := s.Nodes(ctx, team, l.Label, "", 500, after)
			if err != nil {
				t.Fatalf("Nodes: %v", err)
			}
			for _, name := range names {
				k := depc.NodeKey{Label: l.Label, Name: name}
				n, err := s.Node(ctx, team, k)
				if err != nil {
					t.Fatalf("Node %s: %v", k, err)
				}
				d[k.String()] = fmt.Sprint(n.Periods)
				deps, err := s.Dependencies(ctx, team, k, depc.Activity{Kind: depc.ActiveAny})
				if err != nil {
					t.Fatalf("Dependencies %s: %v", k, err)
				}
				for _, dep := range deps {
					d[k.String()+" -> "+dep.Node.Key.String()] = fmt.Sprint(dep.Relation)
				}
			}
			if next == "" {
				break
			}
			after = next
		}
	}
	return d
}

// expectedGraph is the graph that applying events gives, by spec/messages.md
// §3, computed without any store.
func expectedGraph(events []depc.Event) graphDump {
	nodes := map[depc.NodeKey]*depc.EventSet{}
	rels := map[[2]depc.NodeKey]*depc.EventSet{}
	node := func(k depc.NodeKey) *depc.EventSet {
		if nodes[k] == nil {
			nodes[k] = &depc.EventSet{}
		}
		return nodes[k]
	}
	for _, e := range events {
		if !e.IsRelation() {
			node(e.Node).Add(e)
			continue
		}
		node(e.Node)
		node(e.Target)
		k := [2]depc.NodeKey{e.Node, e.Target}
		if rels[k] == nil {
			rels[k] = &depc.EventSet{}
		}
		rels[k].Add(e)
	}
	d := graphDump{}
	for k, es := range nodes {
		d[k.String()] = fmt.Sprint(es.Periods())
	}
	for k, es := range rels {
		d[k[0].String()+" -> "+k[1].String()] = fmt.Sprint(es.Periods())
	}
	return d
}

// diffGraphs describes how got differs from want, "" when equal.
func diffGraphs(got, want graphDump) string {
	var b strings.Builder
	n := 0
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[k]; !ok || g != want[k] {
			if n++; n <= 10 {
				fmt.Fprintf(&b, "\n  %s: got %q, want %q", k, g, want[k])
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			if n++; n <= 10 {
				fmt.Fprintf(&b, "\n  %s: unexpected %q", k, got[k])
			}
		}
	}
	if n > 10 {
		fmt.Fprintf(&b, "\n  … %d differences in all", n)
	}
	return b.String()
}
