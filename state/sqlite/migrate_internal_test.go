package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

// TestMigrateRunDays: the runs of a database from before run_day keep
// their place in the queue. A running run's day in progress is held by an
// expired lease (its process died), so the next claim takes it over and
// counts an interruption; the days its progress says are done are not
// computed again.
func TestMigrateRunDays(t *testing.T) {
	ctx := context.Background()
	k := -1
	for i, m := range migrations {
		if strings.Contains(m, "CREATE TABLE run_day") {
			k = i
		}
	}
	if k < 0 {
		t.Fatal("no migration creates run_day")
	}
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(migrations[:k:k], `CREATE TABLE schema_version (version INTEGER NOT NULL)`) {
		if _, err := db.Exec(m); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO schema_version VALUES (%d)`, k),
		`INSERT INTO team (id, name, timezone, created_at) VALUES (1, 'acme', 'UTC', 1)`,
		`INSERT INTO run (team_id, id, days, status, created_at, nodes, errors, progress) VALUES
			(1, 1, '["2026-01-01","2026-01-02","2026-01-03"]', 'running', 10, 5, '[]', 0.3333333333333333),
			(1, 2, '["2026-01-04"]', 'queued', 11, 0, '[]', 0),
			(1, 3, '["2026-01-05"]', 'succeeded', 9, 1, '[]', 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	var got []string
	for {
		l, err := s.ClaimDay(ctx, depc.ClaimRequest{Owner: "w", Now: now, TTL: time.Minute})
		if depc.ErrorCode(err) == depc.ENOTFOUND {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s/%d/%d", l.Day, l.Claim, l.Interruptions))
	}
	want := "2026-01-02/2/1 2026-01-03/1/0 2026-01-04/1/0"
	if strings.Join(got, " ") != want {
		t.Errorf("claims (day/claim/interruptions) %q, want %q", strings.Join(got, " "), want)
	}
}
