package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/depc-dev/depc/api"
)

// TestReadyzDegraded: what works only in part (a Kafka partition held
// back) is listed by /readyz, which stays ready.
func TestReadyzDegraded(t *testing.T) {
	e := newEnv(t)
	paused := []string{"kafka partition depc.acme/0 paused at offset 17"}
	h := api.New(api.Config{}, api.Deps{
		Graph: e.graph, State: e.state, Logger: slog.New(slog.DiscardHandler),
		Degraded: func() []string { return paused },
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, want := range [][]string{paused, nil} {
		paused = want
		res, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var got struct {
			Status   string   `json:"status"`
			Degraded []string `json:"degraded"`
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("/readyz: %v: %s", err, body)
		}
		if res.StatusCode != http.StatusOK || got.Status != "ready" || !slices.Equal(got.Degraded, want) {
			t.Errorf("/readyz = %d %s, want 200, ready, degraded %q", res.StatusCode, body, want)
		}
	}
}

// TestProbes: the probes handler of the processes without the API answers
// /healthz, /readyz (with what is degraded) and /metrics (with the metrics
// token) like the API, and nothing else: no route of the API, no web app.
func TestProbes(t *testing.T) {
	e := newEnv(t)
	h := api.Probes(api.Config{MetricsToken: "metrics-secret"}, api.Deps{
		Graph: e.graph, State: e.state, Logger: slog.New(slog.DiscardHandler),
		Degraded: func() []string { return []string{"kafka partition depc.acme/0 paused"} },
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	for _, c := range []struct {
		path, token string
		status      int
		has         string
	}{
		{"/healthz", "", http.StatusOK, `"ok"`},
		{"/readyz", "", http.StatusOK, `"degraded":["kafka partition depc.acme/0 paused"]`},
		{"/metrics", "", http.StatusUnauthorized, "bearer token"},
		{"/metrics", "metrics-secret", http.StatusOK, "# HELP"},
		{"/api/v1/teams", "", http.StatusNotFound, ""},
		{"/", "", http.StatusNotFound, ""},
	} {
		status, body := get(c.path, c.token)
		if status != c.status || !strings.Contains(body, c.has) {
			t.Errorf("GET %s = %d %s, want %d with %q", c.path, status, body, c.status, c.has)
		}
	}
}
