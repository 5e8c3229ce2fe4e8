package neo4j_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/graphtest"
	"github.com/depc-dev/depc/graph/neo4j"
	"github.com/depc-dev/depc/internal/testenv"
)

// config returns the test server's address, skipping (or failing in CI)
// when none is configured.
func config(tb testing.TB) neo4j.Config {
	tb.Helper()
	return neo4j.Config{
		URI:      testenv.RequireService(tb, testenv.Neo4jURI),
		User:     testenv.Getenv(testenv.Neo4jUser, "neo4j"),
		Password: testenv.Getenv(testenv.Neo4jPassword, ""),
	}
}

// MustOpen opens a store on the test server, closed at the end of the test.
func MustOpen(tb testing.TB) *neo4j.Store {
	tb.Helper()
	s, err := neo4j.Open(context.Background(), config(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// trackingStore remembers the teams written to, so that the test can
// delete them afterwards: the suite names its teams itself.
type trackingStore struct {
	*neo4j.Store
	mu    sync.Mutex
	teams map[string]bool
}

func (s *trackingStore) Apply(ctx context.Context, team string, events []depc.Event) error {
	if depc.ValidTeam(team) {
		s.mu.Lock()
		s.teams[team] = true
		s.mu.Unlock()
	}
	return s.Store.Apply(ctx, team, events)
}

func TestConformance(t *testing.T) {
	cfg := config(t)
	graphtest.Run(t, func(t *testing.T) depc.GraphStore {
		s, err := neo4j.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		ts := &trackingStore{Store: s, teams: map[string]bool{}}
		t.Cleanup(func() {
			s.Close() // the suite may have closed it already
			dropTeams(t, cfg, ts.teams)
		})
		return ts
	})
}

// dropTeams deletes the teams' data with a store of its own.
func dropTeams(t *testing.T, cfg neo4j.Config, teams map[string]bool) {
	if len(teams) == 0 {
		return
	}
	s, err := neo4j.Open(context.Background(), cfg)
	if err != nil {
		t.Error(err)
		return
	}
	defer s.Close()
	for team := range teams {
		if err := s.DeleteTeam(context.Background(), team); err != nil {
			t.Errorf("DeleteTeam(%s): %v", team, err)
		}
	}
}

// testTeam returns a fresh team name, deleted at the end of the test.
func testTeam(t *testing.T, s *neo4j.Store) string {
	team := fmt.Sprintf("nt%08x-%s", rand.Uint32(), "x")
	t.Cleanup(func() {
		if err := s.DeleteTeam(context.Background(), team); err != nil {
			t.Errorf("DeleteTeam: %v", err)
		}
	})
	return team
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestDeadServerIsUnavailable needs no server: a store pointed at a
// closed port answers EUNAVAILABLE from every method, so callers retry.
func TestDeadServerIsUnavailable(t *testing.T) {
	s, err := neo4j.Open(context.Background(), neo4j.Config{
		URI: "bolt://" + closedPort(t), User: "neo4j", Password: "secret-password",
		RetryTime: 10 * time.Millisecond, ConnectTimeout: time.Second,
	})
	if err != nil {
		t.Fatalf("Open does not connect, so it must not fail: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	k := depc.NodeKey{Label: "Website", Name: "w"}
	day := depc.Window{Start: 0, End: 86400}
	calls := []struct {
		name string
		call func() error
	}{
		{"Ping", func() error { return s.Ping(ctx) }},
		{"Apply", func() error { return s.Apply(ctx, "acme", []depc.Event{{Node: k}}) }},
		{"Node", func() error { _, err := s.Node(ctx, "acme", k); return err }},
		{"Labels", func() error { _, err := s.Labels(ctx, "acme"); return err }},
		{"Nodes", func() error { _, _, err := s.Nodes(ctx, "acme", "Website", "", 10, ""); return err }},
		{"Dependencies", func() error { _, err := s.Dependencies(ctx, "acme", k, depc.AtInstant(0)); return err }},
		{"Impacted", func() error { _, _, err := s.Impacted(ctx, "acme", k, "Offer", 0, 10, ""); return err }},
		{"Snapshot", func() error { return s.Snapshot(ctx, "acme", day, nil, discard{}) }},
		{"Subgraph", func() error { return s.Subgraph(ctx, "acme", k, day, discard{}) }},
		{"DeleteNode", func() error { return s.DeleteNode(ctx, "acme", k) }},
		{"DeleteTeam", func() error { return s.DeleteTeam(ctx, "acme") }},
	}
	for _, c := range calls {
		if got := depc.ErrorCode(c.call()); got != depc.EUNAVAILABLE {
			t.Errorf("%s against a closed port: code %q, want %q", c.name, got, depc.EUNAVAILABLE)
		}
	}
}

func TestWrongPasswordIsUnavailable(t *testing.T) {
	cfg := config(t)
	cfg.Password = "not-the-password"
	s, err := neo4j.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := depc.ErrorCode(s.Ping(context.Background())); got != depc.EUNAVAILABLE {
		t.Errorf("Ping with a wrong password: code %q, want %q", got, depc.EUNAVAILABLE)
	}
}

func TestOpenInvalid(t *testing.T) {
	for _, cfg := range []neo4j.Config{
		{},
		{URI: "http://127.0.0.1:7474"},
		{URI: "bolt://127.0.0.1:7687", BatchRows: -1},
	} {
		if _, err := neo4j.Open(context.Background(), cfg); depc.ErrorCode(err) != depc.EINVALID {
			t.Errorf("Open(%+v) = %v, want EINVALID", cfg, err)
		}
	}
}

func TestCanceledContext(t *testing.T) {
	s := MustOpen(t)
	team := testTeam(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Apply(ctx, team, []depc.Event{{Node: depc.NodeKey{Label: "Website", Name: "w"}}})
	if err == nil {
		t.Fatal("Apply with a canceled context succeeded")
	}
	if _, err := s.Node(context.Background(), team, depc.NodeKey{Label: "Website", Name: "w"}); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("Node after a canceled Apply: %v, want ENOTFOUND", err)
	}
}

// TestLargeBatchChunks applies one batch larger than BatchRows, so that
// every query of Apply runs in several chunks inside one transaction.
func TestLargeBatchChunks(t *testing.T) {
	cfg := config(t)
	cfg.BatchRows = 7
	s, err := neo4j.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() }) // after the team's deletion
	team := testTeam(t, s)
	hub := depc.NodeKey{Label: "Website", Name: "hub"}
	var events []depc.Event
	const n = 50
	for i := range n {
		f := depc.NodeKey{Label: "Filer", Name: fmt.Sprintf("f%02d", i)}
		events = append(events,
			depc.Event{Node: hub, Target: f, Kind: depc.EventOpen, From: int64(i)},
			depc.Event{Node: f, Kind: depc.EventSpan, From: int64(i), To: int64(i) + 10},
			depc.Event{Node: depc.NodeKey{Label: "Apache", Name: fmt.Sprintf("a%02d", i)}},
		)
	}
	if err := s.Apply(context.Background(), team, events); err != nil {
		t.Fatal(err)
	}
	// And again, now that every entity exists.
	if err := s.Apply(context.Background(), team, events); err != nil {
		t.Fatal(err)
	}
	deps, err := s.Dependencies(context.Background(), team, hub, depc.AtInstant(20))
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != n {
		t.Fatalf("%d dependencies, want %d", len(deps), n)
	}
	for i, d := range deps {
		want := depc.Periods{{From: int64(i), To: int64(i) + 10}}
		if len(d.Node.Periods) != 1 || d.Node.Periods[0] != want[0] {
			t.Errorf("%v periods %v, want %v", d.Node.Key, d.Node.Periods, want)
		}
		if active := i <= 20 && 20 < i+10; d.Active != active {
			t.Errorf("%v Active = %v, want %v", d.Node.Key, d.Active, active)
		}
	}
	labels, err := s.Labels(context.Background(), team)
	if err != nil {
		t.Fatal(err)
	}
	want := []depc.LabelCount{{Label: "Apache", Nodes: n}, {Label: "Filer", Nodes: n}, {Label: "Website", Nodes: 1}}
	if fmt.Sprint(labels) != fmt.Sprint(want) {
		t.Errorf("Labels = %v, want %v", labels, want)
	}
}

func TestDeleteTeam(t *testing.T) {
	s := MustOpen(t)
	team := testTeam(t, s)
	other := testTeam(t, s)
	k := depc.NodeKey{Label: "Website", Name: "w"}
	ev := []depc.Event{{Node: k, Target: depc.NodeKey{Label: "Filer", Name: "f"}}}
	ctx := context.Background()
	for _, tm := range []string{team, other} {
		if err := s.Apply(ctx, tm, ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	if labels, err := s.Labels(ctx, team); err != nil || len(labels) != 0 {
		t.Errorf("Labels after DeleteTeam = %v, %v; want none", labels, err)
	}
	if _, err := s.Node(ctx, other, k); err != nil {
		t.Errorf("the other team lost its node: %v", err)
	}
	// The team can be written again.
	if err := s.Apply(ctx, team, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Node(ctx, team, k); err != nil {
		t.Error(err)
	}
	if err := s.DeleteTeam(ctx, "Bad Team"); depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("DeleteTeam(bad name) = %v, want EINVALID", err)
	}
}

// discard is a sink that keeps nothing.
type discard struct{}

func (discard) Node(depc.SnapshotNode) error         { return nil }
func (discard) Relation(depc.SnapshotRelation) error { return nil }

func TestNodesExist(t *testing.T) {
	cfg := config(t)
	cfg.BatchRows = 2
	s, err := neo4j.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() }) // after the team's deletion
	team, other := testTeam(t, s), testTeam(t, s)
	ctx := context.Background()
	w, f := depc.NodeKey{Label: "Website", Name: "w"}, depc.NodeKey{Label: "Filer", Name: "f"}
	if err := s.Apply(ctx, team, []depc.Event{{Node: w, Target: f}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, other, []depc.Event{{Node: depc.NodeKey{Label: "Website", Name: "x"}}}); err != nil {
		t.Fatal(err)
	}
	keys := []depc.NodeKey{f, {Label: "Website", Name: "x"}, w, {Label: "Nope", Name: "w"}, {Label: "Filer", Name: "w"}}
	got, err := s.NodesExist(ctx, team, keys)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, false, false}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("NodesExist(%v) = %v, want %v", keys, got, want)
	}
	if _, err := s.NodesExist(ctx, team, []depc.NodeKey{{Label: "bad label", Name: "x"}}); depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("NodesExist(bad key) = %v, want EINVALID", err)
	}
}
