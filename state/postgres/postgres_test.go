package postgres_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/internal/testenv"
	"github.com/depc-dev/depc/passhash"
	"github.com/depc-dev/depc/state/postgres"
	"github.com/depc-dev/depc/state/postgres/pgtest"
	"github.com/depc-dev/depc/state/statetest"
	"github.com/jackc/pgx/v5"
)

var ctx = context.Background()

// MustOpen opens a store on a fresh schema, closed when the test ends.
func MustOpen(tb testing.TB) (*postgres.Store, string) {
	tb.Helper()
	url := pgtest.Schema(tb)
	s, err := postgres.Open(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, url
}

// conn opens a plain connection to the store's schema, for checks the
// store's methods cannot make.
func conn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ctx) })
	return c
}

func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) depc.StateStore {
		s, _ := MustOpen(t)
		return s
	})
}

func TestOpenInvalid(t *testing.T) {
	for _, tt := range []struct {
		url, code string
	}{
		{"postgres://u:secret@127.0.0.1:notaport/db", depc.EINVALID},
		{"nonsense://", depc.EINVALID},
		// Port 1: nothing listens there.
		{"postgres://u:secret@127.0.0.1:1/db?connect_timeout=2", depc.EUNAVAILABLE},
	} {
		s, err := postgres.Open(ctx, tt.url)
		if err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", tt.url)
			continue
		}
		if got := depc.ErrorCode(err); got != tt.code {
			t.Errorf("Open(%q): code %q (%v), want %q", tt.url, got, err, tt.code)
		}
		if strings.Contains(depc.ErrorMessage(err), "secret") {
			t.Errorf("Open(%q): the message %q shows the password", tt.url, depc.ErrorMessage(err))
		}
	}
}

// TestSchemaMissing checks that a search_path naming no existing schema is
// refused with a message that says so.
func TestSchemaMissing(t *testing.T) {
	base := testenv.RequireService(t, testenv.PostgresURL)
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", "depc_no_such_schema")
	u.RawQuery = q.Encode()
	s, err := postgres.Open(ctx, u.String())
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded on a search_path without schema")
	}
	if depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), "search_path") {
		t.Errorf("error %v: want EINVALID naming search_path", err)
	}
}

// TestReopen checks that data survives a close and that opening an
// up-to-date database applies no migration twice.
func TestReopen(t *testing.T) {
	s, url := MustOpen(t)
	if _, err := s.CreateTeam(ctx, depc.Team{Name: "acme", Timezone: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	_, token, err := s.CreateUser(ctx, "alice", true)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for range 2 {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if tm, err := s.Team(ctx, "acme"); err != nil || tm.Timezone != "Europe/Paris" {
			t.Errorf("team after reopen: %+v, %v", tm, err)
		}
		if u, err := s.UserByToken(ctx, depc.HashToken(token)); err != nil || u.Name != "alice" || !u.Admin {
			t.Errorf("user after reopen: %+v, %v", u, err)
		}
		s.Close()
	}
	var v int
	if err := conn(t, url).QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != postgres.SchemaVersion() || v < 1 {
		t.Errorf("schema version %d, want %d", v, postgres.SchemaVersion())
	}
}

// TestNewerSchema checks that a database written by a newer depc is
// refused instead of being used with a schema this one does not know.
func TestNewerSchema(t *testing.T) {
	s, url := MustOpen(t)
	s.Close()
	if _, err := conn(t, url).Exec(ctx, `UPDATE schema_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(ctx, url)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a newer schema")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %q does not say the schema is newer", err)
	}
}

// TestOpenTogether opens several stores at once on a new schema: the
// advisory lock lets one migrate, the others find the schema up to date.
func TestOpenTogether(t *testing.T) {
	url := pgtest.Schema(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := postgres.Open(ctx, url)
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
}

// TestTokenNotStored checks that only hashes of tokens reach the database:
// no row of any table holds a plain token, in any encoding, while the
// hash of the current one is found.
func TestTokenNotStored(t *testing.T) {
	s, url := MustOpen(t)
	_, token, err := s.CreateUser(ctx, "alice", false)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := s.RotateToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	_, more, err := s.CreateToken(ctx, "alice", "ci", 0)
	if err != nil {
		t.Fatal(err)
	}
	admin := depc.NewToken()
	if err := s.SetAdminTokenHash(ctx, passhash.Hash(admin)); err != nil {
		t.Fatal(err)
	}
	c := conn(t, url)
	rows, _ := c.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) == 0 {
		t.Fatal(tables, err)
	}
	var dump strings.Builder
	for _, table := range tables {
		rows, _ := c.Query(ctx, fmt.Sprintf(`SELECT t::text FROM %s t`, pgx.Identifier{table}.Sanitize()))
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range texts {
			dump.WriteString(s + "\n")
		}
	}
	for _, tok := range []string{token, rotated, more, admin} {
		secret := strings.TrimPrefix(tok, depc.TokenPrefix)
		for _, form := range []string{tok, secret, hex.EncodeToString([]byte(tok)), hex.EncodeToString([]byte(secret))} {
			if strings.Contains(dump.String(), form) {
				t.Errorf("a plain token is stored in the database")
			}
		}
	}
	h := depc.HashToken(rotated)
	if !strings.Contains(dump.String(), hex.EncodeToString(h[:])) {
		t.Errorf("the hash of the current token is not in the database (the scan looks in the wrong place)")
	}
}

// TestConcurrentStores checks the writes that two processes could race,
// with two stores (two pools) on one schema: ids of runs and config
// versions stay distinct and dense, and concurrent writes of one day all
// succeed, the last one's results alone remaining.
func TestConcurrentStores(t *testing.T) {
	a, url := MustOpen(t)
	b, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	stores := []*postgres.Store{a, b}
	if _, err := a.CreateTeam(ctx, depc.Team{Name: "acme"}); err != nil {
		t.Fatal(err)
	}

	const runs = 20
	var mu sync.Mutex
	var ids []int64
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			r, err := stores[i%2].CreateRun(ctx, "acme", []string{"2026-01-01"})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			ids = append(ids, r.ID)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(ids)
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("run ids %v: want 1 to %d", ids, runs)
		}
	}

	const day, n = "2026-01-01", 500
	version := func(v float64) []depc.NodeDayResult {
		ns := make([]depc.NodeDayResult, n)
		for i := range ns {
			q, ok := v, int64(1)
			ns[i] = depc.NodeDayResult{Label: "Server", Name: fmt.Sprintf("s%04d", i), QoS: &q, OK: &ok, KO: &ok, Unknown: &ok}
		}
		return ns
	}
	for i := range 6 {
		wg.Go(func() {
			if err := stores[i%2].ReplaceDayResults(ctx, "acme", day, slices.Values(version(float64(i))), nil, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	keys := make([]depc.NodeKey, n)
	for i := range keys {
		keys[i] = depc.NodeKey{Label: "Server", Name: fmt.Sprintf("s%04d", i)}
	}
	got, err := b.DayResults(ctx, "acme", day, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d results after concurrent writes of the day, want %d", len(got), n)
	}
	for _, r := range got {
		if *r.QoS != *got[0].QoS {
			t.Fatalf("two writes mixed: %v and %v", *got[0].QoS, *r.QoS)
		}
	}
	// The replaced generations are gone, not just hidden.
	var rows int
	if err := conn(t, url).QueryRow(ctx, `SELECT count(*) FROM node_result`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != n {
		t.Errorf("%d rows in node_result after the writes of one day of %d nodes", rows, n)
	}

	// A team deleted while its results are written leaves no rows behind.
	wg.Go(func() {
		err := a.ReplaceDayResults(ctx, "acme", "2026-01-02", slices.Values(version(1)), nil, nil)
		if code := depc.ErrorCode(err); code != "" && code != depc.ENOTFOUND {
			t.Errorf("write during delete: %v", err)
		}
	})
	wg.Go(func() {
		if err := b.DeleteTeam(ctx, "acme"); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	var left int
	if err := conn(t, url).QueryRow(ctx, `SELECT count(*) FROM node_result`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d node results left after the team was deleted", left)
	}
}

// TestMigrateTokens: a schema of version 1 (one token per user in
// account, the admin token's SHA-256 in setting) opens with the same
// tokens working: each user's as its default token, the admin's as a
// legacy hash passhash still verifies.
func TestMigrateTokens(t *testing.T) {
	url := pgtest.Schema(t)
	c := conn(t, url)
	userTok, adminTok := depc.NewToken(), "a configured admin token of 32 characters"
	uh, ah := depc.HashToken(userTok), depc.HashToken(adminTok)
	for _, q := range []string{
		`CREATE TABLE schema_version (version integer NOT NULL)`,
		`INSERT INTO schema_version (version) VALUES (1)`,
		postgres.Migrations()[0],
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Exec(ctx, `INSERT INTO account (name, admin, token_hash, created_at) VALUES ('alice', false, $1, 1700000000)`, uh[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, `INSERT INTO setting (key, value) VALUES ('admin_token_hash', $1)`, ah[:]); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if u, err := s.UserByToken(ctx, uh); err != nil || u.Name != "alice" {
		t.Errorf("the user's token after the migration: %+v, %v", u, err)
	}
	if ts, err := s.Tokens(ctx, "alice"); err != nil || len(ts) != 1 || ts[0].Name != depc.DefaultTokenName || ts[0].CreatedAt != 1700000000 {
		t.Errorf("tokens after the migration: %+v, %v", ts, err)
	}
	h, err := s.AdminTokenHash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := passhash.Verify(h, adminTok); !ok || !rehash || err != nil {
		t.Errorf("the admin token's hash after the migration (%q): ok %v, rehash %v, %v", h, ok, rehash, err)
	}
	if _, tok, err := s.CreateUser(ctx, "bob", false); err != nil {
		t.Fatal(err)
	} else if u, err := s.UserByToken(ctx, depc.HashToken(tok)); err != nil || u.Name != "bob" {
		t.Errorf("a new user's token: %+v, %v", u, err)
	}
}
