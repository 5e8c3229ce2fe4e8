package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
)

// TestErrorStatuses gives one request for each status of api.md's table
// and each kind of thing that can be unknown.
func TestErrorStatuses(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	cases := []struct {
		name   string
		req    request
		status int
		code   string
		texts  []string
	}{
		{"malformed JSON", request{method: "POST", path: "/teams", body: `{"name": "x"`}, 400, depc.EINVALID, []string{"JSON"}},
		{"trailing data", request{method: "POST", path: "/teams", body: `{"name": "x"} {}`}, 400, depc.EINVALID, []string{"after"}},
		{"unknown field", request{method: "POST", path: "/teams", body: `{"name": "x", "tz": "UTC"}`}, 400, depc.EINVALID, []string{"tz"}},
		{"wrong type", request{method: "POST", path: "/teams", body: `{"name": 5}`}, 400, depc.EINVALID, []string{"name"}},
		{"not an object", request{method: "POST", path: "/teams", body: `[]`}, 400, depc.EINVALID, []string{"object"}},
		// The message reads as a sentence (issue 12 item 8), not "a JSON an object".
		{"not an object reads well", request{method: "POST", path: "/teams", body: `[]`}, 400, depc.EINVALID, []string{"the body must be a JSON object, not an array"}},
		{"a number for an object", request{method: "POST", path: "/teams", body: `5`}, 400, depc.EINVALID, []string{"the body must be a JSON object, not a number"}},
		{"empty body", request{method: "POST", path: "/teams", body: ``}, 400, depc.EINVALID, []string{"empty"}},
		{"bad team name", request{method: "POST", path: "/teams", body: `{"name": "Acme"}`}, 400, depc.EINVALID, []string{"name"}},
		{"bad time zone", request{method: "POST", path: "/teams", body: `{"name": "x", "timezone": "Mars/Olympus"}`}, 400, depc.EINVALID, []string{"timezone"}},
		{"bad user name", request{method: "POST", path: "/users", body: `{"name": "a b"}`}, 400, depc.EINVALID, []string{"name"}},
		{"no token", request{method: "GET", path: "/teams", token: tok("")}, 401, depc.EUNAUTHORIZED, []string{"token"}},
		{"unknown token", request{method: "GET", path: "/teams", token: tok("depc_nope")}, 401, depc.EUNAUTHORIZED, []string{"token"}},
		{"team taken", request{method: "POST", path: "/teams", body: `{"name": "acme"}`}, 409, depc.ECONFLICT, []string{"acme"}},
		{"unknown team", request{method: "GET", path: "/teams/nope/labels"}, 404, depc.ENOTFOUND, []string{"nope"}},
		{"unknown node", request{method: "GET", path: "/teams/acme/labels/Filer/nodes/filer9"}, 404, depc.ENOTFOUND, []string{"filer9"}},
		{"unknown source", request{method: "GET", path: "/teams/acme/sources/prom"}, 404, depc.ENOTFOUND, []string{"prom"}},
		{"unknown check", request{method: "GET", path: "/teams/acme/checks/Oco"}, 404, depc.ENOTFOUND, []string{"Oco"}},
		{"unknown rule", request{method: "GET", path: "/teams/acme/rules/Websites"}, 404, depc.ENOTFOUND, []string{"Websites"}},
		{"unknown run", request{method: "GET", path: "/teams/acme/runs/42"}, 404, depc.ENOTFOUND, []string{"42"}},
		{"unknown config version", request{method: "POST", path: "/teams/acme/configs/42/restore"}, 404, depc.ENOTFOUND, []string{"42"}},
		{"unknown user", request{method: "PUT", path: "/teams/acme/grants/ghost", body: `{"role": "viewer"}`}, 404, depc.ENOTFOUND, []string{"ghost"}},
		{"unknown route", request{method: "GET", path: "/teams/acme/nothing"}, 404, depc.ENOTFOUND, []string{"route"}},
		{"unknown method", request{method: "PUT", path: "/teams/acme", body: "{}"}, 404, depc.ENOTFOUND, []string{"route"}},
		{"in use", request{method: "DELETE", path: "/teams/acme/sources/Fake"}, 409, depc.ECONFLICT, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			e.wantError(c.req, c.status, c.code, c.texts...)
		})
	}
	e.t = t
	// A user name taken.
	e.user("alice", "acme", depc.RoleViewer)
	e.wantError(request{method: "POST", path: "/users", body: `{"name": "alice"}`}, http.StatusConflict, depc.ECONFLICT, "alice")
}

// TestBodyLimits: 16 MiB for /messages, 1 MiB elsewhere, both configurable;
// above, 413.
func TestBodyLimits(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	// A valid array of messages just under 16 MiB is taken; one over is
	// refused whole.
	msg := []byte(`{"source": {"label": "Website", "name": "site-0000000"}},`)
	build := func(size int) []byte {
		var b bytes.Buffer
		b.Grow(size + len(msg))
		b.WriteByte('[')
		for b.Len()+len(msg)+1 <= size {
			b.Write(msg)
		}
		out := b.Bytes()
		out[len(out)-1] = ']'
		for len(out) < size { // pad with spaces up to the exact size
			out = append(out, ' ')
		}
		return out
	}
	var mr messagesResult
	mustJSON(t, e.do(request{method: "POST", path: "/teams/acme/messages", body: build(16 << 20)}), http.StatusOK, &mr)
	if mr.Accepted == 0 || len(mr.Rejected) != 0 {
		t.Errorf("16 MiB of messages: %d accepted, %d rejected", mr.Accepted, len(mr.Rejected))
	}
	e.wantError(request{method: "POST", path: "/teams/acme/messages", body: build(16<<20 + 1)}, http.StatusRequestEntityTooLarge, depc.ETOOLARGE)

	big := `{"Filer": {"qos": "rule.Servers"}}` + strings.Repeat(" ", 1<<20)
	e.wantError(request{method: "PUT", path: "/teams/acme/config", body: big}, http.StatusRequestEntityTooLarge, depc.ETOOLARGE)
	e.wantError(request{method: "POST", path: "/teams", body: `{"name": "x"}` + strings.Repeat(" ", 1<<20)}, http.StatusRequestEntityTooLarge, depc.ETOOLARGE)
	// Exactly 1 MiB is within the limit (and then invalid for another
	// reason).
	e.wantError(request{method: "PUT", path: "/teams/acme/config", body: big[:1<<20]}, http.StatusBadRequest, depc.EINVALID)

	// Configured limits.
	small := newEnv(t, func(c *api.Config) { c.BodyLimit, c.MessagesBodyLimit = 64, 128 })
	small.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	small.wantError(request{method: "POST", path: "/teams", body: `{"name": "` + strings.Repeat("a", 60) + `"}`}, http.StatusRequestEntityTooLarge, depc.ETOOLARGE, "64")
	small.wantError(request{method: "POST", path: "/teams/acme/messages", body: build(129)}, http.StatusRequestEntityTooLarge, depc.ETOOLARGE, "128")
	small.call("POST", "/teams/acme/messages", build(128), http.StatusOK, nil)
}

// TestHealthAndMetrics: /healthz and /readyz need no token; /metrics
// needs the configured one.
func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.MetricsToken = "metrics-secret" })
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.do(request{method: "GET", path: p, token: tok("")}); r.Status != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Body)
		}
	}
	e.wantError(request{method: "GET", path: "/metrics", token: tok("")}, http.StatusUnauthorized, depc.EUNAUTHORIZED)
	r := e.do(request{method: "GET", path: "/metrics", token: tok("metrics-secret")})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "go_goroutines") && !strings.Contains(string(r.Body), "# HELP") {
		t.Errorf("GET /metrics with the token: %d", r.Status)
	}
}

// FuzzRequests sends arbitrary bodies and query strings to the routes that
// take them (one route per input, chosen by the first argument): bad input
// is never a 500 and always gets the error body.
// Run: go test -run=^$ -fuzz=FuzzRequests -fuzztime=10s ./api
func FuzzRequests(f *testing.F) {
	seeds := []struct{ query, body string }{
		{"", "{}"},
		{"start=2020-07-29&end=2020-07-29", `{"day": "2020-07-29"}`},
		{"day=2020-07-29&inactive=true", `[{"source": {"label": "A", "name": "a"}}]`},
		{"at=1&limit=5&after=x&label=Website&q=o", `{"name": "x", "plugin": "Fake", "configuration": null}`},
		{"limit=-1", `{"Filer": {"qos": "operation.RATIO(.5)[A]"}}`},
		{"start=0000-01-01&end=9999-12-31", `{"name": "filer1", "start": -1, "end": 9223372036854775807}`},
		{"%zz", "\x00\xff"},
	}
	routes := api.Routes()
	for i := range routes {
		s := seeds[i%len(seeds)]
		f.Add(uint8(i), s.query, s.body)
	}
	e := newEnv(f)
	e.tutorial()
	f.Fuzz(func(t *testing.T, route uint8, query, body string) {
		e.t = t
		r := routes[int(route)%len(routes)]
		path := concretePath(r.Path, "acme") + "?" + query
		if _, err := url.Parse(path); err != nil || strings.ContainsAny(path, " #") {
			return // not a request line a client sends
		}
		if strings.HasSuffix(r.Path, "/runs") && strings.Contains(query, "wait") {
			return // a run of the days the body names could take long
		}
		var b any
		if r.Method == http.MethodPost || r.Method == http.MethodPut {
			b = body
		}
		got := e.do(request{method: r.Method, path: path, body: b})
		if got.Status >= 500 {
			t.Fatalf("%s %s with %q: %d %s", r.Method, path, body, got.Status, got.Body)
		}
		if got.Status >= 400 {
			got.errorOf(t)
		}
	})
}

// TestStoreDown: a store that cannot be reached is a 500 whose message
// names the request id (for the logs) and nothing of the cause; /readyz
// says so.
func TestStoreDown(t *testing.T) {
	e := newEnv(t, func(c *api.Config) { c.AuthCacheTTL = -1 })
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	if err := e.graph.Close(); err != nil {
		t.Fatal(err)
	}
	r := e.do(request{method: "GET", path: "/teams/acme/labels"})
	if r.Status != http.StatusInternalServerError {
		t.Fatalf("graph store closed: %d %s", r.Status, r.Body)
	}
	eb := r.errorOf(t)
	rid := r.Header.Get("X-Request-Id")
	if eb.Error.Code != depc.EINTERNAL || rid == "" || !strings.Contains(eb.Error.Message, rid) || strings.Contains(eb.Error.Message, "closed") {
		t.Errorf("500: %+v (request id %q), want code internal naming the request id only", eb, rid)
	}
	if r := e.do(request{method: "GET", path: "/readyz", token: tok("")}); r.Status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the graph store closed: %d", r.Status)
	}
	if r := e.do(request{method: "GET", path: "/healthz", token: tok("")}); r.Status != http.StatusOK {
		t.Errorf("/healthz: %d", r.Status)
	}
}
