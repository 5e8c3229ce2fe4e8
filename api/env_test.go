package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/graph/embedded"
	"github.com/depc-dev/depc/passhash"
	"github.com/depc-dev/depc/scheduler"
	"github.com/depc-dev/depc/source/fake"
	"github.com/depc-dev/depc/source/plugins"
	"github.com/depc-dev/depc/state/sqlite"
	"github.com/prometheus/client_golang/prometheus"
)

// adminToken is the admin token of every test server.
const adminToken = "test-admin-token"

// adminTokenHash is its hash, computed once: the slow hash is slow.
var adminTokenHash = sync.OnceValue(func() string { return passhash.Hash(adminToken) })

// env is a whole API over real stores in a temporary directory: the
// embedded graph store, the SQLite state store, a Computer and a started
// scheduler for runs.
type env struct {
	t     testing.TB
	ctx   context.Context
	graph *embedded.Store
	state *sqlite.Store
	srv   *httptest.Server
	api   *api.Server
	// token is the token requests use unless they say otherwise.
	token string
	// clock, when set, is the server's now (setNow).
	clock *atomic.Pointer[time.Time]
}

// setNow sets the clock of the server and of its computations.
func (e *env) setNow(t time.Time) { e.clock.Store(&t) }

// option changes the API's configuration of a test server.
type option func(*api.Config)

func newEnv(t testing.TB, opts ...option) *env {
	t.Helper()
	return newEnvWith(t, plugins.All(), opts...)
}

// newEnvWith is newEnv with the given source plugins in place of the list
// of cmd/depc.
func newEnvWith(t testing.TB, ps depc.SourcePlugins, opts ...option) *env {
	t.Helper()
	dir := t.TempDir()
	g, err := embedded.Open(filepath.Join(dir, "graph"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	st, err := sqlite.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := st.SetAdminTokenHash(ctx, adminTokenHash()); err != nil {
		t.Fatal(err)
	}
	clock := &atomic.Pointer[time.Time]{}
	now := func() time.Time {
		if t := clock.Load(); t != nil {
			return *t
		}
		return time.Now()
	}
	comp := compute.New(g, st, ps.Open)
	comp.Now = now
	t.Cleanup(func() { comp.Close() })
	log := slog.New(slog.DiscardHandler)
	sched, err := scheduler.New(st, comp, scheduler.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := sched.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sched.Stop() })
	var cfg api.Config
	for _, o := range opts {
		o(&cfg)
	}
	reg := prometheus.NewRegistry()
	h := api.New(cfg, api.Deps{
		Graph: g, State: st, Computer: comp, Runs: sched,
		Plugins: ps, Logger: log, Now: now, Gatherer: reg, Registerer: reg,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, graph: g, state: st, srv: srv, api: h, token: adminToken, clock: clock}
}

// response is an answer of the server.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// errorOf decodes an error answer; it fails the test when the body is not
// the documented error body.
func (r response) errorOf(t testing.TB) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("status %d: body %q is not an error body {\"error\": {\"code\", \"message\"}}", r.Status, r.Body)
	}
	return e
}

// request is one call: its token (nil: the env's token; "" none) and
// content type are optional.
type request struct {
	method, path string
	body         any // string, []byte, or a value sent as JSON; nil: no body
	token        *string
	auth         string // a raw Authorization header, replacing the token
	contentType  string
}

func tok(s string) *string { return &s }

// do sends a request to /api/v1 + path.
func (e *env) do(r request) response {
	e.t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	path := r.path
	if !strings.HasPrefix(path, "/healthz") && !strings.HasPrefix(path, "/readyz") && !strings.HasPrefix(path, "/metrics") {
		path = api.Base + path
	}
	req, err := http.NewRequestWithContext(e.ctx, r.method, e.srv.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	token := e.token
	if r.token != nil {
		token = *r.token
	}
	switch {
	case r.auth != "":
		req.Header.Set("Authorization", r.auth)
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", r.method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading the answer: %v", r.method, path, err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// call sends a request with the env's token, wants the status, and decodes
// the answer into out (when not nil).
func (e *env) call(method, path string, body any, want int, out any) response {
	e.t.Helper()
	r := e.do(request{method: method, path: path, body: body})
	if r.Status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.Status, want, r.Body)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			e.t.Fatalf("%s %s: answer %s: %v", method, path, r.Body, err)
		}
	}
	return r
}

// mustJSON wants an answer's status and decodes its body into out.
func mustJSON(t *testing.T, r response, want int, out any) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body %s", r.Status, want, r.Body)
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		t.Fatalf("answer %s: %v", r.Body, err)
	}
}

// wantError sends a request and wants an error answer with the status and
// code, whose message contains every one of the given texts.
func (e *env) wantError(r request, status int, code string, texts ...string) {
	e.t.Helper()
	got := e.do(r)
	if got.Status != status {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", r.method, r.path, got.Status, status, got.Body)
	}
	eb := got.errorOf(e.t)
	if eb.Error.Code != code {
		e.t.Errorf("%s %s: code %q, want %q (%s)", r.method, r.path, eb.Error.Code, code, eb.Error.Message)
	}
	for _, text := range texts {
		if !strings.Contains(eb.Error.Message, text) {
			e.t.Errorf("%s %s: message %q does not say %q", r.method, r.path, eb.Error.Message, text)
		}
	}
}

// user creates a user with a role in a team (none when role is "") and
// returns its token.
func (e *env) user(name, team string, role depc.Role) string {
	e.t.Helper()
	var u struct {
		Token string `json:"token"`
	}
	e.call("POST", "/users", map[string]any{"name": name}, http.StatusCreated, &u)
	if role != "" {
		e.call("PUT", "/teams/"+team+"/grants/"+name, map[string]any{"role": role}, http.StatusOK, nil)
	}
	return u.Token
}

// The tutorial of the original DepC (spec/fake-source.md): the day
// computed, and when its relations open (the day before).
const (
	tutorialDay   = "2020-07-29"
	tutorialStart = 1595980800 // 2020-07-29 00:00 UTC
	tutorialOpen  = tutorialStart - 86400
)

// tutorialMessages is the tutorial graph as messages: the offer premium
// served by foo.com and bar.com, each on a filer and an Apache server.
func tutorialMessages() []map[string]any {
	rel := func(sl, sn, tl, tn string) map[string]any {
		return map[string]any{
			"source": map[string]any{"label": sl, "name": sn},
			"target": map[string]any{"label": tl, "name": tn},
			"rel":    map[string]any{"from": tutorialOpen},
		}
	}
	return []map[string]any{
		rel("Offer", "premium", "Website", "foo.com"),
		rel("Offer", "premium", "Website", "bar.com"),
		rel("Website", "foo.com", "Filer", "filer1"),
		rel("Website", "foo.com", "Apache", "apache1"),
		rel("Website", "bar.com", "Filer", "filer2"),
		rel("Website", "bar.com", "Apache", "apache2"),
	}
}

// tutorialConfig is the tutorial's config.
var tutorialConfig = map[string]any{
	"Apache":  map[string]any{"qos": "rule.Servers"},
	"Filer":   map[string]any{"qos": "rule.Servers"},
	"Website": map[string]any{"qos": "operation.AND[Filer, Apache]"},
	"Offer":   map[string]any{"qos": "aggregation.AVERAGE[Website]"},
}

// tutorial sets up team acme as the tutorial does, through the API, and
// computes tutorialDay.
func (e *env) tutorial() {
	e.t.Helper()
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	var mr struct {
		Accepted int               `json:"accepted"`
		Rejected []json.RawMessage `json:"rejected"`
	}
	e.call("POST", "/teams/acme/messages", tutorialMessages(), http.StatusOK, &mr)
	if mr.Accepted != 6 || len(mr.Rejected) != 0 {
		e.t.Fatalf("tutorial messages: %+v", mr)
	}
	e.call("POST", "/teams/acme/sources", map[string]any{"name": "Fake", "plugin": "Fake"}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/checks", map[string]any{"name": "Server Ping", "source": "Fake", "type": "Threshold",
		"parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "20"}}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/rules", map[string]any{"name": "Servers", "checks": []string{"Server Ping"}}, http.StatusCreated, nil)
	e.call("PUT", "/teams/acme/config", tutorialConfig, http.StatusOK, nil)
	var run depc.Run
	e.call("POST", "/teams/acme/runs?wait=true", map[string]any{"day": tutorialDay}, http.StatusOK, &run)
	if run.Status != depc.RunSucceeded || len(run.Errors) != 0 {
		e.t.Fatalf("tutorial run: %+v", run)
	}
}

// expectedPingQoS computes, independently of the engine, a node's rule
// QoS for the tutorial day from the Fake source's data: every datapoint
// holds for its minute, OK while the ping is at most 20 ms. It returns the
// QoS and the minutes that are KO.
func expectedPingQoS(t *testing.T, name string) (float64, map[int]bool) {
	t.Helper()
	src := fake.New()
	ko := map[int]bool{}
	var points int
	err := src.Fetch(context.Background(), depc.CheckParameters{Query: "depc.tutorial.ping", Threshold: "20"},
		depc.Window{Start: tutorialStart, End: tutorialStart + 86400}, []string{name}, func(r depc.SourceResult) {
			if r.Err != nil || len(r.Series) != 1 {
				t.Fatalf("fake %s: %v, %d series", name, r.Err, len(r.Series))
			}
			for i, p := range r.Series[0].Points {
				points++
				if p.V > 20 {
					ko[i] = true
				}
			}
		})
	if err != nil || points != 1440 {
		t.Fatalf("fake %s: %v, %d points", name, err, points)
	}
	return 100 * float64(1440-len(ko)) / 1440, ko
}

// andQoS is the QoS of an AND of children given their KO minutes.
func andQoS(kos ...map[int]bool) float64 {
	union := map[int]bool{}
	for _, ko := range kos {
		for m := range ko {
			union[m] = true
		}
	}
	return 100 * float64(1440-len(union)) / 1440
}

// round3 rounds as the API does (spec/semantics.md §2).
func round3(x float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 3, 64), 64)
	return r
}
