package api_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/depc-dev/depc/internal/testenv"
)

type connectionReport struct {
	OK    bool
	Steps []struct {
		Name  string
		OK    bool
		Error *string
	}
	Query  string
	Series int
}

// failed returns the failed step and its error.
func (r connectionReport) failed() (string, string) {
	for _, s := range r.Steps {
		if !s.OK && s.Error != nil {
			return s.Name, *s.Error
		}
	}
	return "", ""
}

// TestConnection: "Test connection" of a saved or unsaved source tells
// which step fails — configuration, reachability, authentication, query —
// with the source's error and never the remote server's body.
func TestConnection(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/sources", map[string]any{"name": "demo", "plugin": "Fake"}, http.StatusCreated, nil)
	var r connectionReport
	e.call("POST", "/teams/acme/sources/demo/test", nil, http.StatusOK, &r)
	if !r.OK || len(r.Steps) != 4 || r.Query == "" {
		t.Errorf("Fake: %+v", r)
	}
	e.call("POST", "/teams/acme/sources/nope/test", nil, http.StatusNotFound, nil)

	// Nothing listens: reachability.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	r = connectionReport{}
	e.call("POST", "/teams/acme/sources/test", map[string]any{"plugin": "Prometheus", "configuration": map[string]any{"url": closed}}, http.StatusOK, &r)
	if step, msg := r.failed(); r.OK || step != "reachability" || msg == "" {
		t.Errorf("closed port: %+v", r)
	}

	// A server that refuses the credentials, with a body that must not
	// be shown: authentication.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte("secret-internal-detail"))
	}))
	defer srv.Close()
	resp := e.call("POST", "/teams/acme/sources/test", map[string]any{"plugin": "Prometheus", "configuration": map[string]any{"url": srv.URL, "bearer_token": "wrong"}}, http.StatusOK, &r)
	if step, _ := r.failed(); r.OK || step != "authentication" {
		t.Errorf("401: %+v", r)
	}
	if strings.Contains(string(resp.Body), "secret-internal-detail") {
		t.Errorf("the remote body is shown: %s", resp.Body)
	}

	// A bad configuration.
	r = connectionReport{}
	e.call("POST", "/teams/acme/sources/test", map[string]any{"plugin": "Prometheus", "configuration": map[string]any{"url": "ftp://x"}}, http.StatusOK, &r)
	if step, msg := r.failed(); step != "configuration" || !strings.Contains(msg, "configuration.url") {
		t.Errorf("bad configuration: %+v", r)
	}

	// The real Prometheus: every step passes; a query it refuses fails
	// the query step.
	url := testenv.RequireService(t, testenv.PrometheusURL)
	e.call("POST", "/teams/acme/sources", map[string]any{"name": "prom", "plugin": "Prometheus", "configuration": map[string]any{"url": url}}, http.StatusCreated, nil)
	r = connectionReport{}
	e.call("POST", "/teams/acme/sources/prom/test", map[string]any{"query": "probe_rtt_ms"}, http.StatusOK, &r)
	if !r.OK || r.Query != "probe_rtt_ms" {
		t.Errorf("Prometheus: %+v", r)
	}
	r = connectionReport{}
	e.call("POST", "/teams/acme/sources/prom/test", map[string]any{"query": "sum(("}, http.StatusOK, &r)
	if step, _ := r.failed(); r.OK || step != "query" {
		t.Errorf("bad query: %+v", r)
	}
}
