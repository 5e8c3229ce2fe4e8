package prometheus_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// fakeProm is a stand-in for the Prometheus query API, for the error paths
// and request shapes a real server cannot be made to produce on demand. By
// default it answers every range query with one series per node of the
// query's node matcher, value 1 at every evaluation instant.
type fakeProm struct {
	t       *testing.T
	mu      sync.Mutex
	reqs    []url.Values
	headers []http.Header
	// respond, when set, answers instead of the default.
	respond func(w http.ResponseWriter, r *http.Request, names []string)
}

func newFakeProm(t *testing.T) (*fakeProm, *httptest.Server) {
	f := &fakeProm{t: t}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/query_range" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Form)
	f.headers = append(f.headers, r.Header.Clone())
	f.mu.Unlock()
	names := nodeNames(f.t, r.Form.Get("query"))
	if f.respond != nil {
		f.respond(w, r, names)
		return
	}
	writeMatrix(w, r.Form, names)
}

func (f *fakeProm) requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// nodeNames returns the names the query's node matcher (label "name")
// selects, checking that every selector carries the same one.
func nodeNames(t *testing.T, q string) []string {
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(q)
	if err != nil {
		t.Errorf("the source sent a query that does not parse: %q: %v", q, err)
		return nil
	}
	var node *labels.Matcher
	for _, ms := range parser.ExtractSelectors(expr) {
		var found *labels.Matcher
		for _, m := range ms {
			if m.Name == "name" {
				found = m
			}
		}
		if found == nil || (node != nil && found.String() != node.String()) {
			t.Errorf("query %q: a selector lacks the node matcher", q)
			return nil
		}
		node = found
	}
	if node.Type == labels.MatchEqual {
		return []string{node.Value}
	}
	var names []string
	for _, n := range strings.Split(node.Value, "|") {
		names = append(names, strings.ReplaceAll(n, `\`, ""))
	}
	return names
}

type sampleStream struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

// writeMatrix answers with one series per name plus two the source must
// ignore: one without the node label and one of a node it did not ask for.
func writeMatrix(w http.ResponseWriter, form url.Values, names []string) {
	start, _ := strconv.ParseInt(form.Get("start"), 10, 64)
	end, _ := strconv.ParseInt(form.Get("end"), 10, 64)
	step, _ := strconv.ParseInt(form.Get("step"), 10, 64)
	var values [][2]any
	for t := start; t <= end; t += step {
		values = append(values, [2]any{t, "1"})
	}
	result := []sampleStream{
		{Metric: map[string]string{"__name__": "up"}, Values: values},
		{Metric: map[string]string{"__name__": "up", "name": "stranger"}, Values: values},
	}
	for _, n := range names {
		result = append(result, sampleStream{Metric: map[string]string{"__name__": "up", "name": n}, Values: values})
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// An error here shows in the client as a short body.
	_ = json.NewEncoder(w).Encode(v)
}

func open(t *testing.T, configuration string) *prometheus.Source {
	t.Helper()
	s, err := prometheus.Open([]byte(configuration))
	if err != nil {
		t.Fatalf("Open(%s): %v", configuration, err)
	}
	return s
}

// fetch runs Fetch and returns its results by name, failing on a repeated
// name or an error from Fetch itself.
func fetch(t *testing.T, s depc.Source, p depc.CheckParameters, w depc.Window, names ...string) map[string]depc.SourceResult {
	t.Helper()
	got := make(map[string]depc.SourceResult)
	err := s.Fetch(context.Background(), p, w, names, func(r depc.SourceResult) {
		if _, dup := got[r.Name]; dup {
			t.Errorf("fn called twice for %q", r.Name)
		}
		got[r.Name] = r
	})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return got
}

const day = 1748822400 // 2025-06-02 00:00 UTC, the fixture's day

func TestFetchRange(t *testing.T) {
	type rng struct{ start, end, step int64 }
	tests := []struct {
		name string
		p    depc.CheckParameters
		w    depc.Window
		want []rng
	}{
		{"day", depc.CheckParameters{}, depc.Window{Start: day, End: day + 86400},
			[]rng{{day - 300, day + 86340, 60}}},
		{"lookback rounded up to whole steps", depc.CheckParameters{Lookback: 90}, depc.Window{Start: day, End: day + 86400},
			[]rng{{day - 120, day + 86340, 60}}},
		{"a window shorter than a step", depc.CheckParameters{}, depc.Window{Start: day, End: day + 1},
			[]rng{{day - 300, day, 60}}},
		{"the end is exclusive", depc.CheckParameters{}, depc.Window{Start: day, End: day + 120},
			[]rng{{day - 300, day + 60, 60}}},
		{"a partial last step", depc.CheckParameters{}, depc.Window{Start: day, End: day + 121},
			[]rng{{day - 300, day + 120, 60}}},
		{"step and lookback", depc.CheckParameters{Step: 300, Lookback: 3600}, depc.Window{Start: day, End: day + 3600},
			[]rng{{day - 3600, day + 3300, 300}}},
		// 86 700 instants at 1 s: split at 11 000 points per query.
		{"split", depc.CheckParameters{Step: 1}, depc.Window{Start: day, End: day + 86400}, []rng{
			{day - 300, day + 10699, 1}, {day + 10700, day + 21699, 1}, {day + 21700, day + 32699, 1},
			{day + 32700, day + 43699, 1}, {day + 43700, day + 54699, 1}, {day + 54700, day + 65699, 1},
			{day + 65700, day + 76699, 1}, {day + 76700, day + 86399, 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeProm(t)
			s := open(t, fmt.Sprintf(`{"url": %q, "concurrency": 1}`, srv.URL))
			tt.p.Query = "up"
			got := fetch(t, s, tt.p, tt.w, "n1")
			var gotRanges []rng
			for _, r := range f.requests() {
				var g rng
				g.start, _ = strconv.ParseInt(r.Get("start"), 10, 64)
				g.end, _ = strconv.ParseInt(r.Get("end"), 10, 64)
				g.step, _ = strconv.ParseInt(r.Get("step"), 10, 64)
				gotRanges = append(gotRanges, g)
			}
			if !slices.Equal(gotRanges, tt.want) {
				t.Fatalf("ranges = %v, want %v", gotRanges, tt.want)
			}
			// The pieces of the series join into one, every instant once.
			series := got["n1"].Series
			if len(series) != 1 {
				t.Fatalf("%d series, want 1", len(series))
			}
			pts := series[0].Points
			first, last, step := tt.want[0].start, tt.want[len(tt.want)-1].end, tt.want[0].step
			if n := (last-first)/step + 1; int64(len(pts)) != n {
				t.Fatalf("%d points, want %d", len(pts), n)
			}
			for i, p := range pts {
				if p != (qos.Point{T: first + int64(i)*step, V: 1}) {
					t.Fatalf("point %d = %v, want t=%d", i, p, first+int64(i)*step)
				}
			}
		})
	}
}

func TestFetchBatches(t *testing.T) {
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("node-%04d", i)
	}
	tests := []struct {
		maxNames, maxBytes int // 0: the default
		query              string
		requests           int
	}{
		{300, 0, "up", 4},
		{1, 0, "up", 1000},
		// 1000 names of 9 bytes + '|' are 10 KB of regexp per selector.
		{1000, 12000, "up", 1},
		{1000, 12000, "up + on(name) up", 2},
		// The base query is 37 bytes and each name costs 20 (twice 9 + '|'):
		// 100 names per query.
		{1000, 2048, "up + on(name) up", 10},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d names %d bytes %s", tt.maxNames, tt.maxBytes, tt.query), func(t *testing.T) {
			f, srv := newFakeProm(t)
			s := open(t, fmt.Sprintf(`{"url": %q, "max_names_per_query": %d, "max_query_bytes": %d}`, srv.URL, tt.maxNames, tt.maxBytes))
			got := fetch(t, s, depc.CheckParameters{Query: tt.query}, depc.Window{Start: day, End: day + 600}, names...)
			reqs := f.requests()
			if len(reqs) != tt.requests {
				t.Errorf("%d requests, want %d", len(reqs), tt.requests)
			}
			limit := cmp.Or(tt.maxBytes, prometheus.DefaultMaxQueryBytes)
			for _, r := range reqs {
				if q := r.Get("query"); len(q) > limit {
					t.Errorf("query of %d bytes, over the limit of %d", len(q), limit)
				}
			}
			if len(got) != len(names) {
				t.Fatalf("%d results, want %d", len(got), len(names))
			}
			for _, n := range names {
				r := got[n]
				if r.Err != nil || len(r.Series) != 1 || r.Series[0].Labels["name"] != n || len(r.Series[0].Points) != 15 {
					t.Fatalf("result for %s = %+v", n, r)
				}
			}
		})
	}
}

func TestFetchNames(t *testing.T) {
	_, srv := newFakeProm(t)
	s := open(t, fmt.Sprintf(`{"url": %q}`, srv.URL))
	var calls []string
	err := s.Fetch(context.Background(), depc.CheckParameters{Query: "up"}, depc.Window{Start: day, End: day + 60},
		[]string{"a", "", "a", "b", "\xff", "b"}, func(r depc.SourceResult) {
			calls = append(calls, r.Name)
			switch r.Name {
			case "", "\xff":
				if depc.ErrorCode(r.Err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(r.Err), "name: ") {
					t.Errorf("%q: %v, want EINVALID naming name", r.Name, r.Err)
				}
			default:
				if r.Err != nil || len(r.Series) != 1 {
					t.Errorf("%q: %+v", r.Name, r)
				}
			}
		})
	slices.Sort(calls)
	if err != nil || !slices.Equal(calls, []string{"", "a", "b", "\xff"}) {
		t.Errorf("Fetch = %v, calls %q: want one call per distinct name", err, calls)
	}
}

func TestFetchNoData(t *testing.T) {
	f, srv := newFakeProm(t)
	f.respond = func(w http.ResponseWriter, r *http.Request, _ []string) {
		writeMatrix(w, r.Form, []string{"b"}) // nothing for a; strangers ignored
	}
	s := open(t, fmt.Sprintf(`{"url": %q}`, srv.URL))
	got := fetch(t, s, depc.CheckParameters{Query: "up"}, depc.Window{Start: day, End: day + 60}, "a", "b")
	if r := got["a"]; r.Err != nil || r.Series != nil {
		t.Errorf("a = %+v, want no series and no error", r)
	}
	if r := got["b"]; r.Err != nil || len(r.Series) != 1 {
		t.Errorf("b = %+v, want its series", r)
	}
	if len(got) != 2 {
		t.Errorf("results for %d names, want 2 (no stranger)", len(got))
	}
}

func TestFetchHTTPErrors(t *testing.T) {
	apiError := func(status int, typ, msg string) func(http.ResponseWriter, *http.Request, []string) {
		return func(w http.ResponseWriter, _ *http.Request, _ []string) {
			writeJSON(w, status, map[string]string{"status": "error", "errorType": typ, "error": msg})
		}
	}
	text := func(status int, body string) func(http.ResponseWriter, *http.Request, []string) {
		return func(w http.ResponseWriter, _ *http.Request, _ []string) {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	tests := []struct {
		name    string
		respond func(http.ResponseWriter, *http.Request, []string)
		code    string
		want    string // in the message, after "… at <url>"
		hidden  string // not in the message
	}{
		{"bad data", apiError(400, "bad_data", `1:5: parse error: unexpected "}"`), depc.EINVALID, ` refused the query: 1:5: parse error: unexpected "}"`, ""},
		{"execution", apiError(422, "execution", "vector cannot contain metrics with the same labelset"), depc.EINVALID, " could not run the query: vector cannot contain metrics with the same labelset", ""},
		{"long query error", apiError(400, "bad_data", "parse error: "+strings.Repeat("x", 500)+"END\x00"), depc.EINVALID, " refused the query: parse error: xxx", "END"},
		{"server timeout", apiError(503, "timeout", "query timed out in expression evaluation"), depc.EUNAVAILABLE, ": query timed out", ""},
		// What the server says is not shown: a source's URL may point at
		// anything (issue 12, repro 3); it goes to the log.
		{"server error", text(502, "bad gateway"), depc.EUNAVAILABLE, " answered HTTP 502", "bad gateway"},
		{"internal error", apiError(500, "internal", "out of memory"), depc.EUNAVAILABLE, " answered HTTP 500", "out of memory"},
		{"unauthorized", text(401, "no"), depc.EUNAVAILABLE, " answered HTTP 401 (check the source's credentials)", ""},
		{"not found", text(404, "404 page not found"), depc.EUNAVAILABLE, " answered HTTP 404 (check the source's url: it must be the server's base URL, without /api/v1)", "page"},
		{"client error with JSON", func(w http.ResponseWriter, _ *http.Request, _ []string) {
			writeJSON(w, 400, map[string]string{"status": "error", "error": "secret"})
		}, depc.EUNAVAILABLE, " answered an error", "secret"},
		{"not JSON", text(200, "<html>secret"), depc.EUNAVAILABLE, ": the answer is not a Prometheus API answer", "<"},
		{"not a matrix", func(w http.ResponseWriter, _ *http.Request, _ []string) {
			writeJSON(w, 200, map[string]any{"status": "success", "data": map[string]any{"resultType": "vector", "result": []any{}}})
		}, depc.EUNAVAILABLE, ": a range query answered a vector, not a matrix", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeProm(t)
			f.respond = tt.respond
			s := open(t, fmt.Sprintf(`{"url": %q, "max_names_per_query": 2}`, srv.URL))
			got := fetch(t, s, depc.CheckParameters{Query: "up"}, depc.Window{Start: day, End: day + 60}, "a", "b", "c")
			for _, n := range []string{"a", "b", "c"} {
				err := got[n].Err
				msg := depc.ErrorMessage(err)
				if depc.ErrorCode(err) != tt.code || !strings.Contains(msg, "prometheus at "+srv.URL+tt.want) {
					t.Errorf("%s: %v\nwant %s containing %q", n, err, tt.code, "prometheus at "+srv.URL+tt.want)
				}
				if tt.hidden != "" && strings.Contains(msg, tt.hidden) {
					t.Errorf("%s: %q shows %q, which the server answered", n, msg, tt.hidden)
				}
				if len(msg) > 400 {
					t.Errorf("%s: a message of %d bytes", n, len(msg))
				}
				if tt.code == depc.EINVALID && !strings.HasPrefix(msg, "parameters.query: ") {
					t.Errorf("%s: %q does not name parameters.query", n, msg)
				}
			}
		})
	}
}

// TestFetchPartialFailure: a failing batch fails its names only.
func TestFetchPartialFailure(t *testing.T) {
	f, srv := newFakeProm(t)
	f.respond = func(w http.ResponseWriter, r *http.Request, names []string) {
		if slices.Contains(names, "c") {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		writeMatrix(w, r.Form, names)
	}
	s := open(t, fmt.Sprintf(`{"url": %q, "max_names_per_query": 2}`, srv.URL))
	got := fetch(t, s, depc.CheckParameters{Query: "up"}, depc.Window{Start: day, End: day + 60}, "a", "b", "c", "d", "e")
	for _, n := range []string{"a", "b", "e"} {
		if r := got[n]; r.Err != nil || len(r.Series) != 1 {
			t.Errorf("%s = %+v, want its series", n, r)
		}
	}
	for _, n := range []string{"c", "d"} {
		if r := got[n]; depc.ErrorCode(r.Err) != depc.EUNAVAILABLE || r.Series != nil {
			t.Errorf("%s = %+v, want EUNAVAILABLE", n, r)
		}
	}
}

func TestFetchTimeout(t *testing.T) {
	f, srv := newFakeProm(t)
	f.respond = func(_ http.ResponseWriter, r *http.Request, _ []string) {
		<-r.Context().Done() // never answers; the client gives up
	}
	s := open(t, fmt.Sprintf(`{"url": %q, "timeout": "1s"}`, srv.URL))
	got := fetch(t, s, depc.CheckParameters{Query: "up"}, depc.Window{Start: day, End: day + 60}, "a")
	want := "prometheus at " + srv.URL + ": no answer within 1s"
	if err := got["a"].Err; depc.ErrorCode(err) != depc.EUNAVAILABLE || depc.ErrorMessage(err) != want {
		t.Errorf("a: %v, want EUNAVAILABLE %q", err, want)
	}
	// The server is told the same limit for the query's evaluation.
	if reqs := f.requests(); len(reqs) != 1 || reqs[0].Get("timeout") != "1s" {
		t.Errorf("requests %v, want one with timeout=1s", reqs)
	}
}

func TestFetchUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	s := open(t, fmt.Sprintf(`{"url": %q}`, addr))
	got := fetch(t, s, depc.CheckParameters{Query: "up"}, depc.Window{Start: day, End: day + 60}, "a", "b")
	for _, n := range []string{"a", "b"} {
		err := got[n].Err
		if depc.ErrorCode(err) != depc.EUNAVAILABLE || depc.ErrorMessage(err) != "prometheus at "+addr+" is unreachable: connection refused" {
			t.Errorf("%s: %v, want EUNAVAILABLE naming %s", n, err, addr)
		}
	}
}

func TestFetchCancelled(t *testing.T) {
	f, srv := newFakeProm(t)
	arrived := make(chan struct{}, 10)
	f.respond = func(_ http.ResponseWriter, r *http.Request, _ []string) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}
	s := open(t, fmt.Sprintf(`{"url": %q, "max_names_per_query": 1}`, srv.URL))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	var calls int
	err := s.Fetch(ctx, depc.CheckParameters{Query: "up"}, depc.Window{Start: day, End: day + 60}, []string{"a", "b", "c"}, func(depc.SourceResult) { calls++ })
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Errorf("Fetch = %v after %d calls, want context.Canceled and no call (the nodes did not fail)", err, calls)
	}
}

func TestFetchCredentials(t *testing.T) {
	tests := []struct {
		config string
		header string
		want   string
	}{
		{`"bearer_token": "s3cret"`, "Authorization", "Bearer s3cret"},
		{`"basic_auth": {"username": "u", "password": "p"}`, "Authorization", "Basic dTpw"},
		{`"headers": {"X-Scope-OrgID": "team1"}`, "X-Scope-Orgid", "team1"},
	}
	for _, tt := range tests {
		f, srv := newFakeProm(t)
		s := open(t, fmt.Sprintf(`{"url": %q, %s}`, srv.URL, tt.config))
		fetch(t, s, depc.CheckParameters{Query: "up"}, depc.Window{Start: day, End: day + 60}, "a")
		f.mu.Lock()
		if len(f.headers) != 1 || f.headers[0].Get(tt.header) != tt.want {
			t.Errorf("%s: header %s = %q, want %q", tt.config, tt.header, f.headers[0].Get(tt.header), tt.want)
		}
		f.mu.Unlock()
	}
}

func TestFetchBadCheckOrWindow(t *testing.T) {
	tests := []struct {
		p    depc.CheckParameters
		w    depc.Window
		want string
	}{
		{depc.CheckParameters{Query: "sum(up)"}, depc.Window{Start: day, End: day + 60}, "parameters.query: "},
		{depc.CheckParameters{Query: "up", Step: -5}, depc.Window{Start: day, End: day + 60}, "parameters.step: "},
		{depc.CheckParameters{Query: "up"}, depc.Window{Start: day, End: day}, "window: "},
		{depc.CheckParameters{Query: "up"}, depc.Window{Start: qos.NegInf, End: qos.PosInf}, "window: "},
		{depc.CheckParameters{Query: "up", Step: 1}, depc.Window{Start: day, End: day + 2_000_000}, "window: 2000000 s at a 1 s step is more than 1000000 points"},
	}
	for _, tt := range tests {
		f, srv := newFakeProm(t)
		s := open(t, fmt.Sprintf(`{"url": %q}`, srv.URL))
		got := fetch(t, s, tt.p, tt.w, "a", "b", "a") // fetch fails on a second call for "a"
		for _, n := range []string{"a", "b"} {
			if err := got[n].Err; depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
				t.Errorf("%+v %v: %s: %v, want EINVALID starting %q", tt.p, tt.w, n, err, tt.want)
			}
		}
		if n := len(f.requests()); n != 0 {
			t.Errorf("%+v %v: %d requests, want none", tt.p, tt.w, n)
		}
	}
}

// TestCloseReleasesConnections: Close closes the idle connections the
// source's transport keeps, so a source opened to validate a check, or
// replaced by an edited one, leaves no connection (nor its goroutines).
func TestCloseReleasesConnections(t *testing.T) {
	f := &fakeProm{t: t}
	srv := httptest.NewUnstartedServer(f)
	states := make(chan http.ConnState, 16)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) { states <- st }
	srv.Start()
	t.Cleanup(srv.Close)
	wait := func(want http.ConnState) {
		t.Helper()
		for {
			select {
			case st := <-states:
				if st == want {
					return
				}
				if st == http.StateClosed {
					t.Fatalf("the connection closed while waiting for %v", want)
				}
			case <-time.After(time.Minute):
				t.Fatalf("no connection became %v", want)
			}
		}
	}
	s := open(t, fmt.Sprintf(`{"url": %q}`, srv.URL))
	fetch(t, s, depc.CheckParameters{Query: "up"}, depc.Window{Start: day, End: day + 600}, "filer1")
	wait(http.StateIdle) // kept for the next query
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wait(http.StateClosed)
}
