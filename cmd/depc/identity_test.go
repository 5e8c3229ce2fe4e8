package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/depc-dev/depc/state/sqlite"
)

// TestAdminTokenTooShort is repro 6 of issue 12: the admin token could be
// one character. A configured admin token shorter than 32 characters now
// stops the server at start, saying so.
func TestAdminTokenTooShort(t *testing.T) {
	for _, short := range []string{"x", "test-admin-token", strings.Repeat("a", 31)} {
		t.Setenv("DEPC_ADMIN_TOKEN", short)
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a server that starts anyway stops at once
		var out, errOut bytes.Buffer
		err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "admin_token") || !strings.Contains(err.Error(), "32 characters") {
			t.Errorf("serve with a %d-character admin token: %v, want a refusal naming admin_token and 32 characters", len(short), err)
		}
	}
	t.Setenv("DEPC_ADMIN_TOKEN", strings.Repeat("a", 32))
	if _, err := LoadConfig("", []string{"DEPC_ADMIN_TOKEN=" + strings.Repeat("a", 32)}); err != nil {
		t.Errorf("a 32-character admin token: %v", err)
	}
}

// TestGeneratedAdminTokenKept is repro 6 of issue 12 too: every start of
// `make run` (serve --demo) printed a new admin token and the old one got
// 401. The token generated at the first start now stays valid, and later
// starts say how to replace it instead of printing one.
func TestGeneratedAdminTokenKept(t *testing.T) {
	data := t.TempDir()
	first := startServe(t, "--demo", "--addr", "127.0.0.1:0", "--data", data)
	token := first.token
	first.stop()

	second := startServeWith(t, token, "--demo", "--addr", "127.0.0.1:0", "--data", data)
	if second.token != token {
		t.Errorf("the second start printed a new admin token")
	}
	if status, body := second.call(http.MethodGet, "/teams", nil, token); status != http.StatusOK {
		t.Errorf("the first start's admin token after a restart: %d %s", status, body)
	}
	if out := second.stdout.String(); !strings.Contains(out, "depc admin-token") || !strings.Contains(out, "DEPC_ADMIN_TOKEN") {
		t.Errorf("a later start does not say how to replace the admin token:\n%s", out)
	}
	second.stop()
}

// TestAdminTokenCommand: `depc admin-token` replaces the admin token: the
// new one works at the next start, the old one no longer; with a
// configured token it refuses, since the next start would put that back.
// A configured token is stored as an argon2id hash.
func TestAdminTokenCommand(t *testing.T) {
	data := t.TempDir()
	first := startServe(t, "--addr", "127.0.0.1:0", "--data", data)
	old := first.token
	first.stop()

	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"admin-token", "--data", data}, &out, &errOut); err != nil {
		t.Fatalf("admin-token: %v\n%s", err, &errOut)
	}
	m := regexp.MustCompile(`new admin token \(shown once, stored hashed\): (depc_\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("admin-token printed:\n%s", &out)
	}
	s := startServeWith(t, m[1], "--addr", "127.0.0.1:0", "--data", data)
	if status, body := s.call(http.MethodGet, "/teams", nil); status != http.StatusOK {
		t.Errorf("the new admin token: %d %s", status, body)
	}
	if status, _ := s.call(http.MethodGet, "/teams", nil, old); status != http.StatusUnauthorized {
		t.Errorf("the old admin token: %d, want 401", status)
	}
	s.stop()

	t.Setenv("DEPC_ADMIN_TOKEN", testAdminToken)
	if err := run(context.Background(), []string{"admin-token", "--data", data}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "DEPC_ADMIN_TOKEN") {
		t.Errorf("admin-token with a configured token: %v, want a refusal naming DEPC_ADMIN_TOKEN", err)
	}
	s = startServeWith(t, testAdminToken, "--addr", "127.0.0.1:0", "--data", data)
	if status, body := s.call(http.MethodGet, "/teams", nil); status != http.StatusOK {
		t.Errorf("the configured admin token: %d %s", status, body)
	}
	s.stop()
	st, err := sqlite.Open(filepath.Join(data, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if h, err := st.AdminTokenHash(context.Background()); err != nil || !strings.HasPrefix(h, "$argon2id$") || strings.Contains(h, testAdminToken) {
		t.Errorf("the stored admin token hash: %q, %v; want argon2id", h, err)
	}
}
