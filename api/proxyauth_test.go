package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
	"github.com/depc-dev/depc/state/sqlite"
)

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proxyServer is an API whose proxy authentication believes the header
// X-Remote-User from trusted, with users alice (admin) and bob.
func proxyServer(t *testing.T, trusted ...string) (*httptest.Server, string, *syncBuffer) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if _, _, err := st.CreateUser(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	_, bob, err := st.CreateUser(ctx, "bob", false)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := api.ParseProxyAuth("api.proxy_auth", "X-Remote-User", trusted)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	h := api.New(api.Config{ProxyAuth: pa}, api.Deps{State: st, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, bob, logs
}

// me calls GET /me with the headers; it answers the status and the name.
func me(t *testing.T, srv *httptest.Server, headers map[string][]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+api.Base+"/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		Name  string `json:"name"`
		Admin bool   `json:"admin"`
	}
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out.Name
}

func TestProxyAuthTrusted(t *testing.T) {
	srv, bob, _ := proxyServer(t, "127.0.0.0/8", "::1")
	if st, name := me(t, srv, map[string][]string{"X-Remote-User": {"alice"}}); st != 200 || name != "alice" {
		t.Errorf("a trusted proxy naming alice: %d %q", st, name)
	}
	// A token comes first: scripts behind the proxy keep theirs.
	if st, name := me(t, srv, map[string][]string{"X-Remote-User": {"alice"}, "Authorization": {"Bearer " + bob}}); st != 200 || name != "bob" {
		t.Errorf("a token and the header: %d %q, want bob's token to count", st, name)
	}
	for what, h := range map[string]map[string][]string{
		"an unknown user": {"X-Remote-User": {"mallory"}},
		"two users":       {"X-Remote-User": {"alice", "bob"}},
		"an empty name":   {"X-Remote-User": {" "}},
	} {
		if st, _ := me(t, srv, h); st != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", what, st)
		}
	}
}

// TestProxyAuthUntrusted: from a peer that is not a trusted proxy the
// header is ignored (and logged), whatever X-Forwarded-For or X-Real-IP
// claim: the peer is the connection's.
func TestProxyAuthUntrusted(t *testing.T) {
	srv, _, logs := proxyServer(t, "10.0.0.0/8")
	for what, h := range map[string]map[string][]string{
		"the header alone":        {"X-Remote-User": {"alice"}},
		"a spoofed forwarded-for": {"X-Remote-User": {"alice"}, "X-Forwarded-For": {"10.1.2.3"}},
		"a spoofed real ip":       {"X-Remote-User": {"alice"}, "X-Real-Ip": {"10.1.2.3"}, "Forwarded": {"for=10.1.2.3"}},
	} {
		if st, name := me(t, srv, h); st != http.StatusUnauthorized || name != "" {
			t.Errorf("%s from 127.0.0.1: %d %q, want 401", what, st, name)
		}
	}
	if l := logs.String(); !strings.Contains(l, "proxy authentication header ignored") || !strings.Contains(l, "peer=127.0.0.1") || !strings.Contains(l, "x_forwarded_for=10.1.2.3") {
		t.Errorf("the ignored header is not logged with its peer:\n%s", l)
	}
}

func TestParseProxyAuth(t *testing.T) {
	pa, err := api.ParseProxyAuth("p", "X-Remote-User", []string{"10.0.0.0/8", " 192.168.1.7 ", "::ffff:10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("10.0.0.1/32")}
	if len(pa.Trusted) != 3 || pa.Trusted[0] != want[0] || pa.Trusted[1] != want[1] || pa.Trusted[2] != want[2] {
		t.Errorf("trusted = %v, want %v", pa.Trusted, want)
	}
	if pa, err := api.ParseProxyAuth("p", "", nil); err != nil || pa.Header != "" {
		t.Errorf("off: %+v %v", pa, err)
	}
	for _, c := range []struct {
		header  string
		trusted []string
		field   string
	}{
		{"X-Remote-User", nil, "p.trusted"},
		{"", []string{"10.0.0.0/8"}, "p.header"},
		{"X Remote", []string{"10.0.0.0/8"}, "p.header"},
		{"Authorization", []string{"10.0.0.0/8"}, "p.header"},
		{"X-Forwarded-For", []string{"10.0.0.0/8"}, "p.header"},
		{"X-Remote-User", []string{"10.0.0.0/33"}, "p.trusted[0]"},
		{"X-Remote-User", []string{"proxy.internal"}, "p.trusted[0]"},
	} {
		_, err := api.ParseProxyAuth("p", c.header, c.trusted)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), c.field) {
			t.Errorf("ParseProxyAuth(%q, %v) = %v, want EINVALID naming %s", c.header, c.trusted, err, c.field)
		}
	}
}
