package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/state/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestMigrateRunDays: the runs of a database from before run_day keep
// their place in the queue. A running run's day in progress is held by an
// expired lease (its process died), so the next claim takes it over and
// counts an interruption; the days its progress says are done are not
// computed again.
func TestMigrateRunDays(t *testing.T) {
	ctx := context.Background()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	k := -1
	for i, m := range ms {
		if strings.Contains(m, "CREATE TABLE run_day") {
			k = i
		}
	}
	if k < 0 {
		t.Fatal("no migration creates run_day")
	}
	url := pgtest.Schema(t)
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append(ms[:k:k],
		`CREATE TABLE schema_version (version integer NOT NULL)`,
		fmt.Sprintf(`INSERT INTO schema_version VALUES (%d)`, k),
		`INSERT INTO team (name, timezone, created_at) VALUES ('acme', 'UTC', 1)`,
		`INSERT INTO run (team_id, id, days, status, created_at, nodes, errors, progress) VALUES
			((SELECT id FROM team), 1, '{2026-01-01,2026-01-02,2026-01-03}', 'running', 10, 5, '[]', 0.3333333333333333),
			((SELECT id FROM team), 2, '{2026-01-04}', 'queued', 11, 0, '[]', 0),
			((SELECT id FROM team), 3, '{2026-01-05}', 'succeeded', 9, 1, '[]', 1)`,
	) {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	c.Close(ctx)

	s, err := Open(ctx, url)
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
