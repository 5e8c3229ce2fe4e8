package prometheus_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/internal/testenv"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/prometheus"
	"github.com/depc-dev/depc/source/sourcetest"
)

// These tests run against the real Prometheus of deploy/dev/prometheus and
// the real VictoriaMetrics of deploy/dev/victoriametrics, both loaded with
// the samples of deploy/dev/prometheus-fixture (read its header: the
// expectations below restate it), so that the README's word that the
// source reads VictoriaMetrics is tested. Where the two differ (staleness,
// a range function's metric name, error messages), the test says how.
// Offsets are seconds from day.

const special = "web(1)+[a].b|c*$" // regexp metacharacters in a node name

// countingTransport counts the HTTP requests a source sends.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// server is a Prometheus-compatible store loaded with the fixture.
type server struct {
	name string // "Prometheus", "VictoriaMetrics"
	env  string // the variable holding its URL
	url  string
}

// vm reports whether the server is VictoriaMetrics.
func (s server) vm() bool { return s.name == "VictoriaMetrics" }

// eachServer runs f as one subtest per server; a server that is not
// configured skips its subtest (fails it under DEPC_REQUIRE_SERVICES=1).
func eachServer(t *testing.T, f func(t *testing.T, srv server)) {
	for _, srv := range []server{{name: "Prometheus", env: testenv.PrometheusURL}, {name: "VictoriaMetrics", env: testenv.VictoriaMetricsURL}} {
		t.Run(srv.name, func(t *testing.T) {
			srv.url = testenv.RequireService(t, srv.env)
			f(t, srv)
		})
	}
}

func realSource(t *testing.T, srv server, settings string) (*prometheus.Source, *countingTransport) {
	t.Helper()
	u := srv.url
	if settings != "" {
		settings = ", " + settings
	}
	ct := new(countingTransport)
	s, err := prometheus.Open([]byte(fmt.Sprintf(`{"url": %q%s}`, u, settings)), prometheus.WithTransport(ct))
	if err != nil {
		t.Fatal(err)
	}
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

// The fixture's raw series over dayWindow with the default lookback: from
// day−300 to the last step before the window's end, day+86340. filer1's KO
// sample at day+86400 is the window's end and must not be returned.
var (
	filer1  = grid(-300, 86340, 10, ko{-600, 120, 100}, ko{3600, 3660, 150}, ko{43200, 43500, 100})
	filer2a = grid(-300, 86340, 10, ko{7200, 7320, 100})
	filer2b = grid(-300, 86340, 10, ko{7260, 7500, 100})
	webSpec = grid(-300, 86340, 10, ko{60000, 60600, 100})
	filer5  = grid(-180, 86340, 10, ko{-180, 120, 100}) // one sample at day−180, then from day+120
	// VictoriaMetrics takes a series as stale sooner (its staleness
	// follows the samples' interval): over the day it answers the sample at
	// day−180 for one more step, then nothing until day+120. The QoS is the
	// same (a point holds until the next one).
	filer5VM = append(grid(-180, -120, 100), grid(120, 86340, 10)...)
)

// filer5Of is filer5's expected points on a server.
func filer5Of(srv server) []qos.Point {
	if srv.vm() {
		return filer5VM
	}
	return filer5
}

// seriesWant is a series expected from the fixture.
type seriesWant struct {
	labels map[string]string
	points []qos.Point
}

func checkSeries(t *testing.T, what string, got []depc.Series, want []seriesWant) {
	t.Helper()
	// Order series by their label set so that comparison is stable.
	key := func(l map[string]string) string { return fmt.Sprint(l) }
	slices.SortFunc(got, func(a, b depc.Series) int { return strings.Compare(key(a.Labels), key(b.Labels)) })
	if len(got) != len(want) {
		t.Errorf("%s: %d series, want %d", what, len(got), len(want))
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

// rtt names the raw probe_rtt_ms series of a node.
func rtt(name string, extra ...string) map[string]string {
	l := map[string]string{"__name__": "probe_rtt_ms", "name": name}
	for i := 0; i+1 < len(extra); i += 2 {
		l[extra[i]] = extra[i+1]
	}
	return l
}

var fixtureNames = []string{"filer1", "filer2", "filer3", special, "filer5"}

func TestIntegrationFixture(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		want := map[string][]seriesWant{
			"filer1": {{rtt("filer1"), filer1}},
			"filer2": {{rtt("filer2", "probe", "a"), filer2a}, {rtt("filer2", "probe", "b"), filer2b}},
			"filer3": nil,
			special:  {{rtt(special), webSpec}},
			"filer5": {{rtt("filer5"), filer5Of(srv)}},
		}
		// The same results whether the nodes share one query (regexp matcher)
		// or each has its own (equality matcher).
		for _, settings := range []string{"", `"max_names_per_query": 1`} {
			t.Run("settings "+settings, func(t *testing.T) {
				s, ct := realSource(t, srv, settings)
				got := fetch(t, s, depc.CheckParameters{Query: "probe_rtt_ms", Threshold: "20"}, dayWindow, fixtureNames...)
				for _, n := range fixtureNames {
					if got[n].Err != nil {
						t.Errorf("%s: %v", n, got[n].Err)
					}
					checkSeries(t, n, got[n].Series, want[n])
				}
				if wantQueries := map[string]int64{"": 1}[settings]; wantQueries > 0 && ct.n.Load() != wantQueries {
					t.Errorf("%d HTTP requests, want %d", ct.n.Load(), wantQueries)
				}
			})
		}
	})
}

// TestIntegrationQoS evaluates the fixture with the qos engine, to the
// second: the numbers of the fixture's header.
func TestIntegrationQoS(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		s, _ := realSource(t, srv, "")
		b, err := qos.ParseThreshold("20")
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			query    string
			name     string
			ko       int64
			qos      string
			downtime []qos.Period
		}{
			{"probe_rtt_ms", "filer1", 480, "99.444", []qos.Period{{From: day, To: day + 120}, {From: day + 3600, To: day + 3660}, {From: day + 43200, To: day + 43500}}},
			{"probe_rtt_ms", "filer2", 300, "99.653", []qos.Period{{From: day + 7200, To: day + 7500}}}, // two series: AND
			{"avg by (name) (probe_rtt_ms)", "filer2", 300, "99.653", []qos.Period{{From: day + 7200, To: day + 7500}}},
			{"probe_rtt_ms", special, 600, "99.306", []qos.Period{{From: day + 60000, To: day + 60600}}},
			{"probe_rtt_ms", "filer5", 120, "99.861", []qos.Period{{From: day, To: day + 120}}}, // the state at the start comes from day−180
			{"probe_rtt_ms", "filer3", 0, "null", nil},
		}
		var e qos.Engine
		for _, tt := range tests {
			got := fetch(t, s, depc.CheckParameters{Query: tt.query}, dayWindow, tt.name)[tt.name]
			if got.Err != nil {
				t.Fatalf("%s: %v", tt.name, got.Err)
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
	})
}

// TestIntegrationQueries checks that aggregations, binary operations and
// range functions keep working once every selector is restricted to nodes.
func TestIntegrationQueries(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		node := func(name string, extra ...string) map[string]string {
			l := rtt(name, extra...)
			delete(l, "__name__") // operations drop the metric name
			return l
		}
		rangeNode := node
		if srv.vm() {
			rangeNode = rtt
		}
		tests := []struct {
			query string
			want  map[string][]seriesWant
		}{
			{"avg by (name) (probe_rtt_ms)", map[string][]seriesWant{
				"filer1": {{node("filer1"), filer1}},
				"filer2": {{node("filer2"), grid(-300, 86340, 10, ko{7200, 7260, 55}, ko{7260, 7320, 100}, ko{7320, 7500, 55})}},
				special:  {{node(special), webSpec}},
			}},
			{"max without (probe) (probe_rtt_ms)", map[string][]seriesWant{
				"filer1": {{node("filer1"), filer1}},
				"filer2": {{node("filer2"), grid(-300, 86340, 10, ko{7200, 7500, 100})}},
				special:  {{node(special), webSpec}},
			}},
			// Two selectors, each restricted; filer2's two series match its one
			// bias series.
			{"probe_rtt_ms - on(name) group_left probe_bias_ms", map[string][]seriesWant{
				"filer1": {{node("filer1"), grid(-300, 86340, 9, ko{-600, 120, 99}, ko{3600, 3660, 149}, ko{43200, 43500, 99})}},
				"filer2": {
					{node("filer2", "probe", "a"), grid(-300, 86340, 8, ko{7200, 7320, 98})},
					{node("filer2", "probe", "b"), grid(-300, 86340, 8, ko{7260, 7500, 98})},
				},
				special: {{node(special), grid(-300, 86340, 7, ko{60000, 60600, 97})}},
			}},
			// A scalar operand inside, a comparison with bool: filer1's limit is
			// 50, filer2's 100 (never exceeded), the special node's 150.
			{"max by (name) (probe_rtt_ms) > bool on(name) (probe_bias_ms * 50)", map[string][]seriesWant{
				"filer1": {{node("filer1"), grid(-300, 86340, 0, ko{-600, 120, 1}, ko{3600, 3660, 1}, ko{43200, 43500, 1})}},
				"filer2": {{node("filer2"), grid(-300, 86340, 0)}},
				special:  {{node(special), grid(-300, 86340, 0)}},
			}},
			// A range function over a restricted matrix selector: [90s] holds
			// the samples at t−60 and t, so every KO lasts one step longer.
			// (VictoriaMetrics keeps the metric name: rangeNode.)
			{"max_over_time(probe_rtt_ms[90s])", map[string][]seriesWant{
				"filer1": {{rangeNode("filer1"), grid(-300, 86340, 10, ko{-600, 180, 100}, ko{3600, 3720, 150}, ko{43200, 43560, 100})}},
				"filer2": {
					{rangeNode("filer2", "probe", "a"), grid(-300, 86340, 10, ko{7200, 7380, 100})},
					{rangeNode("filer2", "probe", "b"), grid(-300, 86340, 10, ko{7260, 7560, 100})},
				},
				special: {{rangeNode(special), grid(-300, 86340, 10, ko{60000, 60660, 100})}},
			}},
			// vector(0) has no node label: ignored.
			{"probe_rtt_ms or vector(0)", map[string][]seriesWant{
				"filer1": {{rtt("filer1"), filer1}},
				"filer2": {{rtt("filer2", "probe", "a"), filer2a}, {rtt("filer2", "probe", "b"), filer2b}},
				special:  {{rtt(special), webSpec}},
			}},
		}
		s, _ := realSource(t, srv, "")
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				got := fetch(t, s, depc.CheckParameters{Query: tt.query}, dayWindow, "filer1", "filer2", special, "filer3")
				for n, w := range tt.want {
					if got[n].Err != nil {
						t.Errorf("%s: %v", n, got[n].Err)
					}
					checkSeries(t, n, got[n].Series, w)
				}
				if r := got["filer3"]; r.Err != nil || r.Series != nil {
					t.Errorf("filer3 = %+v, want no data", r)
				}
			})
		}
	})
}

func TestIntegrationBatching(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		names := slices.Clone(fixtureNames)
		for i := range 400 {
			names = append(names, fmt.Sprintf("ghost-%03d", i))
		}
		tests := []struct {
			settings string
			queries  int64
		}{
			{"", 1}, // 405 names of ~10 bytes fit one 16 KiB query
			{`"max_names_per_query": 50`, 9},
			{`"max_query_bytes": 2048, "concurrency": 1`, 3},
		}
		for _, tt := range tests {
			t.Run(tt.settings, func(t *testing.T) {
				s, ct := realSource(t, srv, tt.settings)
				got := fetch(t, s, depc.CheckParameters{Query: "probe_rtt_ms"}, dayWindow, names...)
				if n := ct.n.Load(); n != tt.queries {
					t.Errorf("%d HTTP requests for %d names, want %d", n, len(names), tt.queries)
				}
				if len(got) != len(names) {
					t.Errorf("%d results, want %d", len(got), len(names))
				}
				checkSeries(t, "filer1", got["filer1"].Series, []seriesWant{{rtt("filer1"), filer1}})
				checkSeries(t, "filer2", got["filer2"].Series, []seriesWant{{rtt("filer2", "probe", "a"), filer2a}, {rtt("filer2", "probe", "b"), filer2b}})
				checkSeries(t, special, got[special].Series, []seriesWant{{rtt(special), webSpec}})
				checkSeries(t, "filer5", got["filer5"].Series, []seriesWant{{rtt("filer5"), filer5Of(srv)}})
				for _, n := range names[len(fixtureNames):] {
					if r := got[n]; r.Err != nil || r.Series != nil {
						t.Fatalf("%s = %+v, want no data", n, r)
					}
				}
			})
		}
	})
}

// TestIntegrationLongRange: a day at a 1 s step is 86 700 points, more than
// Prometheus answers in one query; the source splits and joins them.
func TestIntegrationLongRange(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		s, ct := realSource(t, srv, "")
		got := fetch(t, s, depc.CheckParameters{Query: "probe_rtt_ms", Step: 1}, dayWindow, "filer1")["filer1"]
		if got.Err != nil || len(got.Series) != 1 {
			t.Fatalf("filer1 = %v, %d series", got.Err, len(got.Series))
		}
		if n := ct.n.Load(); n != 8 {
			t.Errorf("%d HTTP requests, want 8", n)
		}
		pts := got.Series[0].Points
		if len(pts) != 86700 {
			t.Fatalf("%d points, want 86700", len(pts))
		}
		for i, p := range pts {
			off := int64(i) - 300
			want := 10.0
			switch {
			case off < 120: // KO from before the window
				want = 100
			case off >= 3600 && off < 3660:
				want = 150
			case off >= 43200 && off < 43500:
				want = 100
			}
			if p != (qos.Point{T: day + off, V: want}) {
				t.Fatalf("point %d = %v, want {day%+d %v}", i, p, off, want)
			}
		}
	})
}

func TestIntegrationQueryRefused(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) {
		s, _ := realSource(t, srv, "")
		// Valid PromQL that fails on evaluation: filer2's two series end up
		// with the same labels.
		got := fetch(t, s, depc.CheckParameters{Query: `label_replace(probe_rtt_ms, "probe", "x", "", "")`}, dayWindow, "filer1", "filer2")
		err := got["filer2"].Err
		want := "could not run the query: vector cannot contain metrics with the same labelset"
		if srv.vm() {
			want = "could not run the query: cannot execute query: duplicate output timeseries"
		}
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "parameters.query: prometheus at ") ||
			!strings.Contains(depc.ErrorMessage(err), want) {
			t.Errorf("filer2: %v, want EINVALID with the server's message %q", err, want)
		}
		// It fails the whole batch: filer1 shared the query.
		if depc.ErrorCode(got["filer1"].Err) != depc.EINVALID {
			t.Errorf("filer1: %v, want the batch's error", got["filer1"].Err)
		}
	})
}

// TestContract runs the source conformance suite against the real
// Prometheus and VictoriaMetrics and their fixture: filer3 has no sample at
// all.
func TestContract(t *testing.T) {
	eachServer(t, func(t *testing.T, srv server) { contract(t, srv.url) })
}

func contract(t *testing.T, u string) {
	sourcetest.Run(t, func(t *testing.T) depc.Source {
		s, err := prometheus.Open([]byte(fmt.Sprintf(`{"url": %q}`, u)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, sourcetest.Fixture{
		Check:  depc.CheckParameters{Query: "probe_rtt_ms", Threshold: "20"},
		Window: dayWindow,
		Names:  []string{"filer1", "filer2", special, "filer5"},
		NoData: []string{"filer3"},
		// Averaging every node together mixes them: refused on save.
		Invalid: depc.CheckParameters{Query: "avg(probe_rtt_ms)", Threshold: "20"},
	})
}
