package embedded_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/embedded"
)

// TestUpgradeFromVersion2 opens a database of schema version 2 (no
// team_version table): Open adds the table, a team's version reads 0 until
// its graph is written, and a write then gives it one.
func TestUpgradeFromVersion2(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenDir(t, dir)
	if err := s.Apply(ctx, "acme", []depc.Event{relEvent("c1", "w1")}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// What version 2 wrote: the same tables without team_version.
	path := filepath.Join(dir, embedded.FileName)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE team_version`, `PRAGMA user_version = 2`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	db.Close()

	s = mustOpenDir(t, dir)
	v, err := s.GraphVersion(ctx, "acme")
	if err != nil || v != 0 {
		t.Fatalf("version after the upgrade = %d, %v; want 0, no error", v, err)
	}
	if err := s.Apply(ctx, "acme", []depc.Event{relEvent("c2", "w1")}); err != nil {
		t.Fatal(err)
	}
	if v, err := s.GraphVersion(ctx, "acme"); err != nil || v == 0 {
		t.Errorf("version after a write = %d, %v; want a new one", v, err)
	}
	if got := snapshotPairs(t, s, "acme"); len(got) != 2 {
		t.Errorf("relations after the upgrade and a write = %v, want 2", got)
	}
}
