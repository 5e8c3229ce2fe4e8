package memgraph

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/depc-dev/depc"
)

// Store is an in-memory depc.GraphStore. The zero value is not ready: use
// New. It is safe for concurrent use.
type Store struct {
	mu     sync.Mutex
	closed bool
	teams  map[string]*team
	// versions are the teams' graph versions (depc.GraphVersioner), each
	// taken from changes, which only grows.
	versions map[string]int64
	changes  int64
}

// team is one team's graph: each node's and each relation's events, merged
// into periods by depc.EventSet as a real store merges them.
type team struct {
	nodes map[depc.NodeKey]*depc.EventSet
	rels  map[[2]depc.NodeKey]*depc.EventSet // {source, target}
}

var (
	_ depc.GraphStore     = (*Store)(nil)
	_ depc.GraphVersioner = (*Store)(nil)
)

// New returns an empty store.
func New() *Store { return &Store{teams: map[string]*team{}, versions: map[string]int64{}} }

// changed gives the teams a new version. s.mu is held.
func (s *Store) changed(teams ...string) {
	s.changes++
	for _, t := range teams {
		s.versions[t] = s.changes
	}
}

// GraphVersion returns the team's graph version.
func (s *Store) GraphVersion(ctx context.Context, teamName string) (int64, error) {
	if _, err := s.lock(ctx, teamName, nil); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	return s.versions[teamName], nil
}

// lock checks the arguments every method shares and, when they hold, takes
// the store's lock and returns the team's graph (created empty). The
// caller unlocks s.mu.
func (s *Store) lock(ctx context.Context, teamName string, keys []depc.NodeKey, labels ...string) (*team, error) {
	if err := ctx.Err(); err != nil {
		return nil, depc.WrapError(depc.EUNAVAILABLE, err, "memgraph")
	}
	if err := depc.CheckTeam("team", teamName); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := k.Validate(); err != nil {
			return nil, err
		}
	}
	for _, l := range labels {
		if err := depc.CheckLabel("label", l); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, depc.Errorf(depc.EUNAVAILABLE, "memgraph: closed")
	}
	tm := s.teams[teamName]
	if tm == nil {
		tm = &team{nodes: map[depc.NodeKey]*depc.EventSet{}, rels: map[[2]depc.NodeKey]*depc.EventSet{}}
		s.teams[teamName] = tm
	}
	return tm, nil
}

func notFound(k depc.NodeKey) error { return depc.Errorf(depc.ENOTFOUND, "node %s not found", k) }

func validWindow(w depc.Window) error {
	if w.Start >= w.End {
		return depc.Errorf(depc.EINVALID, "window: start %d must be before end %d", w.Start, w.End)
	}
	return nil
}

func validLimit(limit int) error {
	if limit < 1 {
		return depc.Errorf(depc.EINVALID, "limit: must be at least 1, found %d", limit)
	}
	return nil
}

// Apply validates every event first, so that a batch applies all or
// nothing.
func (s *Store) Apply(ctx context.Context, teamName string, events []depc.Event) error {
	for i, e := range events {
		if err := depc.ValidateEvent(e); err != nil {
			return depc.Errorf(depc.EINVALID, "events[%d]: %v", i, err)
		}
	}
	tm, err := s.lock(ctx, teamName, nil)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if len(events) > 0 {
		s.changed(teamName)
	}
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

func (s *Store) Node(ctx context.Context, teamName string, k depc.NodeKey) (depc.Node, error) {
	tm, err := s.lock(ctx, teamName, []depc.NodeKey{k})
	if err != nil {
		return depc.Node{}, err
	}
	defer s.mu.Unlock()
	es := tm.nodes[k]
	if es == nil {
		return depc.Node{}, notFound(k)
	}
	return depc.Node{Key: k, Periods: es.Periods()}, nil
}

func (s *Store) Labels(ctx context.Context, teamName string) ([]depc.LabelCount, error) {
	tm, err := s.lock(ctx, teamName, nil)
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

// page returns the page of sorted names after the name after ("" for the
// first page) and the cursor of the next page ("" for the last).
func page(names []string, limit int, after string) ([]string, string) {
	slices.Sort(names)
	i := 0
	if after != "" {
		i, _ = slices.BinarySearch(names, after)
		if i < len(names) && names[i] == after {
			i++
		}
	}
	names = names[i:]
	if len(names) > limit {
		return names[:limit], names[limit-1]
	}
	return names, ""
}

func (s *Store) Nodes(ctx context.Context, teamName, label, substring string, limit int, after string) ([]string, string, error) {
	if err := validLimit(limit); err != nil {
		return nil, "", err
	}
	tm, err := s.lock(ctx, teamName, nil, label)
	if err != nil {
		return nil, "", err
	}
	defer s.mu.Unlock()
	var names []string
	for k := range tm.nodes {
		if k.Label == label && strings.Contains(k.Name, substring) {
			names = append(names, k.Name)
		}
	}
	p, next := page(names, limit, after)
	return p, next, nil
}

// neighbours lists the dependencies (down) or the dependents of k.
func (s *Store) neighbours(ctx context.Context, teamName string, k depc.NodeKey, when depc.Activity, down bool) ([]depc.Dependency, error) {
	if when.Kind == depc.ActiveDuring {
		if err := validWindow(when.Window); err != nil {
			return nil, err
		}
	}
	tm, err := s.lock(ctx, teamName, []depc.NodeKey{k})
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if tm.nodes[k] == nil {
		return nil, notFound(k)
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

func (s *Store) Dependencies(ctx context.Context, teamName string, k depc.NodeKey, when depc.Activity) ([]depc.Dependency, error) {
	return s.neighbours(ctx, teamName, k, when, true)
}

func (s *Store) Dependents(ctx context.Context, teamName string, k depc.NodeKey, when depc.Activity) ([]depc.Dependency, error) {
	return s.neighbours(ctx, teamName, k, when, false)
}

// Impacted walks up from k, breadth first, through what is active at at.
func (s *Store) Impacted(ctx context.Context, teamName string, k depc.NodeKey, label string, at int64, limit int, after string) ([]depc.NodeKey, string, error) {
	if err := validLimit(limit); err != nil {
		return nil, "", err
	}
	tm, err := s.lock(ctx, teamName, []depc.NodeKey{k}, label)
	if err != nil {
		return nil, "", err
	}
	defer s.mu.Unlock()
	if tm.nodes[k] == nil {
		return nil, "", notFound(k)
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

// deliver streams nodes, then the relations between them active during w
// (and, with bothActive, whose ends are too). Relations come in Go's
// random map order, and so do a snapshot's nodes: what reads a snapshot
// must not depend on the order a store delivers it in.
func deliver(tm *team, nodes []depc.NodeKey, w depc.Window, sink depc.SnapshotSink, bothActive bool) error {
	ids := make(map[depc.NodeKey]int32, len(nodes))
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
		if bothActive && (!tm.nodes[rk[0]].Periods().ActiveDuring(w) || !tm.nodes[rk[1]].Periods().ActiveDuring(w)) {
			continue
		}
		if err := sink.Relation(depc.SnapshotRelation{From: a, To: b, Periods: es.Periods()}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) Snapshot(ctx context.Context, teamName string, w depc.Window, labels []string, sink depc.SnapshotSink) error {
	if err := validWindow(w); err != nil {
		return err
	}
	tm, err := s.lock(ctx, teamName, nil, labels...)
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
	return deliver(tm, nodes, w, sink, false)
}

func (s *Store) Subgraph(ctx context.Context, teamName string, root depc.NodeKey, w depc.Window, sink depc.SnapshotSink) error {
	if err := validWindow(w); err != nil {
		return err
	}
	tm, err := s.lock(ctx, teamName, []depc.NodeKey{root})
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if tm.nodes[root] == nil {
		return notFound(root)
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
	return deliver(tm, nodes, w, sink, true)
}

func (s *Store) DeleteNode(ctx context.Context, teamName string, k depc.NodeKey) error {
	tm, err := s.lock(ctx, teamName, []depc.NodeKey{k})
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if tm.nodes[k] == nil {
		return notFound(k)
	}
	s.changed(teamName)
	delete(tm.nodes, k)
	for rk := range tm.rels {
		if rk[0] == k || rk[1] == k {
			delete(tm.rels, rk)
		}
	}
	return nil
}

func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return depc.WrapError(depc.EUNAVAILABLE, err, "memgraph")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return depc.Errorf(depc.EUNAVAILABLE, "memgraph: closed")
	}
	return nil
}

// Close makes every later call fail with EUNAVAILABLE; the graph is
// dropped.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.teams = nil
	return nil
}

// DeleteTeam removes the team's graph.
func (s *Store) DeleteTeam(ctx context.Context, teamName string) error {
	if _, err := s.lock(ctx, teamName, nil); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.changed(teamName)
	delete(s.teams, teamName)
	return nil
}

// RenameTeam moves the team's graph to another name.
func (s *Store) RenameTeam(ctx context.Context, from, to string) error {
	if err := depc.CheckTeam("to", to); err != nil {
		return err
	}
	tm, err := s.lock(ctx, from, nil)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if from == to {
		return nil
	}
	if t := s.teams[to]; t != nil && len(t.nodes) > 0 {
		return depc.Errorf(depc.ECONFLICT, "team %s has a graph already: it cannot take team %s's", to, from)
	}
	s.changed(from, to)
	delete(s.teams, from)
	if len(tm.nodes) > 0 {
		s.teams[to] = tm
	}
	return nil
}
