package httpsource_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/httpsource"
	"github.com/depc-dev/depc/source/outbound"
)

// lockedBuffer is a log destination written from several goroutines.
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

func newGuard(t *testing.T) (*outbound.Guard, *lockedBuffer) {
	t.Helper()
	var log lockedBuffer
	g, err := outbound.New(outbound.Policy{}, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return g, &log
}

// TestHeadersStayWithTheServer: the configured headers go to the
// configured server, not to the host a redirect points to.
func TestHeadersStayWithTheServer(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got["other"] = r.Header.Get("Authorization")
		mu.Unlock()
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got["server"] = r.Header.Get("Authorization")
		mu.Unlock()
		http.Redirect(w, r, other.URL, http.StatusFound)
	}))
	defer srv.Close()
	hdr := http.Header{"Authorization": {httpsource.BasicAuthorization(&httpsource.BasicAuth{Username: "u", Password: "p"})}}
	c, err := httpsource.NewClient("test", srv.URL, time.Minute, 2, hdr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.HTTP.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got["server"] != "Basic dTpw" || got["other"] != "" {
		t.Errorf("Authorization: %q to the server, %q to the redirect's host; want it to the server only", got["server"], got["other"])
	}
}

func TestNewClientChecksTheURL(t *testing.T) {
	_, err := httpsource.NewClient("test", "http://169.254.169.254/", time.Minute, 2, nil)
	if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "configuration.url: ") {
		t.Errorf("NewClient of a metadata address: %v, want EINVALID naming configuration.url", err)
	}
}

func TestNetError(t *testing.T) {
	g, log := newGuard(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	c, err := httpsource.NewClient("test", addr, time.Second, 2, nil, httpsource.WithGuard(g))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = c.HTTP.Get(addr)
	err = c.NetError(ctx, err)
	if depc.ErrorCode(err) != depc.EUNAVAILABLE || depc.ErrorMessage(err) != "test at "+addr+" is unreachable: connection refused" {
		t.Errorf("refused connection: %v", err)
	}
	if !strings.Contains(log.String(), "source unreachable") {
		t.Errorf("log %q: want the network error", log.String())
	}

	// A request whose own deadline passed got no answer in time.
	err = c.NetError(ctx, &net.OpError{Op: "read", Err: context.DeadlineExceeded})
	if depc.ErrorCode(err) != depc.EUNAVAILABLE || depc.ErrorMessage(err) != "test at "+addr+": no answer within 1s" {
		t.Errorf("deadline: %v", err)
	}
	// The caller gave up: that is not the server's error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.NetError(cctx, io.EOF); !errors.Is(err, context.Canceled) || depc.ErrorCode(err) != depc.EINTERNAL {
		t.Errorf("cancelled: %v, want context.Canceled itself", err)
	}
	if err := c.NetError(ctx, io.EOF); depc.ErrorMessage(err) != "test at "+addr+" is unreachable: the connection closed before an answer" {
		t.Errorf("EOF: %v", err)
	}
}

func TestRefusedByTheGuard(t *testing.T) {
	g, err := outbound.New(outbound.Policy{Allow: []string{"allowed.example"}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	_, err = httpsource.NewClient("test", "http://127.0.0.1:1/", time.Second, 2, nil, httpsource.WithGuard(g))
	if depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("a URL the allow-list does not hold: %v, want EINVALID", err)
	}
}

func TestAnswerError(t *testing.T) {
	g, log := newGuard(t)
	c, err := httpsource.NewClient("test", "http://127.0.0.1:9/", time.Second, 2, nil, httpsource.WithGuard(g))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	big := httpsource.NewLimitedReader(strings.NewReader(strings.Repeat("x", 2000)), 1024)
	_, rerr := io.ReadAll(big)
	for _, tt := range []struct {
		name string
		err  error
		body *httpsource.LimitedReader
		code string
		want string
	}{
		{"too large", rerr, big, depc.EINVALID, "configuration.max_response_bytes: test at http://127.0.0.1:9/ answered more than 1024 bytes for 3 nodes: fetch fewer"},
		{"cut", io.ErrUnexpectedEOF, httpsource.NewLimitedReader(nil, 1024), depc.EUNAVAILABLE, "test at http://127.0.0.1:9/: the answer was cut: the connection closed before the end of the answer"},
		{"not an answer", errors.New("secret: invalid character '<'"), httpsource.NewLimitedReader(nil, 1024), depc.EUNAVAILABLE, "test at http://127.0.0.1:9/: the answer is not a test answer (details in the server log)"},
	} {
		err := c.AnswerError(ctx, tt.err, tt.body, 3, "fetch fewer nodes", "a test answer")
		if depc.ErrorCode(err) != tt.code || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
			t.Errorf("%s: %v, want %s starting %q", tt.name, err, tt.code, tt.want)
		}
	}
	if l := log.String(); !strings.Contains(l, "secret: invalid character") {
		t.Errorf("log %q: want what was wrong with the answer", l)
	}
}

func TestStatusError(t *testing.T) {
	c, err := httpsource.NewClient("test", "http://127.0.0.1:9/", time.Second, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	cause := errors.New("cause")
	for status, want := range map[int]string{
		401: "test at http://127.0.0.1:9/ answered HTTP 401 (check the credentials)",
		403: "test at http://127.0.0.1:9/ answered HTTP 403 (check the credentials)",
		404: "test at http://127.0.0.1:9/ answered HTTP 404 (check the source's url: it must be the server's base URL, without /api)",
		502: "test at http://127.0.0.1:9/ answered HTTP 502",
	} {
		err := c.StatusError(cause, status, "check the credentials", "/api")
		if depc.ErrorCode(err) != depc.EUNAVAILABLE || depc.ErrorMessage(err) != want || !errors.Is(err, cause) {
			t.Errorf("HTTP %d: %v, want %q keeping its cause", status, err, want)
		}
	}
}
