package api_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
	"github.com/depc-dev/depc/limits"
)

// withLimits returns a copy of e whose server enforces limits with the
// given defaults, on a clock the test moves.
func withLimits(e *env, defaults depc.Limits, now *time.Time) *env {
	g := limits.New(defaults, e.state, e.graph, limits.Options{Now: func() time.Time { return *now }})
	h := api.New(api.Config{}, api.Deps{Graph: e.graph, State: e.state, Limits: g, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(h)
	e.t.Cleanup(srv.Close)
	c := *e
	c.srv = srv
	return &c
}

type limitsAnswer struct {
	Effective, Overrides, Defaults depc.Limits
}

// TestLimitsRoutes: viewers read a team's limits, only the admin sets
// them, invalid ones are refused naming the field.
func TestLimitsRoutes(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	e := withLimits(newEnv(t), depc.Limits{Labels: 100, Nodes: 1000, MessageBytes: 4096, MessagesPerSecond: 50}, &now)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	vic := e.user("vic", "acme", depc.RoleViewer)
	mandy := e.user("mandy", "acme", depc.RoleManager)

	var got limitsAnswer
	r := e.do(request{method: "GET", path: "/teams/acme/limits", token: tok(vic)})
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &got) != nil {
		t.Fatalf("GET limits as viewer: %d %s", r.Status, r.Body)
	}
	if got.Effective != got.Defaults || got.Overrides != (depc.Limits{}) || got.Defaults.Labels != 100 {
		t.Errorf("GET limits of a team without overrides: %+v", got)
	}
	e.wantError(request{method: "PUT", path: "/teams/acme/limits", body: `{"labels": 5}`, token: tok(mandy)}, http.StatusForbidden, depc.EFORBIDDEN)
	e.call("PUT", "/teams/acme/limits", `{"labels": 5, "messages_per_second": 1000}`, http.StatusOK, &got)
	if want := (depc.Limits{Labels: 5, Nodes: 1000, MessageBytes: 4096, MessagesPerSecond: 1000}); got.Effective != want {
		t.Errorf("effective limits after PUT: %+v, want %+v", got.Effective, want)
	}
	e.wantError(request{method: "PUT", path: "/teams/acme/limits", body: `{"nodes": -1}`}, http.StatusBadRequest, depc.EINVALID, "nodes")
	e.wantError(request{method: "PUT", path: "/teams/acme/limits", body: `{"message_bytes": 100000}`}, http.StatusBadRequest, depc.EINVALID, "message_bytes", "65536")
	e.wantError(request{method: "PUT", path: "/teams/acme/limits", body: `{"label": 5}`}, http.StatusBadRequest, depc.EINVALID, "label")
	e.wantError(request{method: "PUT", path: "/teams/nope/limits", body: `{}`}, http.StatusNotFound, depc.ENOTFOUND)
	e.call("GET", "/teams/acme/limits", nil, http.StatusOK, &got)
	if got.Overrides != (depc.Limits{Labels: 5, MessagesPerSecond: 1000}) {
		t.Errorf("overrides after refused PUTs: %+v", got.Overrides)
	}
}

// TestLimitsMessages: POST /messages rejects the messages over the team's
// size, labels or nodes limits, naming the limit, and applies the others;
// over its messages per second the whole request is refused with 429 and
// Retry-After.
func TestLimitsMessages(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	e := withLimits(newEnv(t), depc.Limits{Labels: 2, Nodes: 3, MessageBytes: 200, MessagesPerSecond: 10}, &now)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	body := `[
		{"source_label": "A", "source_name": "a1", "target_label": "B", "target_name": "b1"},
		{"source_label": "C", "source_name": "c1"},
		{"source_label": "A", "source_name": "a2", "target_label": "B", "target_name": "b2"},
		{"source_label": "A", "source_name": "` + strings.Repeat("x", 200) + `"},
		{"source_label": "A", "source_name": "a1", "target_label": "B", "target_name": "b1"}
	]`
	var res struct {
		Accepted int `json:"accepted"`
		Rejected []struct {
			Index int    `json:"index"`
			Error string `json:"error"`
		} `json:"rejected"`
	}
	e.call("POST", "/teams/acme/messages", body, http.StatusOK, &res)
	if res.Accepted != 2 || len(res.Rejected) != 3 {
		t.Fatalf("accepted %d, rejected %+v; want 2 and 3", res.Accepted, res.Rejected)
	}
	for i, want := range []struct {
		index int
		text  string
	}{
		{1, "at most 2 labels (limits.labels)"},
		{2, "at most 3 nodes (limits.nodes)"},
		{3, "larger than 200 bytes, the limit of team acme (limits.message_bytes)"},
	} {
		if r := res.Rejected[i]; r.Index != want.index || !strings.Contains(r.Error, want.text) {
			t.Errorf("rejected[%d] = %+v, want index %d and %q", i, r, want.index, want.text)
		}
	}
	var labels []struct {
		Name  string `json:"name"`
		Nodes int    `json:"nodes"`
	}
	e.call("GET", "/teams/acme/labels", nil, http.StatusOK, &labels)
	if len(labels) != 2 || labels[0].Nodes+labels[1].Nodes != 2 {
		t.Errorf("labels after the messages: %+v, want A and B with a1 and b1", labels)
	}
	var rejected []depc.Rejection
	e.call("GET", "/teams/acme/messages/rejected", nil, http.StatusOK, &rejected)
	if len(rejected) != 3 {
		t.Errorf("%d rejections recorded, want 3", len(rejected))
	}

	// 5 messages of the 10 per second are spent: 6 more put the team in
	// debt, the next request waits.
	e.call("POST", "/teams/acme/messages", "["+strings.Repeat(`{"source_label": "A", "source_name": "a1"},`, 5)+`{"source_label": "A", "source_name": "a1"}]`, http.StatusOK, nil)
	r := e.do(request{method: "POST", path: "/teams/acme/messages", body: `{"source_label": "A", "source_name": "a1"}`})
	if r.Status != http.StatusTooManyRequests || r.errorOf(t).Error.Code != depc.ELIMIT || r.Header.Get("Retry-After") == "" ||
		!strings.Contains(r.errorOf(t).Error.Message, "10 messages per second (limits.messages_per_second)") {
		t.Errorf("over the rate: %d %v %s", r.Status, r.Header, r.Body)
	}
	now = now.Add(time.Second)
	e.call("POST", "/teams/acme/messages", `{"source_label": "A", "source_name": "a1"}`, http.StatusOK, nil)
}
