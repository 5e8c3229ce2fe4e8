package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
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
