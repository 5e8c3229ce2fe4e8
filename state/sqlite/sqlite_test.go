package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/passhash"
	"github.com/depc-dev/depc/state/sqlite"
	"github.com/depc-dev/depc/state/statetest"
	_ "modernc.org/sqlite"
)

// MustOpen opens a store on a new file in a temporary directory.
func MustOpen(tb testing.TB) (*sqlite.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "state.db")
	s, err := sqlite.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	return s, path
}

func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) depc.StateStore {
		s, _ := MustOpen(t)
		return s
	})
}

func TestOpenInvalidPath(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db", "x.db?mode=memory", filepath.Join(t.TempDir(), "missing", "dir", "state.db")} {
		if s, err := sqlite.Open(p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

// TestReopen checks that data survives a close and that opening an
// up-to-date database applies no migration twice.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	s, path := MustOpen(t)
	if _, err := s.CreateTeam(ctx, depc.Team{Name: "acme", Timezone: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	_, token, err := s.CreateUser(ctx, "alice", true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		s, err = sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if tm, err := s.Team(ctx, "acme"); err != nil || tm.Timezone != "Europe/Paris" {
			t.Errorf("team after reopen: %+v, %v", tm, err)
		}
		if u, err := s.UserByToken(ctx, depc.HashToken(token)); err != nil || u.Name != "alice" || !u.Admin {
			t.Errorf("user after reopen: %+v, %v", u, err)
		}
		if got := schemaVersion(t, path); got != sqlite.SchemaVersion() {
			t.Errorf("schema version %d, want %d", got, sqlite.SchemaVersion())
		}
		s.Close()
	}
}

func schemaVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNewerSchema checks that a database written by a newer depc is
// refused instead of being used with a schema this one does not know.
func TestNewerSchema(t *testing.T) {
	s, path := MustOpen(t)
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE schema_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err = sqlite.Open(path)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a newer schema")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %q does not say the schema is newer", err)
	}
}

// TestMigrateFromEmptyVersionTable checks that a file with the version
// table but no row (a crash between its creation and the first commit
// cannot leave that, but a hand-made file can) is migrated from scratch.
func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := sqlite.Open(path); err == nil {
		s.Close()
		t.Fatal("Open accepted a file that is not a database")
	}
}

// TestTokenNotStored checks that only hashes of tokens reach the file:
// the plain token, in any encoding, appears nowhere in the database, its
// WAL or its shared memory, while the hash does.
func TestTokenNotStored(t *testing.T) {
	ctx := context.Background()
	s, path := MustOpen(t)
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
	var files [][]byte
	read := func() {
		files = files[:0]
		for _, suffix := range []string{"", "-wal", "-shm"} {
			b, err := os.ReadFile(path + suffix)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			files = append(files, b)
		}
	}
	contains := func(needle []byte) bool {
		for _, f := range files {
			if bytes.Contains(f, needle) {
				return true
			}
		}
		return false
	}
	check := func(when string) {
		read()
		for _, tok := range []string{token, rotated, more, admin} {
			secret := strings.TrimPrefix(tok, depc.TokenPrefix)
			for _, form := range [][]byte{[]byte(tok), []byte(secret), []byte(hex.EncodeToString([]byte(tok)))} {
				if contains(form) {
					t.Errorf("%s: a plain token is stored in the database files", when)
				}
			}
		}
		h := depc.HashToken(rotated)
		if !contains(h[:]) {
			t.Errorf("%s: the hash of the current token is not in the database files (the scan looks in the wrong place)", when)
		}
	}
	check("before close")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check("after close (checkpointed)")
}

// TestFileSettings checks the settings a new file gets: WAL and the page
// size chosen for the bulk write.
func TestFileSettings(t *testing.T) {
	s, path := MustOpen(t)
	defer s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tt := range []struct {
		pragma, want string
	}{
		{"journal_mode", "wal"},
		{"page_size", "8192"},
	} {
		var got string
		if err := db.QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s = %s, want %s", tt.pragma, got, tt.want)
		}
	}
}

// TestMigrateTokens: a database of schema 1 (one token per user in
// account, the admin token's SHA-256 in setting) opens with the same
// tokens working: each user's as its default token, the admin's as a
// legacy hash passhash still verifies.
func TestMigrateTokens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	userTok, adminTok := depc.NewToken(), "a configured admin token of 32 characters"
	uh, ah := depc.HashToken(userTok), depc.HashToken(adminTok)
	for _, q := range []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version (version) VALUES (1)`,
		sqlite.Migrations()[0],
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO account (name, admin, token_hash, created_at) VALUES ('alice', 0, ?, 1700000000)`, uh[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO setting (key, value) VALUES ('admin_token_hash', ?)`, ah[:]); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := sqlite.Open(path)
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
	// A new user gets a token of its own, as before.
	if _, tok, err := s.CreateUser(ctx, "bob", false); err != nil {
		t.Fatal(err)
	} else if u, err := s.UserByToken(ctx, depc.HashToken(tok)); err != nil || u.Name != "bob" {
		t.Errorf("a new user's token: %+v, %v", u, err)
	}
}
