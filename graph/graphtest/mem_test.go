package graphtest_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/graphtest"
)

// memStore is the simplest GraphStore that follows the contract: the suite
// runs against it so that a failure in a real backend is the backend's,
// not the suite's.
type memStore struct {
	mu     sync.Mutex
	closed bool
	teams  map[string]*memTeam
}

type memTeam struct {
	nodes map[depc.NodeKey]*depc.EventSet
	rels  map[[2]depc.NodeKey]*depc.EventSet
}

var _ depc.GraphStore = (*memStore)(nil)

func TestSuiteOnMemoryStore(t *testing.T) {
	graphtest.Run(t, func(t *testing.T) depc.GraphStore {
		return &memStore{teams: map[string]*memTeam{}}
	})
}

func (s *memStore) lock(team string, keys ...depc.NodeKey) (*memTeam, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, depc.Errorf(depc.EUNAVAILABLE, "closed")
	}
	if !depc.ValidTeam(team) {
		s.mu.Unlock()
		return nil, depc.Errorf(depc.EINVALID, "team")
	}
	for _, k := range keys {
		if !depc.ValidLabel(k.Label) || !depc.ValidName(k.Name) {
			s.mu.Unlock()
			return nil, depc.Errorf(depc.EINVALID, "key")
		}
	}
	tm := s.teams[team]
	if tm == nil {
		tm = &memTeam{nodes: map[depc.NodeKey]*depc.EventSet{}, rels: map[[2]depc.NodeKey]*depc.EventSet{}}
		s.teams[team] = tm
	}
	return tm, nil
}

func (s *memStore) Apply(_ context.Context, team string, events []depc.Event) error {
	for _, e := range events {
		if err := depc.ValidateEvent(e); err != nil {
			return err
		}
	}
	tm, err := s.lock(team)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	node := func(k depc.NodeKey) *depc.EventSet {
		if tm.nodes[k] == nil {
			tm.nodes[k] = &depc.EventSet{}
		}
		return tm.nodes[k]
	}
	for _, e := range events {
		if !e.IsRelation() {
			node(e.Node).Add(e)
			continue
		}
		node(e.Node)
		node(e.Target)
		k := [2]depc.NodeKey{e.Node, e.Target}
		if tm.rels[k] == nil {
			tm.rels[k] = &depc.EventSet{}
		}
		tm.rels[k].Add(e)
	}
	return nil
}

func (s *memStore) Node(_ context.Context, team string, k depc.NodeKey) (depc.Node, error) {
	tm, err := s.lock(team, k)
	if err != nil {
		return depc.Node{}, err
	}
	defer s.mu.Unlock()
	es := tm.nodes[k]
	if es == nil {
		return depc.Node{}, depc.Errorf(depc.ENOTFOUND, "node")
	}
	return depc.Node{Key: k, Periods: es.Periods()}, nil
}

func (s *memStore) Labels(_ context.Context, team string) ([]depc.LabelCount, error) {
	tm, err := s.lock(team)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	counts := map[string]int{}
	for k := range tm.nodes {
		counts[k.Label]++
	}
	var out []depc.LabelCount
	for l, n := range counts {
		out = append(out, depc.LabelCount{Label: l, Nodes: n})
	}
	slices.SortFunc(out, func(a, b depc.LabelCount) int { return cmp.Compare(a.Label, b.Label) })
	return out, nil
}

func page(names []string, limit int, after string) ([]string, string) {
	slices.Sort(names)
	i, _ := slices.BinarySearch(names, after)
	if i < len(names) && names[i] == after {
		i++
	}
	if after == "" {
		i = 0
	}
	names = names[i:]
	if len(names) > limit {
		return names[:limit], names[limit-1]
	}
	return names, ""
}

func (s *memStore) Nodes(_ context.Context, team, label, sub string, limit int, after string) ([]string, string, error) {
	tm, err := s.lock(team, depc.NodeKey{Label: label, Name: "x"})
	if err != nil {
		return nil, "", err
	}
	defer s.mu.Unlock()
	if limit < 1 {
		return nil, "", depc.Errorf(depc.EINVALID, "limit")
	}
	var names []string
	for k := range tm.nodes {
		if k.Label == label && strings.Contains(k.Name, sub) {
			names = append(names, k.Name)
		}
	}
	p, next := page(names, limit, after)
	return p, next, nil
}

func validActivity(a depc.Activity) error {
	if a.Kind == depc.ActiveDuring && a.Window.Start >= a.Window.End {
		return depc.Errorf(depc.EINVALID, "window")
	}
	return nil
}

func (s *memStore) neighbours(team string, k depc.NodeKey, when depc.Activity, down bool) ([]depc.Dependency, error) {
	if err := validActivity(when); err != nil {
		return nil, err
	}
	tm, err := s.lock(team, k)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if tm.nodes[k] == nil {
		return nil, depc.Errorf(depc.ENOTFOUND, "node")
	}
	var out []depc.Dependency
	for rk, es := range tm.rels {
		from, to := rk[0], rk[1]
		if !down {
			from, to = to, from
		}
		if from != k {
			continue
		}
		np, rp := tm.nodes[to].Periods(), es.Periods()
		out = append(out, depc.Dependency{Node: depc.Node{Key: to, Periods: np}, Relation: rp, Active: when.Holds(np) && when.Holds(rp)})
	}
	slices.SortFunc(out, func(a, b depc.Dependency) int {
		return cmp.Or(cmp.Compare(a.Node.Key.Label, b.Node.Key.Label), cmp.Compare(a.Node.Key.Name, b.Node.Key.Name))
	})
	return out, nil
}

func (s *memStore) Dependencies(_ context.Context, team string, k depc.NodeKey, when depc.Activity) ([]depc.Dependency, error) {
	return s.neighbours(team, k, when, true)
}

func (s *memStore) Dependents(_ context.Context, team string, k depc.NodeKey, when depc.Activity) ([]depc.Dependency, error) {
	return s.neighbours(team, k, when, false)
}

func (s *memStore) Impacted(_ context.Context, team string, k depc.NodeKey, label string, at int64, limit int, after string) ([]depc.NodeKey, string, error) {
	tm, err := s.lock(team, k, depc.NodeKey{Label: label, Name: "x"})
	if err != nil {
		return nil, "", err
	}
	defer s.mu.Unlock()
	if limit < 1 {
		return nil, "", depc.Errorf(depc.EINVALID, "limit")
	}
	if tm.nodes[k] == nil {
		return nil, "", depc.Errorf(depc.ENOTFOUND, "node")
	}
	seen := map[depc.NodeKey]bool{}
	var frontier []depc.NodeKey
	if tm.nodes[k].Periods().ActiveAt(at) {
		frontier = append(frontier, k)
	}
	for len(frontier) > 0 {
		var next []depc.NodeKey
		for rk, es := range tm.rels {
			if !slices.Contains(frontier, rk[1]) || seen[rk[0]] {
				continue
			}
			if es.Periods().ActiveAt(at) && tm.nodes[rk[0]].Periods().ActiveAt(at) {
				seen[rk[0]] = true
				next = append(next, rk[0])
			}
		}
		frontier = next
	}
	var names []string
	for n := range seen {
		if n.Label == label && n != k {
			names = append(names, n.Name)
		}
	}
	p, next := page(names, limit, after)
	out := make([]depc.NodeKey, len(p))
	for i, n := range p {
		out[i] = depc.NodeKey{Label: label, Name: n}
	}
	return out, next, nil
}

func (s *memStore) deliver(tm *memTeam, nodes []depc.NodeKey, w depc.Window, sink depc.SnapshotSink, needActive bool) error {
	ids := map[depc.NodeKey]int32{}
	for _, k := range nodes {
		ids[k] = int32(len(ids))
		if err := sink.Node(depc.SnapshotNode{ID: ids[k], Key: k, Periods: tm.nodes[k].Periods()}); err != nil {
			return err
		}
	}
	for rk, es := range tm.rels {
		a, okA := ids[rk[0]]
		b, okB := ids[rk[1]]
		if !okA || !okB || !es.Periods().ActiveDuring(w) {
			continue
		}
		if needActive && (!tm.nodes[rk[0]].Periods().ActiveDuring(w) || !tm.nodes[rk[1]].Periods().ActiveDuring(w)) {
			continue
		}
		if err := sink.Relation(depc.SnapshotRelation{From: a, To: b, Periods: es.Periods()}); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) Snapshot(_ context.Context, team string, w depc.Window, labels []string, sink depc.SnapshotSink) error {
	keys := make([]depc.NodeKey, len(labels))
	for i, l := range labels {
		keys[i] = depc.NodeKey{Label: l, Name: "x"}
	}
	if w.Start >= w.End {
		return depc.Errorf(depc.EINVALID, "window")
	}
	tm, err := s.lock(team, keys...)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	var nodes []depc.NodeKey
	for k, es := range tm.nodes {
		if (len(labels) == 0 || slices.Contains(labels, k.Label)) && es.Periods().ActiveDuring(w) {
			nodes = append(nodes, k)
		}
	}
	return s.deliver(tm, nodes, w, sink, false)
}

func (s *memStore) Subgraph(_ context.Context, team string, root depc.NodeKey, w depc.Window, sink depc.SnapshotSink) error {
	if w.Start >= w.End {
		return depc.Errorf(depc.EINVALID, "window")
	}
	tm, err := s.lock(team, root)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if tm.nodes[root] == nil {
		return depc.Errorf(depc.ENOTFOUND, "node")
	}
	nodes := []depc.NodeKey{root}
	seen := map[depc.NodeKey]bool{root: true}
	for i := 0; i < len(nodes); i++ {
		if !tm.nodes[nodes[i]].Periods().ActiveDuring(w) {
			continue
		}
		for rk, es := range tm.rels {
			if rk[0] == nodes[i] && !seen[rk[1]] && es.Periods().ActiveDuring(w) && tm.nodes[rk[1]].Periods().ActiveDuring(w) {
				seen[rk[1]] = true
				nodes = append(nodes, rk[1])
			}
		}
	}
	return s.deliver(tm, nodes, w, sink, true)
}

func (s *memStore) DeleteNode(_ context.Context, team string, k depc.NodeKey) error {
	tm, err := s.lock(team, k)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if tm.nodes[k] == nil {
		return depc.Errorf(depc.ENOTFOUND, "node")
	}
	delete(tm.nodes, k)
	for rk := range tm.rels {
		if rk[0] == k || rk[1] == k {
			delete(tm.rels, rk)
		}
	}
	return nil
}

func (s *memStore) Ping(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return depc.Errorf(depc.EUNAVAILABLE, "closed")
	}
	return nil
}

func (s *memStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
