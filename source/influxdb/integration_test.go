package influxdb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/internal/testenv"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/influxdb"
	"github.com/depc-dev/depc/source/sourcetest"
)

// These tests run against the real InfluxDB of deploy/dev/influxdb, loaded
// with the points of deploy/dev/influxdb-fixture (read its header: the
// expectations below restate it). Offsets are seconds from day.

const day = 1748822400

// special is a node name with InfluxQL's string and identifier quotes,
// regular expression metacharacters, the regex delimiter, a backslash, and
// the characters line protocol escapes.
const special = `it's "web(1)"+[a].b|c*$ /x\y, z=1`

// countingTransport counts the HTTP requests a source sends.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// realConfig returns the configuration of the dev server's reader: the
// environment's URL carries the credentials, which a source takes apart.
func realConfig(t *testing.T, settings string) string {
	t.Helper()
	u, err := url.Parse(testenv.RequireService(t, testenv.InfluxDBURL))
	if err != nil {
		t.Fatalf("%s: %v", testenv.InfluxDBURL, err)
	}
	auth := ""
	if u.User != nil {
		pw, _ := u.User.Password()
		b, _ := json.Marshal(influxdb.BasicAuth{Username: u.User.Username(), Password: pw})
		auth = fmt.Sprintf(`, "basic_auth": %s`, b)
		u.User = nil
	}
	if settings != "" {
		settings = ", " + settings
	}
	return fmt.Sprintf(`{"url": %q, "database": "depc"%s%s}`, u, auth, settings)
}

func realSource(t *testing.T, settings string) (*influxdb.Source, *countingTransport) {
	t.Helper()
	ct := new(countingTransport)
	s, err := influxdb.Open([]byte(realConfig(t, settings)), influxdb.WithTransport(ct))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, ct
}

func fetch(t *testing.T, s depc.Source, p depc.CheckParameters, w depc.Window, names ...string) map[string]depc.SourceResult {
	t.Helper()
	got := map[string]depc.SourceResult{}
	if err := s.Fetch(context.Background(), p, w, names, func(r depc.SourceResult) { got[r.Name] = r }); err != nil {
		t.Fatal(err)
	}
	return got
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
// point at day+86400 is the window's end and must not be returned.
var (
	filer1  = grid(-300, 86340, 10, ko{-600, 120, 100}, ko{3600, 3660, 150}, ko{43200, 43500, 100})
	filer2a = grid(-300, 86340, 10, ko{7200, 7320, 100})
	filer2b = grid(-300, 86340, 10, ko{7260, 7500, 100})
	webSpec = grid(-300, 86340, 10, ko{60000, 60600, 100})
	// One point at day−180, then from day+120: the raw points, not
	// evaluation steps.
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

// rtt names a raw rtt_ms series of a node, grouped by probe.
func rtt(name, probe string) map[string]string {
	return map[string]string{"name": name, "probe": probe, influxdb.LabelMeasurement: "probe", influxdb.LabelField: "rtt_ms"}
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
	// The same results whether the nodes share one query (regular
	// expression) or each has its own (equality), and whether depc adds
	// the node's comparison or the query places it.
	for _, query := range []string{`SELECT "rtt_ms" FROM "probe" GROUP BY "probe"`, `SELECT rtt_ms FROM probe WHERE "name" = $name GROUP BY probe`} {
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
				if wantQueries := map[string]int64{"": 1}[settings]; wantQueries > 0 && ct.n.Load() != wantQueries {
					t.Errorf("%d HTTP requests, want %d", ct.n.Load(), wantQueries)
				}
			})
		}
	}
}

// TestIntegrationQoS evaluates the fixture with the qos engine, to the
// second: the numbers of the fixture's header.
func TestIntegrationQoS(t *testing.T) {
	s, _ := realSource(t, "")
	tests := []struct {
		query, label, bound string
		name                string
		ko                  int64
		qos                 string
		downtime            []qos.Period
	}{
		{`SELECT "rtt_ms" FROM "probe"`, "", "20", "filer1", 480, "99.444", []qos.Period{{From: day, To: day + 120}, {From: day + 3600, To: day + 3660}, {From: day + 43200, To: day + 43500}}},
		{`SELECT "ok" FROM "probe"`, "", "1:1", "filer1", 480, "99.444", []qos.Period{{From: day, To: day + 120}, {From: day + 3600, To: day + 3660}, {From: day + 43200, To: day + 43500}}},
		// Two series (GROUP BY probe): AND.
		{`SELECT "rtt_ms" FROM "probe" GROUP BY "probe"`, "", "20", "filer2", 300, "99.653", []qos.Period{{From: day + 7200, To: day + 7500}}},
		{`SELECT "ok" FROM "probe" WHERE "name" = $name GROUP BY "probe"`, "name", "1:1", "filer2", 300, "99.653", []qos.Period{{From: day + 7200, To: day + 7500}}},
		// Aggregations by the minute.
		{`SELECT max("rtt_ms") FROM "probe" GROUP BY time(1m)`, "", "20", "filer2", 300, "99.653", []qos.Period{{From: day + 7200, To: day + 7500}}},
		{`SELECT mean("rtt_ms") FROM "probe" GROUP BY time(1m) fill(none)`, "", "20", "filer2", 300, "99.653", []qos.Period{{From: day + 7200, To: day + 7500}}},
		// A subquery: the placeholder inside, the outer SELECT grouped by
		// the node tag too.
		{`SELECT max("m") FROM (SELECT mean("rtt_ms") AS "m" FROM "probe" WHERE $name = "name" GROUP BY time(1m), "probe") GROUP BY time(1m)`, "", "20", "filer2", 300, "99.653", []qos.Period{{From: day + 7200, To: day + 7500}}},
		{`SELECT "rtt_ms" FROM "probe"`, "", "20", special, 600, "99.306", []qos.Period{{From: day + 60000, To: day + 60600}}},
		{`SELECT "rtt_ms" FROM "probe" WHERE "name" = $name`, "", "20", special, 600, "99.306", []qos.Period{{From: day + 60000, To: day + 60600}}},
		// The state at the start comes from day−180.
		{`SELECT "rtt_ms" FROM "probe"`, "", "20", "filer5", 120, "99.861", []qos.Period{{From: day, To: day + 120}}},
		{`SELECT "rtt_ms" FROM "probe"`, "", "20", "filer3", 0, "null", nil},
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
		{"", 1, 1}, // 405 names of ~10 bytes fit one 16 KiB query
		{`"max_names_per_query": 50`, 9, 9},
		{`"max_query_bytes": 2048, "concurrency": 1`, 3, 405},
	}
	for _, tt := range tests {
		t.Run(tt.settings, func(t *testing.T) {
			s, ct := realSource(t, tt.settings)
			got := fetch(t, s, depc.CheckParameters{Query: `SELECT "rtt_ms" FROM "probe" GROUP BY "probe"`}, dayWindow, names...)
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
	tests := []struct {
		what, settings, query string
		code, prefix, text    string
	}{
		{"unknown function", "", `SELECT nope("rtt_ms") FROM "probe"`,
			depc.EINVALID, "parameters.query: influxdb at ", "undefined function nope()"},
		{"a tag selected as a value", "", `SELECT "probe", "rtt_ms" FROM "probe"`,
			depc.EINVALID, "parameters.query: influxdb at ", `column "probe" of "probe" holds strings`},
		// The reader may read only its database: InfluxDB says so before
		// it looks for the database.
		{"another database", `"database": "nope"`, `SELECT "rtt_ms" FROM "probe"`,
			depc.EUNAVAILABLE, "influxdb at ", "answered HTTP 403 (check the source's credentials, and that its user may read the database)"},
		{"unknown retention policy", `"retention_policy": "nope"`, `SELECT "rtt_ms" FROM "probe"`,
			depc.EINVALID, "configuration.retention_policy: influxdb at ", "retention policy not found: nope"},
		{"answer too large", `"max_response_bytes": 4096`, `SELECT "rtt_ms" FROM "probe"`,
			depc.EINVALID, "configuration.max_response_bytes: influxdb at ", "answered more than 4096 bytes for 2 nodes"},
	}
	for _, tt := range tests {
		t.Run(tt.what, func(t *testing.T) {
			conf := realConfig(t, "")
			if tt.settings != "" {
				conf = strings.Replace(conf, `"database": "depc"`, tt.settings, 1)
				if !strings.Contains(tt.settings, "database") {
					conf = strings.Replace(conf, `{"url"`, `{"database": "depc", "url"`, 1)
				}
			}
			s, err := influxdb.Open([]byte(conf))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got := fetch(t, s, depc.CheckParameters{Query: tt.query}, dayWindow, "filer1", "filer2")
			for _, n := range []string{"filer1", "filer2"} {
				err := got[n].Err
				if depc.ErrorCode(err) != tt.code || !strings.HasPrefix(depc.ErrorMessage(err), tt.prefix) || !strings.Contains(depc.ErrorMessage(err), tt.text) {
					t.Errorf("%s: %v, want %s %q … %q", n, err, tt.code, tt.prefix, tt.text)
				}
			}
		})
	}
}

func TestIntegrationCredentials(t *testing.T) {
	conf := realConfig(t, "")
	var c influxdb.Config
	if err := json.Unmarshal([]byte(conf), &c); err != nil {
		t.Fatal(err)
	}
	if c.BasicAuth == nil {
		// deploy/dev/influxdb always turns authentication on: in CI a
		// server without credentials is not the one the suite requires.
		if os.Getenv(testenv.Require) == "1" {
			t.Fatalf("the server of %s takes no credentials and %s=1: start it with deploy/dev/influxdb", testenv.InfluxDBURL, testenv.Require)
		}
		t.Skip("the server of " + testenv.InfluxDBURL + " takes no credentials (DEPC_REQUIRE_SERVICES=1 fails instead)")
	}
	for _, auth := range []*influxdb.BasicAuth{{Username: c.BasicAuth.Username, Password: "wrong"}, nil} {
		c.BasicAuth = auth
		s, err := influxdb.New(c)
		if err != nil {
			t.Fatal(err)
		}
		err = fetch(t, s, depc.CheckParameters{Query: `SELECT "rtt_ms" FROM "probe"`}, dayWindow, "filer1")["filer1"].Err
		if depc.ErrorCode(err) != depc.EUNAVAILABLE || !strings.Contains(depc.ErrorMessage(err), "check the source's credentials") {
			t.Errorf("credentials %+v: %v, want EUNAVAILABLE about credentials", auth, err)
		}
		_ = s.Close()
	}
}

// TestContract runs the source conformance suite against the real InfluxDB
// and its fixture: filer3 has no point at all.
func TestContract(t *testing.T) {
	conf := realConfig(t, "")
	for _, query := range []string{`SELECT "rtt_ms" FROM "probe" GROUP BY "probe"`, `SELECT max("rtt_ms") FROM "probe" WHERE "name" = $name GROUP BY time(1m)`} {
		t.Run(query, func(t *testing.T) {
			sourcetest.Run(t, func(t *testing.T) depc.Source {
				s, err := influxdb.Open([]byte(conf))
				if err != nil {
					t.Fatal(err)
				}
				return s
			}, sourcetest.Fixture{
				Check:  depc.CheckParameters{Query: query, Threshold: "20"},
				Window: dayWindow,
				Names:  []string{"filer1", "filer2", special, "filer5"},
				NoData: []string{"filer3"},
				// A check writes nothing: refused on save.
				Invalid: depc.CheckParameters{Query: `SELECT "rtt_ms" INTO "copy" FROM "probe"`, Threshold: "20"},
			})
		})
	}
}
