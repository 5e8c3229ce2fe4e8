package embedded_test

import (
	"database/sql"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/embedded"
	"github.com/depc-dev/depc/qos"
)

// snapshotPairs returns the relations a snapshot of the whole of a team's
// graph delivers, as (from name, to name).
func snapshotPairs(t *testing.T, s *embedded.Store, team string) []string {
	t.Helper()
	sink := &pairSink{nodes: map[int32]depc.NodeKey{}, rels: map[[2]string]bool{}}
	if err := s.Snapshot(ctx, team, depc.Window{Start: qos.NegInf, End: qos.PosInf}, nil, sink); err != nil {
		t.Fatal(err)
	}
	var out []string
	for r := range maps.Keys(sink.rels) {
		out = append(out, r[0]+"->"+r[1])
	}
	slices.Sort(out)
	return out
}

func relEvent(from, to string) depc.Event {
	return depc.Event{Node: depc.NodeKey{Label: "Customer", Name: from}, Target: depc.NodeKey{Label: "Website", Name: to}}
}

// TestDeleteNodeDropsAdjacency deletes the node with the highest internal
// id, whose id the next new node gets back: the relation of its dependent
// to it must not come back with it.
func TestDeleteNodeDropsAdjacency(t *testing.T) {
	s := MustOpen(t)
	w2 := depc.Event{Node: depc.NodeKey{Label: "Website", Name: "w2"}}
	// w2 alone in a batch gets the next id; then the relation to it.
	for _, e := range []depc.Event{relEvent("c", "w1"), w2, relEvent("c", "w2")} {
		if err := s.Apply(ctx, "acme", []depc.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteNode(ctx, "acme", depc.NodeKey{Label: "Website", Name: "w2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(ctx, "acme", []depc.Event{w2}); err != nil {
		t.Fatal(err)
	}
	if got, want := snapshotPairs(t, s, "acme"), []string{"c->w1"}; !slices.Equal(got, want) {
		t.Errorf("relations after deleting and recreating w2 = %v, want %v", got, want)
	}
}

// TestUpgradeFromVersion1 opens a database of schema version 1 (no
// adjacency column): Open builds every node's adjacency from its
// relations, and snapshots deliver them.
func TestUpgradeFromVersion1(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var events []depc.Event
	for _, c := range []string{"c1", "c2", "c3"} {
		for _, w := range []string{"w1", "w2", "w3", "w4"} {
			if c != "c2" || w != "w3" {
				e := relEvent(c, w)
				e.Kind, e.From = depc.EventOpen, 100
				events = append(events, e)
			}
		}
	}
	if err := s.Apply(ctx, "acme", events); err != nil {
		t.Fatal(err)
	}
	want := snapshotPairs(t, s, "acme")
	if len(want) != 11 {
		t.Fatalf("%d relations before the downgrade, want 11", len(want))
	}
	s.Close()

	// What version 1 wrote: the same tables without node.adj.
	path := filepath.Join(dir, embedded.FileName)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE node DROP COLUMN adj`, `PRAGMA user_version = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()

	s = mustOpenDir(t, dir)
	if got := snapshotPairs(t, s, "acme"); !slices.Equal(got, want) {
		t.Errorf("relations after the upgrade = %v, want %v", got, want)
	}
	// The upgraded adjacencies are kept up to date like new ones.
	if err := s.Apply(ctx, "acme", []depc.Event{relEvent("c2", "w3")}); err != nil {
		t.Fatal(err)
	}
	if got := snapshotPairs(t, s, "acme"); len(got) != 12 {
		t.Errorf("relations after one more = %v, want 12", got)
	}
}
