package opentsdb_test

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/internal/testenv"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/opentsdb"
	"github.com/depc-dev/depc/source/sourcetest"
)

// These tests run against the real OpenTSDB 2.4 (on HBase) of
// deploy/dev/opentsdb, loaded with the datapoints of
// deploy/dev/opentsdb-fixture (read its header: the expectations below
// restate it). Offsets are seconds from day.

const day = 1748822400

// special is a node name with quotes, regular expression metacharacters,
// literal_or's separator |, a backslash, a comma, a space and =; the dev
// server allows them in tag values.
const special = `it's "web(1)"+[a].b|c*$ /x\y, z=1`

// countingTransport counts the HTTP requests a source sends.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// realURL is the dev server's URL.
func realURL(t *testing.T) string {
	t.Helper()
	return testenv.RequireService(t, testenv.OpenTSDBURL)
}

func realConfig(t *testing.T, settings string) string {
	t.Helper()
	if settings != "" {
		settings = ", " + settings
	}
	return fmt.Sprintf(`{"url": %q%s}`, realURL(t), settings)
}

func realSource(t *testing.T, settings string) (*opentsdb.Source, *countingTransport) {
	t.Helper()
	ct := new(countingTransport)
	s, err := opentsdb.Open([]byte(realConfig(t, settings)), opentsdb.WithTransport(ct))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, ct
}

// ko is a value v over [from, to) (offsets from day) in a fixture series.
type ko struct {
	from, to int64
	v        float64
}

// grid returns the points every 60 s from offset first to offset last
// (inclusive): base, except inside the spans.
func grid(first, last int64, base float64, spans ...ko) []qos.Point {
	var pts []qos.Point
	for t := first; t <= last; t += 60 {
		v := base
		for _, s := range spans {
			if s.from <= t && t < s.to {
				v = s.v
			}
		}
		pts = append(pts, qos.Point{T: day + t, V: v})
	}
	return pts
}

var dayWindow = depc.Window{Start: day, End: day + 86400}

// The fixture's points over dayWindow with the default lookback: from
// day−300 to the last point before the window's end, day+86340. filer1's KO
// point at day+86400 is the window's end, which OpenTSDB returns (its end is
// inclusive) and the source drops.
var (
	filer1  = grid(-300, 86340, 10, ko{-600, 120, 100}, ko{3600, 3660, 150}, ko{43200, 43500, 100})
	filer2a = grid(-300, 86340, 10, ko{7200, 7320, 100})
	filer2b = grid(-300, 86340, 10, ko{7260, 7500, 100})
	webSpec = grid(-300, 86340, 10, ko{60000, 60600, 100})
	// One point at day−180, then from day+120: the raw points.
	filer5 = append([]qos.Point{{T: day - 180, V: 100}}, grid(120, 86340, 10)...)
)

// seriesWant is a series expected from the fixture.
type seriesWant struct {
	labels map[string]string
	points []qos.Point
}

func checkSeries(t *testing.T, what string, got []depc.Series, want []seriesWant) {
	t.Helper()
	key := func(l map[string]string) string { return fmt.Sprint(l) }
	slices.SortFunc(got, func(a, b depc.Series) int { return strings.Compare(key(a.Labels), key(b.Labels)) })
	if len(got) != len(want) {
		t.Errorf("%s: %d series, want %d", what, len(got), len(want))
		for _, s := range got {
			t.Logf("  got %v (%d points)", s.Labels, len(s.Points))
		}
		return
	}
	for i, w := range want {
		if key(got[i].Labels) != key(w.labels) {
			t.Errorf("%s: series %d labels %v, want %v", what, i, got[i].Labels, w.labels)
		}
		if !slices.Equal(got[i].Points, w.points) {
			t.Errorf("%s %v: %d points %s, want %d points %s", what, w.labels, len(got[i].Points), span(got[i].Points), len(w.points), span(w.points))
			for j := range min(len(got[i].Points), len(w.points)) {
				if got[i].Points[j] != w.points[j] {
					t.Errorf("  first difference at %d: %v, want %v", j, got[i].Points[j], w.points[j])
					break
				}
			}
		}
	}
}

func span(pts []qos.Point) string {
	if len(pts) == 0 {
		return "[]"
	}
	return fmt.Sprintf("[day%+d … day%+d]", pts[0].T-day, pts[len(pts)-1].T-day)
}

// rtt names a raw probe.rtt_ms series of a node, with its probe tag when it
// has one.
func rtt(name, probe string) map[string]string {
	l := map[string]string{"name": name, opentsdb.LabelMetric: "probe.rtt_ms"}
	if probe != "" {
		l["probe"] = probe
	}
	return l
}

var fixtureNames = []string{"filer1", "filer2", "filer3", special, "filer5"}

func TestIntegrationFixture(t *testing.T) {
	want := map[string][]seriesWant{
		"filer1": {{rtt("filer1", ""), filer1}},
		"filer2": {{rtt("filer2", "a"), filer2a}, {rtt("filer2", "b"), filer2b}},
		"filer3": nil,
		special:  {{rtt(special, ""), webSpec}},
		"filer5": {{rtt("filer5", ""), filer5}},
	}
	// The same results whether the nodes share one query or each has its
	// own, and whether depc chooses the node tag or the query places it.
	for _, query := range []string{`{"metric": "probe.rtt_ms", "aggregator": "none"}`, `{"metric": "probe.rtt_ms", "aggregator": "none", "tags": {"name": "$name"}}`} {
		for _, settings := range []string{"", `"max_names_per_query": 1`} {
			t.Run(query+" "+settings, func(t *testing.T) {
				s, ct := realSource(t, settings)
				got := fetch(t, s, depc.CheckParameters{Query: query, Threshold: "20"}, dayWindow, fixtureNames...)
				for _, n := range fixtureNames {
					if got[n].Err != nil {
						t.Errorf("%s: %v", n, got[n].Err)
					}
					checkSeries(t, n, got[n].Series, want[n])
				}
				// literal_or for the four plain names, refused for
				// filer3 (never stored) and asked again without it, and
				// a regular expression for the name holding |; or one
				// query per name.
				wantQueries := map[string]int64{"": 3, `"max_names_per_query": 1`: 5}[settings]
				if ct.n.Load() != wantQueries {
					t.Errorf("%d HTTP requests, want %d", ct.n.Load(), wantQueries)
				}
			})
		}
	}
}

// TestIntegrationLiteralOr: nodes the server knows, none with |, are asked
// in one literal_or query, which the server resolves to UIDs.
func TestIntegrationLiteralOr(t *testing.T) {
	s, ct := realSource(t, "")
	got := fetch(t, s, depc.CheckParameters{Query: `{"metric": "probe.rtt_ms", "aggregator": "none"}`}, dayWindow, "filer1", "filer2", "filer5")
	checkSeries(t, "filer1", got["filer1"].Series, []seriesWant{{rtt("filer1", ""), filer1}})
	checkSeries(t, "filer2", got["filer2"].Series, []seriesWant{{rtt("filer2", "a"), filer2a}, {rtt("filer2", "b"), filer2b}})
	checkSeries(t, "filer5", got["filer5"].Series, []seriesWant{{rtt("filer5", ""), filer5}})
	if n := ct.n.Load(); n != 1 {
		t.Errorf("%d HTTP requests, want 1", n)
	}
}

// TestIntegrationQoS evaluates the fixture with the qos engine, to the
// second: the numbers of the fixture's header.
func TestIntegrationQoS(t *testing.T) {
	s, _ := realSource(t, "")
	filer1Down := []qos.Period{{From: day, To: day + 120}, {From: day + 3600, To: day + 3660}, {From: day + 43200, To: day + 43500}}
	filer2Down := []qos.Period{{From: day + 7200, To: day + 7500}}
	tests := []struct {
		query, label, bound string
		name                string
		ko                  int64
		qos                 string
		downtime            []qos.Period
	}{
		{`{"metric": "probe.rtt_ms", "aggregator": "none"}`, "", "20", "filer1", 480, "99.444", filer1Down},
		{`{"metric": "probe.ok", "aggregator": "none"}`, "", "1:1", "filer1", 480, "99.444", filer1Down},
		// Two series (aggregator none, or grouped by probe): AND.
		{`{"metric": "probe.rtt_ms", "aggregator": "none"}`, "", "20", "filer2", 300, "99.653", filer2Down},
		{`{"metric": "probe.ok", "aggregator": "min", "tags": {"name": "$name", "probe": "*"}}`, "name", "1:1", "filer2", 300, "99.653", filer2Down},
		// Aggregated across probes, raw or by the minute.
		{`{"metric": "probe.rtt_ms", "aggregator": "max"}`, "", "20", "filer2", 300, "99.653", filer2Down},
		{`{"metric": "probe.rtt_ms", "aggregator": "max", "downsample": "1m-max"}`, "", "20", "filer2", 300, "99.653", filer2Down},
		{`{"metric": "probe.ok", "aggregator": "min", "downsample": "1m-min-nan", "filters": [{"type": "literal_or", "tagk": "probe", "filter": "a|b", "groupBy": false}]}`, "", "1:1", "filer2", 300, "99.653", filer2Down},
		// Only probe a: KO [D+7200, D+7320).
		{`{"metric": "probe.rtt_ms", "aggregator": "none", "tags": {"probe": "a"}}`, "", "20", "filer2", 120, "99.861", []qos.Period{{From: day + 7200, To: day + 7320}}},
		{`{"metric": "probe.rtt_ms", "aggregator": "none"}`, "", "20", special, 600, "99.306", []qos.Period{{From: day + 60000, To: day + 60600}}},
		{`{"metric": "probe.rtt_ms", "aggregator": "none", "filters": [{"type": "literal_or", "tagk": "name", "filter": "$name"}]}`, "", "20", special, 600, "99.306", []qos.Period{{From: day + 60000, To: day + 60600}}},
		// The state at the start comes from day−180.
		{`{"metric": "probe.rtt_ms", "aggregator": "none"}`, "", "20", "filer5", 120, "99.861", []qos.Period{{From: day, To: day + 120}}},
		{`{"metric": "probe.rtt_ms", "aggregator": "none"}`, "", "20", "filer3", 0, "null", nil},
	}
	var e qos.Engine
	for _, tt := range tests {
		var b qos.Bound
		var err error
		if strings.Contains(tt.bound, ":") {
			b, err = qos.ParseInterval(tt.bound)
		} else {
			b, err = qos.ParseThreshold(tt.bound)
		}
		if err != nil {
			t.Fatal(err)
		}
		got := fetch(t, s, depc.CheckParameters{Query: tt.query, Label: tt.label}, dayWindow, tt.name, "filer1", "filer2")[tt.name]
		if got.Err != nil {
			t.Fatalf("%s %s: %v", tt.query, tt.name, got.Err)
		}
		var series [][]qos.Point
		for _, sr := range got.Series {
			series = append(series, sr.Points)
		}
		tl := e.Indicator(dayWindow, b, series)
		sec := tl.Seconds()
		if sec.KO != tt.ko || tl.QoS().String() != tt.qos || !slices.Equal(tl.Downtime(), tt.downtime) {
			t.Errorf("%s %s: ko %d s, QoS %s, downtime %v; want ko %d s, QoS %s, downtime %v", tt.query, tt.name, sec.KO, tl.QoS(), tl.Downtime(), tt.ko, tt.qos, tt.downtime)
		}
		if tt.qos != "null" && sec.OK+sec.KO != 86400 {
			t.Errorf("%s: ok %d + ko %d, want the whole day", tt.name, sec.OK, sec.KO)
		}
	}
}

func TestIntegrationBatching(t *testing.T) {
	names := slices.Clone(fixtureNames)
	for i := range 400 {
		names = append(names, fmt.Sprintf("ghost-%03d", i))
	}
	tests := []struct {
		settings   string
		minQueries int64
		maxQueries int64
	}{
		// The 404 plain names fit one 8 KiB body: literal_or refused
		// for 5 names never stored (opentsdb.MaxUnknownRetries 4),
		// asked again without each, then a regular expression for the
		// rest; the special name alone.
		{"", 7, 7},
		// 9 batches of at most 50: 8 of 6 queries as above, the last of
		// 4 ghosts gone after 4; the special name alone.
		{`"max_names_per_query": 50`, 53, 53},
		{`"max_query_bytes": 2048, "concurrency": 1`, 3, 200},
	}
	for _, tt := range tests {
		t.Run(tt.settings, func(t *testing.T) {
			s, ct := realSource(t, tt.settings)
			got := fetch(t, s, depc.CheckParameters{Query: `{"metric": "probe.rtt_ms", "aggregator": "none"}`}, dayWindow, names...)
			if n := ct.n.Load(); n < tt.minQueries || n > tt.maxQueries {
				t.Errorf("%d HTTP requests for %d names, want %d to %d", n, len(names), tt.minQueries, tt.maxQueries)
			}
			if len(got) != len(names) {
				t.Errorf("%d results, want %d", len(got), len(names))
			}
			checkSeries(t, "filer1", got["filer1"].Series, []seriesWant{{rtt("filer1", ""), filer1}})
			checkSeries(t, "filer2", got["filer2"].Series, []seriesWant{{rtt("filer2", "a"), filer2a}, {rtt("filer2", "b"), filer2b}})
			checkSeries(t, special, got[special].Series, []seriesWant{{rtt(special, ""), webSpec}})
			checkSeries(t, "filer5", got["filer5"].Series, []seriesWant{{rtt("filer5", ""), filer5}})
			for _, n := range names[len(fixtureNames):] {
				if r := got[n]; r.Err != nil || r.Series != nil {
					t.Fatalf("%s = %+v, want no data", n, r)
				}
			}
		})
	}
}

// TestIntegrationErrors: what the server refuses comes back as an error
// naming what to fix, for every node of the batch.
func TestIntegrationErrors(t *testing.T) {
	many := []string{"filer1", "filer2"}
	for i := range 1000 {
		many = append(many, fmt.Sprintf("ghost-%04d", i))
	}
	tests := []struct {
		what, settings, query, label string
		names                        []string
		code, prefix, text           string
	}{
		{"unknown metric", "", `{"metric": "nope", "aggregator": "none"}`, "", nil,
			depc.EINVALID, "parameters.query.metric: opentsdb at ", `has no metric "nope"`},
		{"unknown node tag", "", `{"metric": "probe.rtt_ms", "aggregator": "none"}`, "nope", nil,
			depc.EINVALID, "parameters.label: opentsdb at ", `has no tag "nope"`},
		{"unknown tag of the query", "", `{"metric": "probe.rtt_ms", "aggregator": "none", "tags": {"nope": "*"}}`, "", nil,
			depc.EINVALID, "parameters.query: opentsdb at ", `has no tag "nope"`},
		{"unknown tag value of the query", "", `{"metric": "probe.rtt_ms", "aggregator": "none", "tags": {"probe": "nope"}}`, "", nil,
			depc.EINVALID, "parameters.query: opentsdb at ", `has no tag value "nope"`},
		{"unknown aggregator", "", `{"metric": "probe.rtt_ms", "aggregator": "nope"}`, "", nil,
			depc.EINVALID, "parameters.query.aggregator: opentsdb at ", "No such aggregation function: nope"},
		{"answer too large", `"max_response_bytes": 4096`, `{"metric": "probe.rtt_ms", "aggregator": "none"}`, "", nil,
			depc.EINVALID, "configuration.max_response_bytes: opentsdb at ", "answered more than 4096 bytes for 2 nodes"},
		// A TSD takes no body over 8 KiB by default.
		{"query too large", `"max_query_bytes": 65536, "max_names_per_query": 2000`, `{"metric": "probe.rtt_ms", "aggregator": "none"}`, "", many,
			depc.EINVALID, "configuration.max_query_bytes: opentsdb at ", "takes no request of more than 8 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			s, _ := realSource(t, tt.settings)
			names := tt.names
			if names == nil {
				names = []string{"filer1", "filer2"}
			}
			got := fetch(t, s, depc.CheckParameters{Query: tt.query, Label: tt.label}, dayWindow, names...)
			for _, n := range []string{"filer1", "filer2"} {
				err := got[n].Err
				if depc.ErrorCode(err) != tt.code || !strings.HasPrefix(depc.ErrorMessage(err), tt.prefix) || !strings.Contains(depc.ErrorMessage(err), tt.text) {
					t.Errorf("%s: %v, want %s %q … %q", n, err, tt.code, tt.prefix, tt.text)
				}
			}
		})
	}
}

// TestIntegrationCredentials: OpenTSDB has no authentication of its own;
// the source's basic_auth is for a proxy in front of it, played here by a
// reverse proxy to the real server that checks it.
func TestIntegrationCredentials(t *testing.T) {
	target, err := url.Parse(realURL(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u+":"+p), []byte("depc:s3cret")) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="opentsdb"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	for _, tt := range []struct {
		auth *opentsdb.BasicAuth
		ok   bool
	}{
		{&opentsdb.BasicAuth{Username: "depc", Password: "s3cret"}, true},
		{&opentsdb.BasicAuth{Username: "depc", Password: "wrong"}, false},
		{nil, false},
	} {
		s, err := opentsdb.New(opentsdb.Config{URL: srv.URL, BasicAuth: tt.auth})
		if err != nil {
			t.Fatal(err)
		}
		got := fetch(t, s, depc.CheckParameters{Query: `{"metric": "probe.rtt_ms", "aggregator": "none"}`}, dayWindow, "filer1")["filer1"]
		if tt.ok {
			if got.Err != nil {
				t.Errorf("credentials %+v: %v", tt.auth, got.Err)
			}
			checkSeries(t, "filer1", got.Series, []seriesWant{{rtt("filer1", ""), filer1}})
		} else if depc.ErrorCode(got.Err) != depc.EUNAVAILABLE || !strings.Contains(depc.ErrorMessage(got.Err), "answered HTTP 401 (check the source's credentials)") {
			t.Errorf("credentials %+v: %v, want EUNAVAILABLE about credentials", tt.auth, got.Err)
		}
		_ = s.Close()
	}
}

// TestIntegrationPlugin opens the source through the plugin list's entry,
// as the API does, and validates a suggested check.
func TestIntegrationPlugin(t *testing.T) {
	conf, _ := json.Marshal(map[string]string{"url": realURL(t)})
	src, err := opentsdb.Plugin.Open(context.Background(), conf)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, c := range opentsdb.Plugin.Checks {
		if err := src.ValidateCheck(depc.CheckParameters{Query: c.Query, Threshold: c.Threshold}); err != nil {
			t.Errorf("suggested check %q: %v", c.Name, err)
		}
	}
	got := fetch(t, src, depc.CheckParameters{Query: `{"metric": "probe.ok", "aggregator": "min", "downsample": "1m-min", "tags": {"name": "$name"}}`}, dayWindow, "filer1")
	if r := got["filer1"]; r.Err != nil || len(r.Series) != 1 {
		t.Errorf("filer1 = %+v", r)
	}
}

// TestContract runs the source conformance suite against the real OpenTSDB
// and its fixture: filer3 has no point at all.
func TestContract(t *testing.T) {
	conf := realConfig(t, "")
	for _, query := range []string{`{"metric": "probe.rtt_ms", "aggregator": "none"}`, `{"metric": "probe.rtt_ms", "aggregator": "max", "downsample": "1m-max", "tags": {"name": "$name"}}`} {
		t.Run(query, func(t *testing.T) {
			sourcetest.Run(t, func(t *testing.T) depc.Source {
				s, err := opentsdb.Open([]byte(conf))
				if err != nil {
					t.Fatal(err)
				}
				return s
			}, sourcetest.Fixture{
				Check:  depc.CheckParameters{Query: query, Threshold: "20"},
				Window: dayWindow,
				Names:  []string{"filer1", "filer2", special, "filer5"},
				NoData: []string{"filer3"},
				// A sub-query needs an aggregator: refused on save.
				Invalid: depc.CheckParameters{Query: `{"metric": "probe.rtt_ms"}`, Threshold: "20"},
			})
		})
	}
}
