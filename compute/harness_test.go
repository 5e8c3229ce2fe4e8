package compute_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/plugins"
	"github.com/depc-dev/depc/state/sqlite"
)

// env is a whole computation's world: a graph store, a SQLite state store
// in a temporary directory, and test sources that return given datapoints.
type env struct {
	t     testing.TB
	ctx   context.Context
	graph depc.GraphStore
	state *sqlite.Store
	c     *compute.Computer

	mu      sync.Mutex
	sources map[string]*dataSource // by source name
}

// newEnv opens the stores. The graph is the embedded store unless a test
// asks for another.
func newEnv(t testing.TB, graph depc.GraphStore) *env {
	t.Helper()
	dir := t.TempDir()
	if graph == nil {
		graph = openGraph(t, dir)
	}
	st, err := sqlite.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, ctx: context.Background(), graph: graph, state: st, sources: map[string]*dataSource{}}
	e.c = compute.New(graph, st, e.open)
	return e
}

func (e *env) open(ctx context.Context, sc depc.SourceConfig) (depc.Source, error) {
	if sc.Plugin == "Test" {
		e.mu.Lock()
		defer e.mu.Unlock()
		if s := e.sources[sc.Name]; s != nil {
			s.opens.Add(1)
			return s, nil
		}
		return nil, depc.Errorf(depc.EINVALID, "source %q: no test source", sc.Name)
	}
	return plugins.All().Open(ctx, sc)
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// team creates a team with a test source "src" and returns the source.
func (e *env) team(name, tz string) *dataSource {
	e.t.Helper()
	_, err := e.state.CreateTeam(e.ctx, depc.Team{Name: name, Timezone: tz})
	e.must(err)
	return e.addSource(name, "src")
}

func (e *env) addSource(team, name string) *dataSource {
	e.t.Helper()
	_, err := e.state.CreateSource(e.ctx, team, depc.SourceConfig{Name: name, Plugin: "Test"})
	e.must(err)
	s := &dataSource{data: map[string][]depc.Series{}, errs: map[string]error{}}
	e.mu.Lock()
	e.sources[name] = s
	e.mu.Unlock()
	return s
}

func (e *env) check(team, name, source, typ, query, threshold string) {
	e.t.Helper()
	_, err := e.state.CreateCheck(e.ctx, team, depc.Check{Name: name, Source: source, Type: typ,
		Parameters: depc.CheckParameters{Query: query, Threshold: threshold}})
	e.must(err)
}

func (e *env) rule(team, name string, checks ...string) {
	e.t.Helper()
	_, err := e.state.CreateRule(e.ctx, team, depc.Rule{Name: name, Checks: checks})
	e.must(err)
}

func (e *env) config(team, doc string) {
	e.t.Helper()
	cfg, err := qos.DecodeConfig([]byte(doc))
	e.must(err)
	e.must(cfg.Validate(nil))
	_, err = e.state.SaveConfig(e.ctx, team, json.RawMessage(doc), cfg.RuleNames())
	e.must(err)
}

func (e *env) apply(team string, events ...depc.Event) {
	e.t.Helper()
	e.must(e.graph.Apply(e.ctx, team, events))
}

func (e *env) run(team, day string) compute.Report {
	e.t.Helper()
	rep, err := e.c.Day(e.ctx, team, day)
	if err != nil {
		e.t.Fatalf("Day(%s, %s): %v", team, day, err)
	}
	return rep
}

func (e *env) result(team, day, label, name string) depc.NodeDayResult {
	e.t.Helper()
	rs, err := e.state.NodeQoS(e.ctx, team, depc.NodeKey{Label: label, Name: name}, day, day)
	e.must(err)
	if len(rs) != 1 {
		e.t.Fatalf("%s/%s on %s: %d results, want 1", label, name, day, len(rs))
	}
	return rs[0]
}

// node returns the event declaring a node with the given periods (none:
// always active).
func node(label, name string, periods ...depc.Period) []depc.Event {
	if len(periods) == 0 {
		return []depc.Event{{Node: depc.NodeKey{Label: label, Name: name}}}
	}
	var out []depc.Event
	for _, p := range periods {
		out = append(out, span(depc.NodeKey{Label: label, Name: name}, depc.NodeKey{}, p))
	}
	return out
}

func span(n, target depc.NodeKey, p depc.Period) depc.Event {
	switch {
	case p.To == qos.PosInf:
		return depc.Event{Node: n, Target: target, Kind: depc.EventOpen, From: p.From}
	case p.From == qos.NegInf:
		return depc.Event{Node: n, Target: target, Kind: depc.EventClose, To: p.To}
	}
	return depc.Event{Node: n, Target: target, Kind: depc.EventSpan, From: p.From, To: p.To}
}

// rel returns the events of the relation a → b ("Label/name") with the
// given periods (none: always active).
func rel(a, b string, periods ...depc.Period) []depc.Event {
	ka, kb := key(a), key(b)
	if len(periods) == 0 {
		return []depc.Event{{Node: ka, Target: kb}}
	}
	var out []depc.Event
	for _, p := range periods {
		out = append(out, span(ka, kb, p))
	}
	return out
}

func key(s string) depc.NodeKey {
	for i := range len(s) {
		if s[i] == '/' {
			return depc.NodeKey{Label: s[:i], Name: s[i+1:]}
		}
	}
	panic("key: no / in " + s)
}

func events(groups ...[]depc.Event) []depc.Event {
	var out []depc.Event
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// dataSource is a source that returns given series per (query, name), or
// given errors, whatever the window: the indicator decides what counts.
type dataSource struct {
	mu   sync.Mutex
	data map[string][]depc.Series // key query + "\x00" + name
	errs map[string]error         // by name
	// errCheck, when set, limits the errors to the check of that query.
	errCheck string
	// silent are the names the source answers nothing for.
	silent  map[string]bool
	fetches int
	names   int
	// gate, when set, is called as Fetch starts with the fetch's context
	// (a test holds a fetch there).
	gate func(ctx context.Context)
	// opens and closes count the times the computations opened and closed
	// the source: they must end equal.
	opens, closes atomic.Int64
}

func (s *dataSource) set(query, name string, series ...[]qos.Point) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, pts := range series {
		s.data[query+"\x00"+name] = append(s.data[query+"\x00"+name], depc.Series{
			Labels: map[string]string{"__name__": query, "name": name, "series": fmt.Sprint(i)}, Points: pts})
	}
}

func (s *dataSource) fail(name string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs[name] = err
}

func (s *dataSource) ValidateCheck(depc.CheckParameters) error { return nil }

// Close counts: the test's sources outlive the computations, which must
// close what they open.
func (s *dataSource) Close() error {
	s.closes.Add(1)
	return nil
}

func (s *dataSource) Fetch(ctx context.Context, p depc.CheckParameters, w depc.Window, names []string, fn func(depc.SourceResult)) error {
	s.mu.Lock()
	s.fetches++
	s.names += len(names)
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		gate(ctx)
	}
	for _, n := range slices.Backward(names) { // any order
		s.mu.Lock()
		err, series, silent := s.errs[n], s.data[p.Query+"\x00"+n], s.silent[n]
		if s.errCheck != "" && p.Query != s.errCheck {
			err = nil
		}
		s.mu.Unlock()
		if silent {
			continue
		}
		fn(depc.SourceResult{Name: n, Series: series, Err: err})
	}
	return ctx.Err()
}

// points returns datapoints every step seconds over [from, to), value ok
// (10) except where a KO span [a, b) (offsets from from) says 100: a
// threshold of 20 reads them.
func points(from, to, step int64, ko ...[2]int64) []qos.Point {
	var out []qos.Point
	for t := from; t < to; t += step {
		v := 10.0
		for _, k := range ko {
			if t >= from+k[0] && t < from+k[1] {
				v = 100
			}
		}
		out = append(out, qos.Point{T: t, V: v})
	}
	return out
}

// dayStart returns the start of a UTC day.
func dayStart(day string) int64 {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

func qosString(q *float64) string {
	if q == nil {
		return "null"
	}
	return qos.Format(*q, 3)
}

func i64(p *int64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
