package opentsdb_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/opentsdb"
	"github.com/depc-dev/depc/source/outbound"
)

// lockedBuffer is a log destination written by the source's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAnswerGoesToTheLog: what a server answered instead of an OpenTSDB
// answer is not in the error, but in the guard's log, for the operator.
func TestAnswerGoesToTheLog(t *testing.T) {
	srv := newFakeServer(t, fixed(http.StatusInternalServerError, "stack trace: secret at line 3"))
	var log lockedBuffer
	g, err := outbound.New(outbound.Policy{}, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := opentsdb.Open([]byte(fmt.Sprintf(`{"url": %q}`, srv.URL)), opentsdb.WithGuard(g))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := fetch(t, s, checkM, w, "a")
	if msg := depc.ErrorMessage(got["a"].Err); strings.Contains(msg, "secret") || !strings.Contains(msg, "HTTP 500") {
		t.Errorf("error %q: want the status without the body", msg)
	}
	if l := log.String(); !strings.Contains(l, "secret at line 3") || !strings.Contains(l, srv.URL) {
		t.Errorf("log %q: want the body and the source", l)
	}
}

// TestRefusedURL: the guard refuses a metadata address when the source
// opens, and a connection to a refused address says why.
func TestRefusedURL(t *testing.T) {
	_, err := opentsdb.Open([]byte(`{"url": "http://169.254.169.254"}`))
	if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "configuration.url: ") {
		t.Errorf("Open(metadata address) = %v, want EINVALID naming configuration.url", err)
	}
	_, err = opentsdb.NewPlugin(mustGuard(t, "10.0.0.0/8")).Open(t.Context(), []byte(`{"url": "http://metadata.google.internal"}`))
	if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "configuration.url: ") {
		t.Errorf("NewPlugin(guard).Open(metadata name) = %v, want EINVALID naming configuration.url", err)
	}
	// A name resolving outside the allowed networks is refused at dial
	// time; the message says so.
	srv := newFakeServer(t, fixed(200, `[]`))
	s, err := opentsdb.Open([]byte(fmt.Sprintf(`{"url": %q}`, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))), opentsdb.WithGuard(mustGuard(t, "10.0.0.0/8")))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := fetch(t, s, checkM, w, "a")
	if msg := depc.ErrorMessage(got["a"].Err); depc.ErrorCode(got["a"].Err) != depc.EUNAVAILABLE || !strings.Contains(msg, "not in sources.allow") {
		t.Errorf("fetch through a refused address: %v, want EUNAVAILABLE saying it is not in sources.allow", got["a"].Err)
	}
}

func mustGuard(t *testing.T, allow ...string) *outbound.Guard {
	t.Helper()
	g, err := outbound.New(outbound.Policy{Allow: allow}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestCredentialsStayWithTheServer: a redirect to another host does not
// carry the source's credentials or headers.
func TestCredentialsStayWithTheServer(t *testing.T) {
	var mu sync.Mutex
	var seen http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.Header.Clone()
		mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
	}))
	defer other.Close()
	// Another host for the same server: "localhost" instead of 127.0.0.1.
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Basic dTpw" || r.Header.Get("X-Org") != "team1" {
			t.Errorf("the configured server did not get the credentials: %v", r.Header)
		}
		http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	s, err := opentsdb.Open([]byte(fmt.Sprintf(`{"url": %q, "basic_auth": {"username": "u", "password": "p"}, "headers": {"X-Org": "team1"}}`, redirect.URL)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fetch(t, s, checkM, w, "a")
	mu.Lock()
	defer mu.Unlock()
	if seen == nil {
		t.Fatal("the redirect was not followed")
	}
	if seen.Get("Authorization") != "" || seen.Get("X-Org") != "" {
		t.Errorf("the other host got the credentials: %v", seen)
	}
}
