package limits

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/depc-dev/depc"
)

// Store gives the limits the admin set per team (depc.TeamStore).
type Store interface {
	TeamLimits(ctx context.Context, team string) (depc.Limits, error)
}

// Graph gives a team's labels and nodes (depc.GraphStore).
type Graph interface {
	Labels(ctx context.Context, team string) ([]depc.LabelCount, error)
	Node(ctx context.Context, team string, key depc.NodeKey) (depc.Node, error)
}

// NodesExist is implemented by graph stores that tell which of many nodes
// exist in one call; the others are asked node by node.
type NodesExist interface {
	// NodesExist reports, for each key, whether the team has the node.
	NodesExist(ctx context.Context, team string, keys []depc.NodeKey) ([]bool, error)
}

// DefaultTTL is how long a Guard trusts what it read of a team: its
// limits and its usage.
const DefaultTTL = 30 * time.Second

// Options are a Guard's optional settings.
type Options struct {
	// TTL: see DefaultTTL (0 means it).
	TTL time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Guard enforces the per-team limits of one process. It is safe for
// concurrent use; the work of one team is serialised, teams do not wait
// for each other.
type Guard struct {
	defaults depc.Limits
	store    Store
	graph    Graph
	ttl      time.Duration
	now      func() time.Time

	mu    sync.Mutex
	teams map[string]*team
}

// team is what the Guard knows of one team.
type team struct {
	mu sync.Mutex // serialises Admit and the loading of limits

	limits   depc.Limits
	limitsAt time.Time // zero: not loaded

	// The rate bucket, in messages; negative is debt.
	tokens   float64
	tokensAt time.Time

	usage *usage // nil: unknown
	// pending are the admissions not yet written to the graph (or whose
	// writing the caller did not report), counted on top of what the
	// graph store says.
	pending map[uint64]admission
	nextID  uint64
}

// admission is what one Admit counted.
type admission struct {
	labels []string
	nodes  int
	at     time.Time
}

// usage is a team's labels and node count as the Guard knows them.
type usage struct {
	labels map[string]bool
	nodes  int
	// exact: nodes is the store's count plus the nodes known to be new;
	// otherwise it is an upper bound (nodes of admitted batches counted
	// as new).
	exact bool
	at    time.Time
}

// New returns a Guard with the server's default limits (which must pass
// Validate), the admin's overrides from store and the graph to count
// usage in.
func New(defaults depc.Limits, store Store, graph Graph, opts Options) *Guard {
	g := &Guard{defaults: defaults, store: store, graph: graph, ttl: opts.TTL, now: opts.Now, teams: map[string]*team{}}
	if g.ttl <= 0 {
		g.ttl = DefaultTTL
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g
}

// Defaults returns the server's default limits.
func (g *Guard) Defaults() depc.Limits { return g.defaults }

func (g *Guard) team(name string) *team {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.teams[name]
	if t == nil {
		t = &team{}
		g.teams[name] = t
	}
	return t
}

// Forget drops what the Guard knows of a team (its limits were changed,
// its graph deleted): the next call reads it again. The rate bucket is
// kept.
func (g *Guard) Forget(name string) {
	t := g.team(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.limitsAt, t.usage = time.Time{}, nil
}

// Limits returns the team's effective limits: the admin's overrides over
// the defaults. An error of the store is returned (EUNAVAILABLE: retry).
func (g *Guard) Limits(ctx context.Context, name string) (depc.Limits, error) {
	t := g.team(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	return g.limits(ctx, name, t)
}

func (g *Guard) limits(ctx context.Context, name string, t *team) (depc.Limits, error) {
	now := g.now()
	if !t.limitsAt.IsZero() && now.Sub(t.limitsAt) < g.ttl {
		return t.limits, nil
	}
	o, err := g.store.TeamLimits(ctx, name)
	if err != nil {
		return depc.Limits{}, err
	}
	t.limits, t.limitsAt = o.Over(g.defaults), now
	return t.limits, nil
}

// CheckSize returns the error of a message of size bytes over the team's
// MessageBytes (ETOOLARGE, naming the limit), nil when it fits.
func CheckSize(name string, l depc.Limits, size int) error {
	if l.MessageBytes > 0 && size > l.MessageBytes {
		return depc.Errorf(depc.ETOOLARGE, "message: larger than %d bytes, the limit of team %s (limits.message_bytes)", l.MessageBytes, name)
	}
	return nil
}

// Take takes n messages from the team's rate bucket. It returns 0 when
// they are admitted: the bucket was not empty (it may go into debt). It
// returns how long to wait before the bucket holds a message again when
// it is empty or in debt; nothing is taken then.
func (g *Guard) Take(name string, l depc.Limits, n int) time.Duration {
	if l.MessagesPerSecond <= 0 || n <= 0 {
		return 0
	}
	t := g.team(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	rate := float64(l.MessagesPerSecond)
	now := g.now()
	if t.tokensAt.IsZero() {
		t.tokens = rate
	} else {
		t.tokens = math.Min(rate, t.tokens+rate*now.Sub(t.tokensAt).Seconds())
	}
	t.tokensAt = now
	if t.tokens <= 0 {
		// Until the debt is paid and one message is there.
		return time.Duration((1 - t.tokens) / rate * float64(time.Second))
	}
	t.tokens -= float64(n)
	return 0
}

// RateError is the error of a request refused by Take (ELIMIT, naming the
// limit and when to retry).
func RateError(name string, l depc.Limits, wait time.Duration) error {
	return depc.Errorf(depc.ELIMIT, "limit: team %s may send %d messages per second (limits.messages_per_second); retry in %s",
		name, l.MessagesPerSecond, roundUp(wait))
}

func roundUp(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond) + time.Millisecond
	}
	return d.Round(time.Second) + time.Second
}

// Admit checks messages (each the events of one message) against the
// team's Labels and Nodes limits, in order, and counts those it admits. It
// returns one error per message, nil for an admitted one (ELIMIT naming
// the limit otherwise), or an error of the stores (EUNAVAILABLE: retry;
// nothing was counted).
//
// The caller calls written once the admitted events are written to the
// graph store (or will not be): until then they count on top of what the
// store says, so that a refresh that reads the store before the write
// does not forget them. An admission whose written never comes stops
// counting after the TTL.
func (g *Guard) Admit(ctx context.Context, name string, l depc.Limits, msgs [][]depc.Event) (errs []error, written func(), err error) {
	errs = make([]error, len(msgs))
	if l.Labels <= 0 && l.Nodes <= 0 || len(msgs) == 0 {
		return errs, func() {}, nil
	}
	t := g.team(name)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := g.now()
	if t.usage == nil || now.Sub(t.usage.at) >= g.ttl {
		if err := g.refresh(ctx, name, t); err != nil {
			return nil, nil, err
		}
	}
	u := t.usage

	// The batch's labels and nodes.
	labels := map[string]bool{}
	nodes := map[depc.NodeKey]bool{}
	for _, m := range msgs {
		for _, e := range m {
			labels[e.Node.Label], nodes[e.Node] = true, true
			if e.IsRelation() {
				labels[e.Target.Label], nodes[e.Target] = true, true
			}
		}
	}
	var newLabels []string
	for l := range labels {
		if !u.labels[l] {
			newLabels = append(newLabels, l)
		}
	}
	if fits(l.Labels, len(u.labels)+len(newLabels)) && fits(l.Nodes, u.nodes+len(nodes)) {
		// Clearly within: count every node as new, an upper bound.
		for _, l := range newLabels {
			u.labels[l] = true
		}
		u.nodes += len(nodes)
		u.exact = false
		return errs, g.pend(name, t, admission{labels: newLabels, nodes: len(nodes), at: now}), nil
	}

	// Near a limit: exact usage, and which nodes exist.
	if !u.exact {
		if err := g.refresh(ctx, name, t); err != nil {
			return nil, nil, err
		}
		u = t.usage
	}
	exists, err := g.exist(ctx, name, nodes, u)
	if err != nil {
		return nil, nil, err
	}
	var counted admission
	counted.at = now
	for i, m := range msgs {
		var addLabels []string
		var addNodes []depc.NodeKey
		seen := map[depc.NodeKey]bool{}
		add := func(k depc.NodeKey) {
			if !u.labels[k.Label] && !contains(addLabels, k.Label) {
				addLabels = append(addLabels, k.Label)
			}
			if !exists[k] && !seen[k] {
				seen[k] = true
				addNodes = append(addNodes, k)
			}
		}
		for _, e := range m {
			add(e.Node)
			if e.IsRelation() {
				add(e.Target)
			}
		}
		switch {
		case !fits(l.Labels, len(u.labels)+len(addLabels)):
			errs[i] = depc.Errorf(depc.ELIMIT, "limit: team %s may have at most %d labels (limits.labels); label %s would be one more",
				name, l.Labels, addLabels[0])
		case !fits(l.Nodes, u.nodes+len(addNodes)):
			errs[i] = depc.Errorf(depc.ELIMIT, "limit: team %s may have at most %d nodes (limits.nodes); it has %d, %s would be one more",
				name, l.Nodes, u.nodes, addNodes[0])
		default:
			for _, l := range addLabels {
				u.labels[l] = true
			}
			for _, k := range addNodes {
				exists[k] = true
			}
			u.nodes += len(addNodes)
			counted.labels = append(counted.labels, addLabels...)
			counted.nodes += len(addNodes)
		}
	}
	return errs, g.pend(name, t, counted), nil
}

// pend records an admission as pending and returns its written.
func (g *Guard) pend(name string, t *team, a admission) func() {
	if a.nodes == 0 && len(a.labels) == 0 {
		return func() {}
	}
	if t.pending == nil {
		t.pending = map[uint64]admission{}
	}
	t.nextID++
	id := t.nextID
	t.pending[id] = a
	var once sync.Once
	return func() {
		once.Do(func() {
			t := g.team(name)
			t.mu.Lock()
			defer t.mu.Unlock()
			delete(t.pending, id)
		})
	}
}

func fits(limit, n int) bool { return limit <= 0 || n <= limit }

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// refresh reads the team's usage from the graph store, plus the pending
// admissions.
func (g *Guard) refresh(ctx context.Context, name string, t *team) error {
	ls, err := g.graph.Labels(ctx, name)
	if err != nil {
		return err
	}
	now := g.now()
	u := &usage{labels: make(map[string]bool, len(ls)), exact: true, at: now}
	for _, l := range ls {
		u.labels[l.Label] = true
		u.nodes += l.Nodes
	}
	for id, a := range t.pending {
		if now.Sub(a.at) >= g.ttl {
			delete(t.pending, id)
			continue
		}
		for _, l := range a.labels {
			u.labels[l] = true
		}
		u.nodes += a.nodes
	}
	t.usage = u
	return nil
}

// exist tells which of the nodes the team has. Nodes of a label the team
// does not have are new without asking.
func (g *Guard) exist(ctx context.Context, name string, nodes map[depc.NodeKey]bool, u *usage) (map[depc.NodeKey]bool, error) {
	out := make(map[depc.NodeKey]bool, len(nodes))
	var ask []depc.NodeKey
	for k := range nodes {
		if u.labels[k.Label] {
			ask = append(ask, k)
		}
	}
	if len(ask) == 0 {
		return out, nil
	}
	if ne, ok := g.graph.(NodesExist); ok {
		found, err := ne.NodesExist(ctx, name, ask)
		if err != nil {
			return nil, err
		}
		if len(found) != len(ask) {
			return nil, depc.Errorf(depc.EINTERNAL, "limits: NodesExist answered %d of %d nodes", len(found), len(ask))
		}
		for i, k := range ask {
			out[k] = found[i]
		}
		return out, nil
	}
	for _, k := range ask {
		_, err := g.graph.Node(ctx, name, k)
		switch depc.ErrorCode(err) {
		case "":
			out[k] = true
		case depc.ENOTFOUND:
		default:
			return nil, fmt.Errorf("limits: looking node %s up: %w", k, err)
		}
	}
	return out, nil
}
