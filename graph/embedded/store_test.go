package embedded_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/embedded"
	"github.com/depc-dev/depc/graph/graphtest"
	"github.com/depc-dev/depc/qos"
)

// MustOpen opens a store in a new temporary directory, closed at the end
// of the test.
func MustOpen(tb testing.TB) *embedded.Store {
	tb.Helper()
	return mustOpenDir(tb, tb.TempDir())
}

func mustOpenDir(tb testing.TB, dir string) *embedded.Store {
	tb.Helper()
	s, err := embedded.Open(dir)
	if err != nil {
		tb.Fatalf("Open(%s): %v", dir, err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	graphtest.Run(t, func(t *testing.T) depc.GraphStore { return MustOpen(t) })
}

var ctx = context.Background()

var (
	web   = depc.NodeKey{Label: "Website", Name: "w/1?#%"}
	filer = depc.NodeKey{Label: "Filer", Name: "f1"}
)

// TestReopen checks that what a store holds survives closing it, in a
// directory whose name needs escaping in a URI.
func TestReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data dir ?#%&=")
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	events := []depc.Event{
		{Node: web, Kind: depc.EventOpen, From: 100},
		{Node: web, Target: filer, Kind: depc.EventSpan, From: 10, To: 20},
		{Node: web, Target: filer, Kind: depc.EventOpen, From: 50},
	}
	if err := s.Apply(ctx, "acme", events); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, embedded.FileName)); err != nil {
		t.Fatalf("the database is not where it should be: %v", err)
	}

	s = mustOpenDir(t, dir)
	n, err := s.Node(ctx, "acme", web)
	if err != nil {
		t.Fatal(err)
	}
	if want := (depc.Periods{{From: 100, To: qos.PosInf}}); !slices.Equal(n.Periods, want) {
		t.Errorf("periods after reopening = %v, want %v", n.Periods, want)
	}
	deps, err := s.Dependencies(ctx, "acme", web, depc.AtInstant(15))
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || !deps[0].Active || !slices.Equal(deps[0].Relation, depc.Periods{{From: 10, To: 20}, {From: 50, To: qos.PosInf}}) {
		t.Errorf("dependencies after reopening = %+v", deps)
	}
	labels, err := s.Labels(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if want := []depc.LabelCount{{Label: "Filer", Nodes: 1}, {Label: "Website", Nodes: 1}}; !slices.Equal(labels, want) {
		t.Errorf("labels after reopening = %v, want %v", labels, want)
	}
	// The event sets survived too: a late close is folded into them.
	if err := s.Apply(ctx, "acme", []depc.Event{{Node: web, Target: filer, Kind: depc.EventClose, To: 60}}); err != nil {
		t.Fatal(err)
	}
	deps, _ = s.Dependencies(ctx, "acme", web, depc.AtInstant(15))
	if len(deps) != 1 || !slices.Equal(deps[0].Relation, depc.Periods{{From: 10, To: 20}, {From: 50, To: 60}}) {
		t.Errorf("dependencies after a late close = %+v", deps)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage")
	if err := os.MkdirAll(garbage, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(garbage, embedded.FileName), []byte(strings.Repeat("not a database ", 300)), 0o600); err != nil {
		t.Fatal(err)
	}
	dirAsDB := filepath.Join(dir, "dir-as-db")
	if err := os.MkdirAll(filepath.Join(dirAsDB, embedded.FileName), 0o750); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, dir, code, says string
	}{
		{"empty path", "", depc.EINVALID, "directory"},
		{"under a regular file", filepath.Join(file, "sub"), depc.EUNAVAILABLE, file},
		{"not a database", garbage, depc.EINTERNAL, "not a valid graph database"},
		{"database is a directory", dirAsDB, depc.EUNAVAILABLE, dirAsDB},
	}
	for _, c := range cases {
		s, err := embedded.Open(c.dir)
		if err == nil {
			s.Close()
			t.Errorf("%s: Open succeeded", c.name)
			continue
		}
		if depc.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: Open = %v (code %s), want code %s and a message with %q", c.name, err, depc.ErrorCode(err), c.code, c.says)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A database written by a newer depc.
	setUserVersion(t, filepath.Join(dir, embedded.FileName), 99)
	_, err = embedded.Open(dir)
	if depc.ErrorCode(err) != depc.EINTERNAL || !strings.Contains(err.Error(), "upgrade depc") {
		t.Fatalf("Open of a newer schema = %v, want EINTERNAL asking to upgrade", err)
	}
}

func TestClosedStore(t *testing.T) {
	s, err := embedded.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	w := depc.Window{Start: 0, End: 1}
	calls := map[string]error{
		"Apply":        s.Apply(ctx, "acme", []depc.Event{{Node: web}}),
		"Labels":       func() error { _, err := s.Labels(ctx, "acme"); return err }(),
		"Nodes":        func() error { _, _, err := s.Nodes(ctx, "acme", "Website", "", 1, ""); return err }(),
		"Dependencies": func() error { _, err := s.Dependencies(ctx, "acme", web, depc.AtInstant(0)); return err }(),
		"Impacted":     func() error { _, _, err := s.Impacted(ctx, "acme", web, "Offer", 0, 1, ""); return err }(),
		"Subgraph":     s.Subgraph(ctx, "acme", web, w, nil),
		"DeleteNode":   s.DeleteNode(ctx, "acme", web),
		"Ping":         s.Ping(ctx),
	}
	for name, err := range calls {
		if depc.ErrorCode(err) != depc.EUNAVAILABLE || !strings.Contains(err.Error(), "closed") {
			t.Errorf("%s on a closed store = %v, want EUNAVAILABLE saying it is closed", name, err)
		}
	}
}

func TestCancelled(t *testing.T) {
	s := MustOpen(t)
	c, cancel := context.WithCancel(ctx)
	cancel()
	err := s.Apply(c, "acme", []depc.Event{{Node: web}})
	if depc.ErrorCode(err) != depc.EUNAVAILABLE || !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with a cancelled context = %v, want EUNAVAILABLE wrapping context.Canceled", err)
	}
	if _, err := s.Node(ctx, "acme", web); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Fatalf("a cancelled Apply wrote: Node = %v", err)
	}
	if _, err := s.Node(c, "acme", web); depc.ErrorCode(err) != depc.EUNAVAILABLE {
		t.Fatalf("Node with a cancelled context = %v, want EUNAVAILABLE", err)
	}
}

// sinkFunc counts what a snapshot delivers.
type pairSink struct {
	nodes map[int32]depc.NodeKey
	rels  map[[2]string]bool
}

func (p *pairSink) Node(n depc.SnapshotNode) error { p.nodes[n.ID] = n.Key; return nil }
func (p *pairSink) Relation(r depc.SnapshotRelation) error {
	p.rels[[2]string{p.nodes[r.From].Name, p.nodes[r.To].Name}] = true
	return nil
}

// TestSnapshotIsConsistent takes snapshots while batches are applied: each
// batch adds two nodes and the relation between them, so a snapshot that
// sees one of the nodes must see the relation too.
func TestSnapshotIsConsistent(t *testing.T) {
	s := MustOpen(t)
	const batches = 200
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range batches {
			e := depc.Event{
				Node:   depc.NodeKey{Label: "Website", Name: fmt.Sprintf("w%d", i)},
				Target: depc.NodeKey{Label: "Filer", Name: fmt.Sprintf("f%d", i)},
			}
			if err := s.Apply(ctx, "acme", []depc.Event{e}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	everything := depc.Window{Start: qos.NegInf, End: qos.PosInf}
	for {
		sink := &pairSink{nodes: map[int32]depc.NodeKey{}, rels: map[[2]string]bool{}}
		if err := s.Snapshot(ctx, "acme", everything, nil, sink); err != nil {
			t.Fatal(err)
		}
		for _, k := range sink.nodes {
			if k.Label != "Website" {
				continue
			}
			f := "f" + strings.TrimPrefix(k.Name, "w")
			if !sink.rels[[2]string{k.Name, f}] {
				t.Fatalf("snapshot has %v but not its relation to %s", k, f)
			}
		}
		if len(sink.rels) == batches {
			break
		}
	}
	wg.Wait()
}

// setUserVersion rewrites the schema version of a database file, as a
// newer depc would leave it.
func setUserVersion(t *testing.T, path string, v int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		t.Fatal(err)
	}
}

// TestApplyModes drives both ways Apply resolves nodes: a label whose last
// batch was mostly new nodes is inserted first, and existing nodes met then
// must be found, counted once and keep their event sets.
func TestApplyModes(t *testing.T) {
	s := MustOpen(t)
	rel := func(from, to string, kind depc.EventKind, at int64) depc.Event {
		return depc.Event{
			Node:   depc.NodeKey{Label: "Website", Name: from},
			Target: depc.NodeKey{Label: "Filer", Name: to},
			Kind:   kind, From: at, To: at,
		}
	}
	var first []depc.Event
	for i := range 600 { // more than one insert chunk
		first = append(first, rel(fmt.Sprintf("w%03d", i), "f", depc.EventOpen, 10))
	}
	first = append(first, depc.Event{Node: depc.NodeKey{Label: "Website", Name: "w000"}, Kind: depc.EventOpen, From: 5})
	if err := s.Apply(ctx, "acme", first); err != nil {
		t.Fatal(err)
	}
	// Websites were all new: the next batch inserts them first. Half of it
	// exists already, one existing node gets a node event, one new node too.
	var second []depc.Event
	for i := 300; i < 900; i++ {
		second = append(second, rel(fmt.Sprintf("w%03d", i), "f", depc.EventClose, 20))
	}
	second = append(second,
		depc.Event{Node: depc.NodeKey{Label: "Website", Name: "w000"}, Kind: depc.EventClose, To: 7},
		depc.Event{Node: depc.NodeKey{Label: "Website", Name: "w999"}, Kind: depc.EventSpan, From: 1, To: 2},
	)
	for range 2 { // and once more as a replay, now in the other mode
		if err := s.Apply(ctx, "acme", second); err != nil {
			t.Fatal(err)
		}
	}
	labels, err := s.Labels(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if want := []depc.LabelCount{{Label: "Filer", Nodes: 1}, {Label: "Website", Nodes: 901}}; !slices.Equal(labels, want) {
		t.Errorf("Labels = %v, want %v", labels, want)
	}
	for _, c := range []struct {
		name string
		rel  depc.Periods
	}{
		{"w000", depc.Periods{{From: 10, To: qos.PosInf}}},
		{"w299", depc.Periods{{From: 10, To: qos.PosInf}}},
		{"w300", depc.Periods{{From: 10, To: 20}}},
		{"w599", depc.Periods{{From: 10, To: 20}}},
		{"w600", depc.Periods{{From: qos.NegInf, To: 20}}},
	} {
		deps, err := s.Dependencies(ctx, "acme", depc.NodeKey{Label: "Website", Name: c.name}, depc.Activity{})
		if err != nil || len(deps) != 1 || !slices.Equal(deps[0].Relation, c.rel) {
			t.Errorf("%s: dependencies %+v, %v; want one with %v", c.name, deps, err, c.rel)
		}
	}
	for name, want := range map[string]depc.Periods{
		"w000": {{From: 5, To: 7}},
		"w999": {{From: 1, To: 2}},
		"w500": qos.Always,
	} {
		n, err := s.Node(ctx, "acme", depc.NodeKey{Label: "Website", Name: name})
		if err != nil || !slices.Equal(n.Periods, want) {
			t.Errorf("%s: %v, %v; want %v", name, n.Periods, err, want)
		}
	}
}

// TestTwoStoresOneDirectory opens the same database twice, as two
// processes would: what one deletes and recreates, the other must not
// reach through ids it remembered.
func TestTwoStoresOneDirectory(t *testing.T) {
	dir := t.TempDir()
	a, b := mustOpenDir(t, dir), mustOpenDir(t, dir)
	key := func(label, name string) depc.NodeKey { return depc.NodeKey{Label: label, Name: name} }
	rel := func(from, to depc.NodeKey) []depc.Event { return []depc.Event{{Node: from, Target: to}} }
	f := key("Filer", "f")
	for i := range 3 { // a learns f's id
		if err := a.Apply(ctx, "acme", rel(key("Website", fmt.Sprint("w", i)), f)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.DeleteNode(ctx, "acme", f); err != nil {
		t.Fatal(err)
	}
	// b makes other nodes, so that f's old id may be handed out again.
	for i := range 5 {
		if err := b.Apply(ctx, "acme", rel(key("Disk", fmt.Sprint("d", i)), key("Disk", fmt.Sprint("e", i)))); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Apply(ctx, "acme", rel(key("Website", "late"), f)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*embedded.Store{a, b} {
		dents, err := s.Dependents(ctx, "acme", f, depc.Activity{})
		if err != nil {
			t.Fatal(err)
		}
		if len(dents) != 1 || dents[0].Node.Key != key("Website", "late") {
			t.Errorf("dependents of the recreated filer = %+v, want only Website/late", dents)
		}
		deps, err := s.Dependencies(ctx, "acme", key("Website", "late"), depc.Activity{})
		if err != nil || len(deps) != 1 || deps[0].Node.Key != f {
			t.Errorf("dependencies of Website/late = %+v, %v; want the filer", deps, err)
		}
	}
}
