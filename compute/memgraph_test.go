package compute_test

import (
	"context"
	"slices"
	"sync"

	"github.com/depc-dev/depc"
)

// memGraph is a graph store that keeps a team's graph in maps and delivers
// snapshots in Go's random map order: runs over it must give the same
// results whatever order a store delivers nodes and relations in. Only what
// a computation reads is implemented.
type memGraph struct {
	depc.GraphStore // the methods not implemented panic if called

	mu    sync.Mutex
	nodes map[string]map[depc.NodeKey]*depc.EventSet
	rels  map[string]map[[2]depc.NodeKey]*depc.EventSet
}

func newMemGraph() *memGraph {
	return &memGraph{nodes: map[string]map[depc.NodeKey]*depc.EventSet{}, rels: map[string]map[[2]depc.NodeKey]*depc.EventSet{}}
}

func (s *memGraph) Apply(_ context.Context, team string, events []depc.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range events {
		if err := depc.ValidateEvent(e); err != nil {
			return depc.Errorf(depc.EINVALID, "events[%d]: %v", i, err)
		}
	}
	if s.nodes[team] == nil {
		s.nodes[team] = map[depc.NodeKey]*depc.EventSet{}
		s.rels[team] = map[[2]depc.NodeKey]*depc.EventSet{}
	}
	node := func(k depc.NodeKey) *depc.EventSet {
		es := s.nodes[team][k]
		if es == nil {
			es = &depc.EventSet{}
			s.nodes[team][k] = es
		}
		return es
	}
	for _, e := range events {
		if !e.IsRelation() {
			node(e.Node).Add(e)
			continue
		}
		node(e.Node)
		node(e.Target)
		rk := [2]depc.NodeKey{e.Node, e.Target}
		es := s.rels[team][rk]
		if es == nil {
			es = &depc.EventSet{}
			s.rels[team][rk] = es
		}
		es.Add(e)
	}
	return nil
}

func (s *memGraph) deliver(team string, keys []depc.NodeKey, w depc.Window, sink depc.SnapshotSink) error {
	ids := map[depc.NodeKey]int32{}
	for _, k := range keys {
		ids[k] = int32(len(ids))
		if err := sink.Node(depc.SnapshotNode{ID: ids[k], Key: k, Periods: s.nodes[team][k].Periods()}); err != nil {
			return err
		}
	}
	for rk, es := range s.rels[team] {
		a, okA := ids[rk[0]]
		b, okB := ids[rk[1]]
		if !okA || !okB || !es.Periods().ActiveDuring(w) {
			continue
		}
		if err := sink.Relation(depc.SnapshotRelation{From: a, To: b, Periods: es.Periods()}); err != nil {
			return err
		}
	}
	return nil
}

func (s *memGraph) Snapshot(_ context.Context, team string, w depc.Window, labels []string, sink depc.SnapshotSink) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []depc.NodeKey
	for k, es := range s.nodes[team] {
		if (len(labels) == 0 || slices.Contains(labels, k.Label)) && es.Periods().ActiveDuring(w) {
			keys = append(keys, k)
		}
	}
	return s.deliver(team, keys, w, sink)
}

func (s *memGraph) Subgraph(_ context.Context, team string, root depc.NodeKey, w depc.Window, sink depc.SnapshotSink) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nodes[team][root] == nil {
		return depc.Errorf(depc.ENOTFOUND, "node %s not found", root)
	}
	keys := []depc.NodeKey{root}
	seen := map[depc.NodeKey]bool{root: true}
	for i := 0; i < len(keys); i++ {
		if !s.nodes[team][keys[i]].Periods().ActiveDuring(w) {
			continue
		}
		for rk, es := range s.rels[team] {
			if rk[0] == keys[i] && !seen[rk[1]] && es.Periods().ActiveDuring(w) && s.nodes[team][rk[1]].Periods().ActiveDuring(w) {
				seen[rk[1]] = true
				keys = append(keys, rk[1])
			}
		}
	}
	return s.deliver(team, keys, w, sink)
}
