package warp10_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/sourcetest"
	"github.com/depc-dev/depc/source/warp10"
)

// day is 2026-12-01T00:00:00Z, the day of testdata/gts.json.
const day = 1796083200

const token = "r34d.T0k3n_with 'quote' %"

// recorded is testdata/gts.json: by node name, the GTS a check's script
// leaves, in Warp 10's JSON.
func recorded(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile("testdata/gts.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	// The file holds Warp 10's bare NaN: read the map's values as text.
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(b), "NaN", `"NaN"`)), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range m {
		m[k] = json.RawMessage(strings.ReplaceAll(string(v), `"NaN"`, "NaN"))
	}
	return m
}

// headers reads a testdata file of Warp 10's error headers.
func headers(t testing.TB, name string) http.Header {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := http.Header{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		h.Set(k, v)
	}
	return h
}

// request is what the fake server read of a batch's script.
type request struct {
	start, end, token string
	names             []string
	check             string
}

// unquote reads a WarpScript string constant as Warp 10 does: between
// quotes, %XX decoded.
func unquote(t testing.TB, s string) string {
	t.Helper()
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' || strings.ContainsAny(s[1:len(s)-1], "' \n") {
		t.Errorf("%q is not a WarpScript string constant", s)
		return ""
	}
	v, err := url.PathUnescape(s[1 : len(s)-1])
	if err != nil {
		t.Errorf("%q: %v", s, err)
	}
	return v
}

// parse reads the batch script Fetch sends, in the form script.go writes.
func parse(t testing.TB, script string) request {
	t.Helper()
	lines := strings.Split(script, "\n")
	var r request
	stored := func(i int, name string) string {
		v, ok := strings.CutSuffix(lines[i], " '"+name+"' STORE")
		if !ok {
			t.Errorf("line %d %q does not store %s", i+1, lines[i], name)
		}
		return unquote(t, v)
	}
	if len(lines) < 9 {
		t.Fatalf("script of %d lines:\n%s", len(lines), script)
	}
	r.start, r.end, r.token = stored(0, "start"), stored(1, "end"), stored(2, "token")
	list := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(lines[4], "["), "]"))
	for _, n := range list {
		r.names = append(r.names, unquote(t, n))
	}
	i := strings.Index(script, "'name' STORE\n")
	j := strings.Index(script, "\nDEPTH 0 ==")
	if i < 0 || j < i {
		t.Fatalf("no check in\n%s", script)
	}
	r.check = script[i+len("'name' STORE\n") : j]
	return r
}

// fakeServer answers /api/v0/exec as Warp 10 would run Fetch's batch
// script over data: the stack [{name: GTS list}] (an empty list for a name
// without data). answer, when not nil, answers instead.
type fakeServer struct {
	*httptest.Server
	t    testing.TB
	data map[string]json.RawMessage

	mu       sync.Mutex
	requests []request
	answer   func(w http.ResponseWriter, r request) bool
}

func newFakeServer(t testing.TB) *fakeServer {
	f := &fakeServer{t: t, data: recorded(t)}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, hr *http.Request) {
	if hr.URL.Path != "/api/v0/exec" || hr.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	b, _ := io.ReadAll(hr.Body)
	r := parse(f.t, string(b))
	f.mu.Lock()
	f.requests = append(f.requests, r)
	answer := f.answer
	f.mu.Unlock()
	if answer != nil && answer(w, r) {
		return
	}
	var out strings.Builder
	out.WriteString("[{")
	for i, n := range r.names {
		if i > 0 {
			out.WriteByte(',')
		}
		k, _ := json.Marshal(n)
		out.Write(k)
		out.WriteByte(':')
		if d, ok := f.data[n]; ok {
			out.Write(d)
		} else {
			out.WriteString("[]")
		}
	}
	out.WriteString("}]")
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, out.String())
}

func open(t testing.TB, url string, extra string) *warp10.Source {
	t.Helper()
	tok, _ := json.Marshal(token)
	s, err := warp10.Open([]byte(fmt.Sprintf(`{"url": %q, "token": %s%s}`, url, tok, extra)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

const check = "[ $token 'http.status' { 'host' $name } $start $end ] FETCH"

var names = []string{"web01", "web 02 'quoted' %41|+"}

func fetch(t testing.TB, s depc.Source, p depc.CheckParameters, w depc.Window, names ...string) map[string]depc.SourceResult {
	t.Helper()
	got := map[string]depc.SourceResult{}
	if err := s.Fetch(context.Background(), p, w, names, func(r depc.SourceResult) { got[r.Name] = r }); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestScriptAsTheOriginal: the script sent is the original's header —
// start one second early and end in ISO 8601, the read token — then the
// check's script run for each name with $name stored.
func TestScriptAsTheOriginal(t *testing.T) {
	srv := newFakeServer(t)
	s := open(t, srv.URL, "")
	w := depc.Window{Start: day, End: day + 3600}
	fetch(t, s, depc.CheckParameters{Query: check, Lookback: 60}, w, names...)
	if len(srv.requests) != 1 {
		t.Fatalf("%d requests, want 1 batch", len(srv.requests))
	}
	r := srv.requests[0]
	if r.start != "2026-11-30T23:58:59.000000Z" || r.end != "2026-12-01T01:00:00.000000Z" || r.token != token {
		t.Errorf("start %q, end %q, token %q", r.start, r.end, r.token)
	}
	if strings.Join(r.names, "|") != strings.Join(names, "|") || r.check != check {
		t.Errorf("names %q, check %q", r.names, r.check)
	}
}

// TestValuesAsTheOriginal: timestamps in µs become seconds, the value is
// the point's last element (after a position and an elevation), booleans
// are 1 and 0, NaN is no point; points are sorted, within [start −
// lookback, end), and labelled by the GTS's labels and class.
func TestValuesAsTheOriginal(t *testing.T) {
	srv := newFakeServer(t)
	s := open(t, srv.URL, "")
	w := depc.Window{Start: day, End: day + 3600}
	got := fetch(t, s, depc.CheckParameters{Query: check}, w, append(names, "nodata")...)
	a := got["web01"]
	if a.Err != nil || len(a.Series) != 1 {
		t.Fatalf("web01: %+v", a)
	}
	sr := a.Series[0]
	if sr.Labels["host"] != "web01" || sr.Labels[warp10.LabelMetric] != "http.status" || sr.Labels[".app"] != "depc" || len(sr.Labels) != 3 {
		t.Errorf("labels %v", sr.Labels)
	}
	// day−300 … day+3540 by the minute; the NaN at day+30 is no point.
	if n := len(sr.Points); n != 65 || sr.Points[0].T != day-300 || sr.Points[n-1].T != day+3540 {
		t.Fatalf("%d points from %d to %d", n, sr.Points[0].T, sr.Points[n-1].T)
	}
	for i, p := range sr.Points {
		want := 200.0
		if (p.T/60)%10 == 0 {
			want = 500
		}
		if p.V != want || (i > 0 && p.T <= sr.Points[i-1].T) {
			t.Fatalf("point %d %+v, want %v in order", i, p, want)
		}
	}
	b := got["web 02 'quoted' %41|+"]
	if b.Err != nil || len(b.Series) != 2 {
		t.Fatalf("the quoted name: %+v", b)
	}
	if p := b.Series[0].Points[0]; p.T != day-300 || (p.V != 200 && p.V != 250) {
		t.Errorf("a geo point's value: %+v", p)
	}
	for _, p := range b.Series[1].Points {
		if p.V != 0 && p.V != 1 {
			t.Fatalf("a boolean point: %+v", p)
		}
	}
	if r := got["nodata"]; r.Err != nil || len(r.Series) != 0 {
		t.Errorf("a name without data: %+v", r)
	}
}

func TestBatches(t *testing.T) {
	srv := newFakeServer(t)
	s := open(t, srv.URL, `, "max_names_per_query": 2`)
	ns := []string{"a", "b", "c", "d", "e", "a"}
	got := fetch(t, s, depc.CheckParameters{Query: check}, depc.Window{Start: day, End: day + 60}, ns...)
	if len(got) != 5 || len(srv.requests) != 3 {
		t.Errorf("%d results in %d requests; want 5 in 3", len(got), len(srv.requests))
	}
}

func TestErrors(t *testing.T) {
	w := depc.Window{Start: day, End: day + 3600}
	for _, tt := range []struct {
		name   string
		answer func(w http.ResponseWriter, r request)
		code   string
		want   string // the message's start, after "warp10 at {URL}"
	}{
		{"script refused", func(w http.ResponseWriter, _ request) {
			for k, v := range headers(t, "error-script.txt") {
				w.Header()[k] = v
			}
			w.WriteHeader(http.StatusInternalServerError)
		}, depc.EINVALID, "parameters.query: warp10 at {URL} could not run the script (line 9 of the batch script): Exception at '=>FETCHX<=' in section [TOP] (Unknown function 'FETCHX')"},
		{"token refused", func(w http.ResponseWriter, _ request) {
			for k, v := range headers(t, "error-invalid-token.txt") {
				w.Header()[k] = v
			}
			w.WriteHeader(http.StatusInternalServerError)
		}, depc.EINVALID, "configuration.token: warp10 at {URL} refused the token: "},
		{"an HTML error page", func(w http.ResponseWriter, _ request) {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "<html><body><h2>HTTP ERROR 500</h2><pre>Exception at &#39;=&gt;FOO&lt;=&#39;</pre></body></html>")
		}, depc.EINVALID, "parameters.query: warp10 at {URL} could not run the script: Exception at '=>FOO<='"},
		{"forbidden", func(w http.ResponseWriter, _ request) {
			http.Error(w, "secret body", http.StatusForbidden)
		}, depc.EUNAVAILABLE, "warp10 at {URL} answered HTTP 403 (check the source's token and credentials)"},
		{"not found", func(w http.ResponseWriter, _ request) {
			http.Error(w, "secret body", http.StatusNotFound)
		}, depc.EUNAVAILABLE, "warp10 at {URL} answered HTTP 404 (check the source's url: it must be the server's base URL, without /api/v0)"},
		{"a 500 without Warp 10's message", func(w http.ResponseWriter, _ request) {
			http.Error(w, "secret body", http.StatusInternalServerError)
		}, depc.EUNAVAILABLE, "warp10 at {URL} answered HTTP 500"},
		{"not JSON", func(w http.ResponseWriter, _ request) {
			io.WriteString(w, "<html>secret body</html>")
		}, depc.EUNAVAILABLE, "warp10 at {URL}: the answer is not a Warp 10 /api/v0/exec answer (details in the server log)"},
		{"a number on the stack", func(w http.ResponseWriter, r request) {
			fmt.Fprintf(w, `[{%q: 42, %q: []}]`, r.names[0], r.names[1])
		}, depc.EINVALID, `parameters.query: warp10 at {URL}: for node "web01" the script left a number on the top of the stack, not a list of GTS`},
		{"a single GTS", func(w http.ResponseWriter, r request) {
			fmt.Fprintf(w, `[{%q: {"c":"m","l":{},"v":[]}, %q: []}]`, r.names[0], r.names[1])
		}, depc.EINVALID, `parameters.query: warp10 at {URL}: for node "web01" the script left a map or a single GTS on the top of the stack`},
		{"a string value", func(w http.ResponseWriter, r request) {
			fmt.Fprintf(w, `[{%q: [{"c":"m","l":{},"v":[[1796083200000000,"up"]]}], %q: []}]`, r.names[0], r.names[1])
		}, depc.EINVALID, `parameters.query: warp10 at {URL}: for node "web01": a point's value is the string "up", not a number`},
		{"a name missing", func(w http.ResponseWriter, r request) {
			io.WriteString(w, `[{}]`)
		}, depc.EUNAVAILABLE, "warp10 at {URL}: the answer is not a Warp 10 /api/v0/exec answer"},
		{"too large", func(w http.ResponseWriter, r request) {
			fmt.Fprintf(w, `[{%q: [{"c":"m","l":{},"v":[%s[0,1]]}]}]`, r.names[0], strings.Repeat("[0,1],", 1000))
		}, depc.EINVALID, "configuration.max_response_bytes: warp10 at {URL} answered more than 1024 bytes for 2 nodes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t)
			srv.answer = func(w http.ResponseWriter, r request) bool { tt.answer(w, r); return true }
			s := open(t, srv.URL, `, "max_response_bytes": 1024`)
			got := fetch(t, s, depc.CheckParameters{Query: check}, w, names...)
			for _, n := range names {
				err := got[n].Err
				want := strings.ReplaceAll(tt.want, "{URL}", srv.URL)
				if depc.ErrorCode(err) != tt.code || !strings.HasPrefix(depc.ErrorMessage(err), want) {
					t.Errorf("%s: %v\nwant %s starting %q", n, err, tt.code, want)
				}
				if strings.Contains(depc.ErrorMessage(err), "secret") || strings.Contains(depc.ErrorMessage(err), token) {
					t.Errorf("%s: %q shows the body or the token", n, depc.ErrorMessage(err))
				}
			}
		})
	}
}

func TestInvalidChecks(t *testing.T) {
	s := open(t, "http://127.0.0.1:1", "")
	for _, tt := range []struct {
		p    depc.CheckParameters
		want string
	}{
		{depc.CheckParameters{Query: " \n"}, "parameters.query: is empty"},
		{depc.CheckParameters{Query: "[ $token 'm' { 'host' '{{ depc.name }}' } $start $end ] FETCH"}, "parameters.query: holds {{ … }}: write the node's name as $name"},
		{depc.CheckParameters{Query: "\xff"}, "parameters.query: is not valid UTF-8"},
		{depc.CheckParameters{Query: strings.Repeat("x", warp10.MaxScriptBytes+1)}, "parameters.query: is more than"},
		{depc.CheckParameters{Query: check, Lookback: -1}, "parameters.lookback: "},
		{depc.CheckParameters{Query: check, Step: -1}, "parameters.step: "},
	} {
		err := s.ValidateCheck(tt.p)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
			t.Errorf("ValidateCheck(%.40q) = %v, want EINVALID starting %q", tt.p.Query, err, tt.want)
		}
	}
	got := fetch(t, s, depc.CheckParameters{Query: check}, depc.Window{Start: day, End: day}, "a", "")
	if depc.ErrorCode(got["a"].Err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(got["a"].Err), "window: ") {
		t.Errorf("an empty window: %v", got["a"].Err)
	}
	got = fetch(t, s, depc.CheckParameters{Query: check}, depc.Window{Start: day, End: day + 60}, "")
	if depc.ErrorCode(got[""].Err) != depc.EINVALID || depc.ErrorMessage(got[""].Err) != "name: is empty" {
		t.Errorf("an empty name: %v", got[""].Err)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	s := open(t, u, `, "timeout": "1s"`)
	got := fetch(t, s, depc.CheckParameters{Query: check}, depc.Window{Start: day, End: day + 60}, "a")
	if depc.ErrorCode(got["a"].Err) != depc.EUNAVAILABLE || !strings.HasPrefix(depc.ErrorMessage(got["a"].Err), "warp10 at "+u+" is unreachable: ") {
		t.Errorf("%v, want EUNAVAILABLE unreachable", got["a"].Err)
	}
}

// TestConformance runs the source suite against the recorded answers.
func TestConformance(t *testing.T) {
	srv := newFakeServer(t)
	sourcetest.Run(t, func(t *testing.T) depc.Source { return open(t, srv.URL, `, "max_names_per_query": 1`) }, sourcetest.Fixture{
		Check:   depc.CheckParameters{Query: check, Threshold: "200:299"},
		Window:  depc.Window{Start: day, End: day + 3600},
		Names:   names,
		NoData:  []string{"nodata", `a"b\c`},
		Invalid: depc.CheckParameters{Query: "", Threshold: "1"},
	})
}
