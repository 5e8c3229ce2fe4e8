package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/state/sealed"
	"github.com/depc-dev/depc/state/sqlite"
)

// testAdminToken is the admin token tests configure (DEPC_ADMIN_TOKEN).
const testAdminToken = "depc-test-admin-token-0123456789abcdef"

// promRecorder is a Prometheus that answers every range query with no
// series and remembers the Authorization header of each.
type promRecorder struct {
	mu   sync.Mutex
	auth []string
	srv  *httptest.Server
}

func newPromRecorder(t *testing.T) *promRecorder {
	p := &promRecorder{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.auth = append(p.auth, r.Header.Get("Authorization"))
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status": "success", "data": {"resultType": "matrix", "result": []}}`))
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *promRecorder) last() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.auth) == 0 {
		return ""
	}
	return p.auth[len(p.auth)-1]
}

// execute runs the rule R of team acme and wants the source to have been
// asked with the token.
func (p *promRecorder) execute(t *testing.T, s *running, token string) {
	t.Helper()
	var out struct {
		Checks []struct {
			Error *string `json:"error"`
		} `json:"checks"`
	}
	s.must("POST", "/teams/acme/rules/R/execute", map[string]any{"name": "a", "start": 1595980800, "end": 1595984400}, http.StatusOK, &out)
	if len(out.Checks) != 1 || out.Checks[0].Error != nil {
		t.Fatalf("execute: %+v", out)
	}
	if got := p.last(); got != "Bearer "+token {
		t.Errorf("the source was asked with %q, want the stored token", got)
	}
}

// dbHolds reports whether a file of the SQLite state store holds s.
func dbHolds(t *testing.T, data, s string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(data, stateFile+"*"))
	if len(files) == 0 {
		t.Fatal("no state database")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// TestSecretsAtRest: a source's token is sealed in the state database
// with the key file created (0600) in the data directory, and still sent
// to the source; `depc secrets rotate` seals it under a new key, which the
// next start uses; a server given another key refuses to start, saying
// why; a row from before sealing is sealed at start.
func TestSecretsAtRest(t *testing.T) {
	t.Setenv("DEPC_ADMIN_TOKEN", testAdminToken)
	data := t.TempDir()
	prom := newPromRecorder(t)
	const token = "tok-SEALED-4f2a"

	s := startServeWith(t, testAdminToken, "--addr", "127.0.0.1:0", "--data", data)
	s.must("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	s.must("POST", "/teams/acme/sources", map[string]any{"name": "P", "plugin": "Prometheus",
		"configuration": map[string]any{"url": prom.srv.URL, "bearer_token": token}}, http.StatusCreated, nil)
	s.must("POST", "/teams/acme/checks", map[string]any{"name": "Up", "source": "P", "type": "Threshold",
		"parameters": map[string]any{"query": "up", "threshold": "1"}}, http.StatusCreated, nil)
	s.must("POST", "/teams/acme/rules", map[string]any{"name": "R", "checks": []string{"Up"}}, http.StatusCreated, nil)
	prom.execute(t, s, token)
	s.stop()

	keyPath := filepath.Join(data, sealed.KeyFileName)
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", st, err)
	}
	if dbHolds(t, data, token) {
		t.Fatal("the state database holds the token in clear")
	}
	key1, _ := os.ReadFile(keyPath)

	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"secrets", "rotate", "--data", data}, &out, &errOut); err != nil {
		t.Fatalf("secrets rotate: %v\n%s", err, &errOut)
	}
	if !strings.Contains(out.String(), "1 sources, 1 sealed again") {
		t.Errorf("secrets rotate said:\n%s", &out)
	}
	key2, _ := os.ReadFile(keyPath)
	if bytes.Equal(key1, key2) || len(bytes.Fields(key2)) != 1 {
		t.Errorf("key file after rotate: %q (was %q), want one new key", key2, key1)
	}
	s = startServeWith(t, testAdminToken, "--addr", "127.0.0.1:0", "--data", data)
	prom.execute(t, s, token)
	s.stop()

	// Another key: the server says why it does not start.
	t.Setenv("DEPC_SECRET_KEY", sealed.NewKey())
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", data}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "DEPC_SECRET_KEY") || !strings.Contains(err.Error(), `source "P"`) {
		t.Errorf("serve with another key: %v, want a refusal naming the source and DEPC_SECRET_KEY", err)
	}
	os.Unsetenv("DEPC_SECRET_KEY")

	// A row from before sealing is sealed at start.
	raw, err := sqlite.Open(filepath.Join(data, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.UpdateSource(context.Background(), "acme", depc.SourceConfig{Name: "P", Plugin: "Prometheus",
		Configuration: json.RawMessage(`{"url": "` + prom.srv.URL + `", "bearer_token": "legacy-tok"}`)}); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	s = startServeWith(t, testAdminToken, "--addr", "127.0.0.1:0", "--data", data)
	prom.execute(t, s, "legacy-tok")
	s.stop()
	raw, err = sqlite.Open(filepath.Join(data, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if sc, err := raw.Source(context.Background(), "acme", "P"); err != nil || strings.Contains(string(sc.Configuration), "legacy-tok") {
		t.Errorf("after a start, the old row is %s, %v; want its token sealed", sc.Configuration, err)
	}
}
