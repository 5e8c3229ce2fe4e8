package opentsdb_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/opentsdb"
)

// recorded is a request a fake server got.
type recorded struct {
	method, path, contentType, auth, org string
	body                                 []byte
}

// fakeServer answers every request with answer(body) and records them.
type fakeServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newFakeServer(t *testing.T, answer func(body []byte) (int, string)) *fakeServer {
	t.Helper()
	f := &fakeServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Header.Get("X-Org"), b})
		f.mu.Unlock()
		status, body := answer(b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(f.Close)
	return f
}

// fixed answers every request with the same status and body.
func fixed(status int, body string) func([]byte) (int, string) {
	return func([]byte) (int, string) { return status, body }
}

func (f *fakeServer) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func openAt(t *testing.T, url, settings string) *opentsdb.Source {
	t.Helper()
	if settings != "" {
		settings = ", " + settings
	}
	s, err := opentsdb.Open([]byte(fmt.Sprintf(`{"url": %q%s}`, url, settings)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func fetch(t *testing.T, s depc.Source, p depc.CheckParameters, w depc.Window, names ...string) map[string]depc.SourceResult {
	t.Helper()
	got := map[string]depc.SourceResult{}
	if err := s.Fetch(context.Background(), p, w, names, func(r depc.SourceResult) { got[r.Name] = r }); err != nil {
		t.Fatal(err)
	}
	return got
}

var (
	w       = depc.Window{Start: 1000, End: 2000}
	checkM  = depc.CheckParameters{Query: `{"metric": "m", "aggregator": "none"}`}
	checkMx = depc.CheckParameters{Query: `{"metric": "m", "aggregator": "max", "downsample": "1m-max"}`}
)

func TestFetchRequest(t *testing.T) {
	for _, tt := range []struct{ settings, auth, org string }{
		{`"basic_auth": {"username": "u", "password": "p"}`, "Basic dTpw", ""},
		{`"headers": {"Authorization": "Custom x", "X-Org": "o"}`, "Custom x", "o"},
		{``, "", ""},
	} {
		srv := newFakeServer(t, fixed(200, `[]`))
		s := openAt(t, srv.URL+"/prefix/", tt.settings)
		got := fetch(t, s, checkMx, w, "a", "b")
		if got["a"].Err != nil || got["b"].Err != nil || len(got) != 2 {
			t.Fatalf("%s: %+v", tt.settings, got)
		}
		reqs := srv.requests()
		if len(reqs) != 1 {
			t.Fatalf("%s: %d requests", tt.settings, len(reqs))
		}
		r := reqs[0]
		want := `{"start":700,"end":2000,"queries":[{"aggregator":"max","metric":"m","downsample":"1m-max","filters":[{"type":"literal_or","tagk":"name","filter":"a|b","groupBy":true}]}],"msResolution":false,"noAnnotations":true}`
		if r.method != http.MethodPost || r.path != "/prefix/api/query" || r.contentType != "application/json" || string(r.body) != want {
			t.Errorf("%s: request %s %s %s %s", tt.settings, r.method, r.path, r.contentType, r.body)
		}
		if r.auth != tt.auth || r.org != tt.org {
			t.Errorf("%s: Authorization %q, X-Org %q, want %q, %q", tt.settings, r.auth, r.org, tt.auth, tt.org)
		}
	}
}

// TestFetchDecodes: series split by node, tags and _metric as labels, null
// and NaN skipped, infinities kept, points sorted, one per second (the
// last), and only points of the window and its lookback (OpenTSDB's end is
// inclusive: a point at w.End is dropped).
func TestFetchDecodes(t *testing.T) {
	body := `[
		{"metric":"m","tags":{"name":"a","probe":"p1"},"aggregateTags":[],"dps":{"699":1,"700":1,"1000":2.5,"1060":null,"1120":"NaN","1180":"Infinity","2000":9}},
		{"metric":"m","tags":{"name":"a","probe":"p2"},"aggregateTags":[],"dps":[[1030,3],[1000,1],[1030,4e0],[1090,-1.5]],"tsuids":["x"],"annotations":[]},
		{"metric":"m","tags":{"name":"other"},"aggregateTags":[],"dps":{"1000":1}},
		{"metric":"m","tags":{"name":"b"},"aggregateTags":["probe"],"dps":{"1000":null}},
		{"metric":"m","tags":{},"aggregateTags":["name"],"dps":{"1000":1}}
	]`
	srv := newFakeServer(t, fixed(200, body))
	s := openAt(t, srv.URL, "")
	got := fetch(t, s, checkM, w, "a", "b")
	if got["b"].Err != nil || got["b"].Series != nil {
		t.Errorf("b = %+v, want no data", got["b"])
	}
	a := got["a"]
	if a.Err != nil || len(a.Series) != 2 {
		t.Fatalf("a = %+v", a)
	}
	want := map[string][]qos.Point{
		"p1": {{T: 700, V: 1}, {T: 1000, V: 2.5}, {T: 1180, V: math.Inf(1)}},
		"p2": {{T: 1000, V: 1}, {T: 1030, V: 4}, {T: 1090, V: -1.5}},
	}
	for _, sr := range a.Series {
		p := sr.Labels["probe"]
		if sr.Labels["name"] != "a" || sr.Labels[opentsdb.LabelMetric] != "m" || len(sr.Labels) != 3 || fmt.Sprint(sr.Points) != fmt.Sprint(want[p]) {
			t.Errorf("series %v: %v, want %v", sr.Labels, sr.Points, want[p])
		}
	}
}

// TestFetchUnknownName: a batch's name that the server has never stored
// fails literal_or; it has no data, and the batch is asked again without
// it. After MaxUnknownRetries such names, the rest is asked with a regular
// expression.
func TestFetchUnknownName(t *testing.T) {
	answer := func(body []byte) (int, string) {
		var q struct {
			Queries []struct {
				Filters []struct{ Type, Filter string }
			}
		}
		_ = json.Unmarshal(body, &q)
		f := q.Queries[0].Filters[0]
		if f.Type == "literal_or" {
			for _, n := range strings.Split(f.Filter, "|") {
				if strings.HasPrefix(n, "ghost") {
					return 400, `{"error":{"code":400,"message":"No such name for 'tagv': '` + n + `'","details":"secret","trace":"` + strings.Repeat("at secret\\n", 1000) + `"}}`
				}
			}
		}
		return 200, `[{"metric":"m","tags":{"name":"a"},"dps":{"1000":1}}]`
	}
	srv := newFakeServer(t, answer)
	s := openAt(t, srv.URL, "")
	got := fetch(t, s, checkM, w, "a", "ghost1", "b", "ghost2")
	if got["a"].Err != nil || len(got["a"].Series) != 1 || len(got) != 4 {
		t.Errorf("%+v", got)
	}
	for _, n := range []string{"b", "ghost1", "ghost2"} {
		if got[n].Err != nil || got[n].Series != nil {
			t.Errorf("%s = %+v, want no data", n, got[n])
		}
	}
	reqs := srv.requests()
	if len(reqs) != 3 || !strings.Contains(string(reqs[2].body), `"type":"literal_or","tagk":"name","filter":"a|b"`) {
		t.Errorf("%d requests, the last %s", len(reqs), reqs[len(reqs)-1].body)
	}

	var names []string
	for i := range opentsdb.MaxUnknownRetries + 2 {
		names = append(names, fmt.Sprintf("ghost%d", i))
	}
	names = append(names, "a")
	srv = newFakeServer(t, answer)
	s = openAt(t, srv.URL, "")
	got = fetch(t, s, checkM, w, names...)
	if got["a"].Err != nil || len(got["a"].Series) != 1 || len(got) != len(names) {
		t.Errorf("%+v", got)
	}
	reqs = srv.requests()
	last := fmt.Sprintf(`"type":"regexp","tagk":"name","filter":"\\A(?:ghost%d|a)\\z"`, opentsdb.MaxUnknownRetries+1)
	if len(reqs) != opentsdb.MaxUnknownRetries+2 || !strings.Contains(string(reqs[len(reqs)-1].body), last) {
		t.Errorf("%d requests, the last %s", len(reqs), reqs[len(reqs)-1].body)
	}

	// A tag value of the query's own, not a node: the query's error.
	srv = newFakeServer(t, fixed(400, `{"error":{"code":400,"message":"No such name for 'tagv': 'eu'"}}`))
	s = openAt(t, srv.URL, "")
	got = fetch(t, s, depc.CheckParameters{Query: `{"metric": "m", "aggregator": "none", "tags": {"dc": "eu"}}`}, w, "a")
	if err := got["a"].Err; depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "parameters.query: opentsdb at ") || !strings.Contains(depc.ErrorMessage(err), `has no tag value "eu"`) {
		t.Errorf("%v, want EINVALID naming parameters.query", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestFetchErrors(t *testing.T) {
	chunked := `<!DOCTYPE html><html><body>Sorry but your request was rejected as being invalid. The reason provided was: Chunked request not supported.</body></html>`
	tests := []struct {
		status             int
		body               string
		code, prefix, text string
	}{
		// OpenTSDB's message about the query is shown, never its details
		// or trace.
		{400, `{"error":{"code":400,"message":"No such name for 'metrics': 'm'","details":"secret","trace":"secret"}}`, depc.EINVALID, "parameters.query.metric: opentsdb at http://", `has no metric "m"`},
		{400, `{"error":{"code":400,"message":"No such name for 'tagk': 'name'","trace":"secret"}}`, depc.EINVALID, "parameters.label: opentsdb at http://", `has no tag "name": name the tag holding the node's name`},
		{400, `{"error":{"code":400,"message":"No such name for 'tagk': 'dc'","trace":"secret"}}`, depc.EINVALID, "parameters.query: opentsdb at http://", `has no tag "dc"`},
		{400, `{"error":{"code":400,"message":"No such aggregation function: nope","trace":"secret"}}`, depc.EINVALID, "parameters.query.aggregator: opentsdb at http://", "No such aggregation function: nope"},
		{400, `{"error":{"code":400,"message":"Invalid duration (suffix): 1x","trace":"secret"}}`, depc.EINVALID, "parameters.query: opentsdb at http://", "refused the query: Invalid duration (suffix): 1x"},
		{400, chunked, depc.EINVALID, "configuration.max_query_bytes: opentsdb at http://", "lower max_query_bytes to 8192"},
		{413, `{"error":{"code":413,"message":"Sorry, you have attempted to fetch more than our limit of 1 data points","trace":"secret"}}`, depc.EINVALID, "configuration.max_names_per_query: opentsdb at http://", "fetch fewer nodes per query"},
		// Anything else: the status and a hint, never the body.
		{400, `secret`, depc.EUNAVAILABLE, "opentsdb at http://", "answered HTTP 400"},
		{401, `secret`, depc.EUNAVAILABLE, "opentsdb at http://", "answered HTTP 401 (check the source's credentials)"},
		{403, `secret`, depc.EUNAVAILABLE, "opentsdb at http://", "answered HTTP 403 (check the source's credentials)"},
		{404, `secret`, depc.EUNAVAILABLE, "opentsdb at http://", "answered HTTP 404 (check the source's url"},
		{413, `secret`, depc.EINVALID, "configuration.max_query_bytes: opentsdb at http://", "lower max_query_bytes"},
		{500, `{"error":{"code":500,"message":"secret"}}`, depc.EUNAVAILABLE, "opentsdb at http://", "answered HTTP 500"},
		{503, ``, depc.EUNAVAILABLE, "opentsdb at http://", "answered HTTP 503"},
		{200, `{"error":{"message":"secret"}}`, depc.EUNAVAILABLE, "opentsdb at http://", "the answer is not an OpenTSDB /api/query answer"},
		{200, `[{"metric":"m","tags":{"name":"a"},"dps":{"1000":"up secret"}}]`, depc.EUNAVAILABLE, "opentsdb at http://", "the answer is not an OpenTSDB /api/query answer"},
		{200, `[{"metric":"m","tags":{"name":"a"},"dps":{"1000.5":1}}]`, depc.EUNAVAILABLE, "opentsdb at http://", "the answer is not an OpenTSDB /api/query answer"},
		{200, `[{"metric":"m","tags":{"name":"a"},"dps":[[1000,1,2]]}]`, depc.EUNAVAILABLE, "opentsdb at http://", "the answer is not an OpenTSDB /api/query answer"},
		{200, `[] []`, depc.EUNAVAILABLE, "opentsdb at http://", "the answer is not an OpenTSDB /api/query answer"},
		{200, `<html>secret</html>`, depc.EUNAVAILABLE, "opentsdb at http://", "the answer is not an OpenTSDB /api/query answer"},
		{200, ``, depc.EUNAVAILABLE, "opentsdb at http://", "the answer is not an OpenTSDB /api/query answer"},
		{200, `[{"metric":"m","tags":{"name":"a"},"dps":{"1000":1`, depc.EUNAVAILABLE, "opentsdb at http://", "the answer was cut: the connection closed before the end of the answer"},
	}
	for _, tt := range tests {
		srv := newFakeServer(t, fixed(tt.status, tt.body))
		s := openAt(t, srv.URL, "")
		got := fetch(t, s, checkM, w, "a", "b")
		for _, n := range []string{"a", "b"} {
			err := got[n].Err
			msg := depc.ErrorMessage(err)
			if depc.ErrorCode(err) != tt.code || !strings.HasPrefix(msg, tt.prefix) || !strings.Contains(msg, tt.text) || strings.Contains(msg, "secret") || got[n].Series != nil {
				t.Errorf("%d %.60s: %s: %v, want %s %q … %q", tt.status, tt.body, n, err, tt.code, tt.prefix, tt.text)
			}
		}
	}
}

// TestFetchTooLarge: an answer over max_response_bytes is an error naming
// the setting, whatever it holds.
func TestFetchTooLarge(t *testing.T) {
	var dps []string
	for i := range 1000 {
		dps = append(dps, fmt.Sprintf(`"%d":1`, 1000+i))
	}
	body := `[{"metric":"m","tags":{"name":"a"},"dps":{` + strings.Join(dps, ",") + `}}]`
	srv := newFakeServer(t, fixed(200, body))
	s := openAt(t, srv.URL, `"max_response_bytes": 4096`)
	err := fetch(t, s, checkM, w, "a")["a"].Err
	if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "configuration.max_response_bytes: opentsdb at ") {
		t.Errorf("%v, want EINVALID naming max_response_bytes", err)
	}
	s = openAt(t, srv.URL, "")
	if r := fetch(t, s, checkM, w, "a")["a"]; r.Err != nil || len(r.Series) != 1 || len(r.Series[0].Points) != 1000 {
		t.Errorf("without the limit: %v, %d series", r.Err, len(r.Series))
	}
}

// TestFetchBatches: many names are split by max_names_per_query and by
// max_query_bytes; every body stays within the limit, every name is asked
// once.
func TestFetchBatches(t *testing.T) {
	names := []string{"a|b"} // forces the regexp form on its batch
	for i := range 300 {
		names = append(names, fmt.Sprintf("host-%03d.example.com", i))
	}
	tests := []struct {
		settings string
		maxBytes int
		minReqs  int
		maxReqs  int
	}{
		// ~10 KiB of names, counted in the longer regular expression
		// form, and a batch for the name holding |.
		{"", opentsdb.DefaultMaxQueryBytes, 3, 3},
		{`"max_names_per_query": 100`, opentsdb.DefaultMaxQueryBytes, 4, 4},
		{`"max_query_bytes": 1024`, 1024, 10, 60},
	}
	for _, tt := range tests {
		srv := newFakeServer(t, fixed(200, `[]`))
		s := openAt(t, srv.URL, tt.settings)
		got := fetch(t, s, checkM, w, names...)
		if len(got) != len(names) {
			t.Errorf("%s: %d results for %d names", tt.settings, len(got), len(names))
		}
		reqs := srv.requests()
		if len(reqs) < tt.minReqs || len(reqs) > tt.maxReqs {
			t.Errorf("%s: %d requests, want %d to %d", tt.settings, len(reqs), tt.minReqs, tt.maxReqs)
		}
		asked := map[string]int{}
		for _, r := range reqs {
			if len(r.body) > tt.maxBytes {
				t.Errorf("%s: a body of %d bytes, over %d", tt.settings, len(r.body), tt.maxBytes)
			}
			var q struct {
				Queries []struct {
					Filters []struct{ Type, Filter string }
				}
			}
			if err := json.Unmarshal(r.body, &q); err != nil {
				t.Fatal(err)
			}
			f := q.Queries[0].Filters[0]
			if f.Type == "literal_or" {
				for _, n := range strings.Split(f.Filter, "|") {
					asked[n]++
				}
			} else {
				for _, n := range names {
					if strings.Contains(f.Filter, strings.ReplaceAll(strings.ReplaceAll(n, ".", `\x{2e}`), "|", `\x{7c}`)) {
						asked[n]++
					}
				}
			}
		}
		for _, n := range names {
			if asked[n] != 1 {
				t.Errorf("%s: %q asked %d times", tt.settings, n, asked[n])
			}
		}
	}
}

func TestFetchUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	s := openAt(t, u, "")
	err := fetch(t, s, checkM, w, "a")["a"].Err
	if depc.ErrorCode(err) != depc.EUNAVAILABLE || !strings.HasPrefix(depc.ErrorMessage(err), "opentsdb at "+u+" is unreachable: ") {
		t.Errorf("%v, want EUNAVAILABLE unreachable", err)
	}
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := openAt(t, srv.URL, `"timeout": "1s"`)
	err := fetch(t, s, checkM, w, "a")["a"].Err
	if depc.ErrorCode(err) != depc.EUNAVAILABLE || !strings.Contains(depc.ErrorMessage(err), "no answer within 1s") {
		t.Errorf("%v, want EUNAVAILABLE no answer within 1s", err)
	}
	// The caller giving up is Fetch's error, not the nodes'.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s = openAt(t, srv.URL, "")
	err = s.Fetch(ctx, checkM, w, []string{"a"}, func(r depc.SourceResult) {
		t.Errorf("result %+v after the caller gave up", r)
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Fetch = %v, want the context's error", err)
	}
}

func TestFetchBadInput(t *testing.T) {
	srv := newFakeServer(t, fixed(200, `[]`))
	s := openAt(t, srv.URL, "")
	got := fetch(t, s, checkM, w, "", "a\xff", "a", "a")
	if len(got) != 3 || depc.ErrorCode(got[""].Err) != depc.EINVALID || depc.ErrorCode(got["a\xff"].Err) != depc.EINVALID || got["a"].Err != nil {
		t.Errorf("%+v", got)
	}
	for _, bad := range []struct {
		p     depc.CheckParameters
		w     depc.Window
		field string
	}{
		{depc.CheckParameters{Query: `{"metric": "m"}`}, w, "parameters.query.aggregator"},
		{depc.CheckParameters{Query: checkM.Query, Lookback: -1}, w, "parameters.lookback"},
		{depc.CheckParameters{Query: checkM.Query, Step: -1}, w, "parameters.step"},
		{checkM, depc.Window{Start: 10, End: 10}, "window"},
		{checkM, depc.Window{Start: 100, End: 200}, "window"}, // the lookback reaches before 1970
		{checkM, depc.Window{Start: 1000, End: 1 << 62}, "window"},
	} {
		got := fetch(t, s, bad.p, bad.w, "a", "b")
		for _, n := range []string{"a", "b"} {
			if err := got[n].Err; depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), bad.field) {
				t.Errorf("%+v %v: %s: %v, want EINVALID naming %s", bad.p, bad.w, n, err, bad.field)
			}
		}
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests, want 1 (bad input asks nothing)", n)
	}
}
