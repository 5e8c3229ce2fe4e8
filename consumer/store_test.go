package consumer_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
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
