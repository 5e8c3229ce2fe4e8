package compute_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/internal/testenv"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/fake"
)

// tutorial sets up the original DepC tutorial: Offer premium depends on the
// websites foo.com and bar.com; foo.com on filer1 and apache1, bar.com on
// filer2 and apache2; the leaves are checked with the Fake source's ping
// (rule Servers, check "Server Ping", threshold 20).
func tutorial(e *env, team string) {
	e.t.Helper()
	_, err := e.state.CreateTeam(e.ctx, depc.Team{Name: team})
	e.must(err)
	_, err = e.state.CreateSource(e.ctx, team, depc.SourceConfig{Name: "fake", Plugin: depc.PluginFake})
	e.must(err)
	e.check(team, "Server Ping", "fake", depc.CheckThreshold, "depc.tutorial.ping", "20")
	e.rule(team, "Servers", "Server Ping")
	e.config(team, `{"Filer": {"qos": "rule.Servers"}, "Apache": {"qos": "rule.Servers"},
		"Website": {"qos": "operation.AND[Filer, Apache]"}, "Offer": {"qos": "aggregation.AVERAGE[Website]"}}`)
	e.apply(team, events(
		rel("Offer/premium", "Website/foo.com"), rel("Offer/premium", "Website/bar.com"),
		rel("Website/foo.com", "Filer/filer1"), rel("Website/foo.com", "Apache/apache1"),
		rel("Website/bar.com", "Filer/filer2"), rel("Website/bar.com", "Apache/apache2"),
	)...)
}

// koMinutes returns the indexes of the minutes in which the Fake ping of
// any of the names is above 20: counted on the datapoints themselves, not
// by the engine.
func koMinutes(t testing.TB, w depc.Window, names ...string) map[int]bool {
	t.Helper()
	ko := map[int]bool{}
	err := fake.New().Fetch(context.Background(), depc.CheckParameters{Query: "depc.tutorial.ping"}, w, names, func(r depc.SourceResult) {
		for i, p := range r.Series[0].Points {
			if p.V > 20 {
				ko[i] = true
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ko
}

// The tutorial end to end on 2020-07-29 UTC, the day of the Fake source's
// vectors.
func TestTutorial(t *testing.T) {
	e := newEnv(t, nil)
	tutorial(e, "tutorial")
	const d = "2020-07-29"
	rep := e.run("tutorial", d)
	if rep.Nodes != 7 || rep.Relations != 6 || len(rep.Errors) != 0 {
		t.Fatalf("report: %d nodes, %d relations, errors %v", rep.Nodes, rep.Relations, rep.Errors)
	}
	w := depc.Window{Start: 1595980800, End: 1596067200}

	// filer1's ping is above 20 at indexes 391, 392 and 393 (74 133 43;
	// spec/fake-source.md).
	r := e.result("tutorial", d, "Filer", "filer1")
	if want := []depc.Period{{From: w.Start + 391*60, To: w.Start + 394*60}}; fmt.Sprint(r.Downtime) != fmt.Sprint(want) || qosString(r.QoS) != "99.792" {
		t.Errorf("filer1: downtime %v qos %s, want %v and 99.792", r.Downtime, qosString(r.QoS), want)
	}
	qosOf := func(ko map[int]bool) float64 { return 100 * float64(1440-len(ko)) / 1440 }
	want := map[string]float64{}
	for _, n := range []string{"filer1", "filer2", "apache1", "apache2"} {
		want[n] = qosOf(koMinutes(t, w, n))
	}
	want["foo.com"] = qosOf(koMinutes(t, w, "filer1", "apache1"))
	want["bar.com"] = qosOf(koMinutes(t, w, "filer2", "apache2"))
	want["premium"] = (want["foo.com"] + want["bar.com"]) / 2
	for _, tc := range []struct{ label, name string }{
		{"Filer", "filer1"}, {"Filer", "filer2"}, {"Apache", "apache1"}, {"Apache", "apache2"},
		{"Website", "foo.com"}, {"Website", "bar.com"}, {"Offer", "premium"},
	} {
		r := e.result("tutorial", d, tc.label, tc.name)
		if got, w := qosString(r.QoS), qos.Format(want[tc.name], 3); got != w {
			t.Errorf("%s/%s: qos %s, want %s", tc.label, tc.name, got, w)
		}
	}
	t.Logf("tutorial QoS: %v", want)
}

// A run against the real Prometheus of deploy/dev, loaded with the
// fixture of deploy/dev/prometheus-fixture (day D = 2025-06-02 UTC).
func TestPrometheus(t *testing.T) {
	url := testenv.RequireService(t, testenv.PrometheusURL)
	e := newEnv(t, nil)
	_, err := e.state.CreateTeam(e.ctx, depc.Team{Name: "prom"})
	e.must(err)
	conf, _ := json.Marshal(map[string]string{"url": url})
	_, err = e.state.CreateSource(e.ctx, "prom", depc.SourceConfig{Name: "prometheus", Plugin: depc.PluginPrometheus, Configuration: conf})
	e.must(err)
	e.check("prom", "RTT", "prometheus", depc.CheckThreshold, "probe_rtt_ms", "20")
	e.check("prom", "RTT avg", "prometheus", depc.CheckThreshold, "avg by (name) (probe_rtt_ms)", "20")
	e.rule("prom", "Probe", "RTT")
	e.rule("prom", "Probe avg", "RTT avg")
	e.config("prom", `{"Filer": {"qos": "rule.Probe"}, "Averaged": {"qos": "rule.'Probe avg'"}, "Site": {"qos": "operation.AND[Filer]"}}`)
	e.apply("prom", events(
		rel("Site/all", "Filer/filer1"), rel("Site/all", "Filer/filer2"), rel("Site/all", "Filer/filer3"),
		rel("Site/all", "Filer/filer5"), rel("Site/all", "Filer/web(1)+[a].b|c*$"),
		node("Averaged", "filer2"),
	)...)
	const d = "2025-06-02"
	const D = 1748822400
	rep := e.run("prom", d)
	if len(rep.Errors) != 0 {
		t.Fatalf("errors: %v", rep.Errors)
	}
	for _, tc := range []struct {
		node     string
		ko       int64
		qos      string
		downtime []depc.Period
	}{
		{"Filer/filer1", 480, "99.444", []depc.Period{{From: D, To: D + 120}, {From: D + 3600, To: D + 3660}, {From: D + 43200, To: D + 43500}}},
		{"Filer/filer2", 300, "99.653", []depc.Period{{From: D + 7200, To: D + 7500}}},
		{"Averaged/filer2", 300, "99.653", []depc.Period{{From: D + 7200, To: D + 7500}}},
		{"Filer/web(1)+[a].b|c*$", 600, "99.306", []depc.Period{{From: D + 60000, To: D + 60600}}},
		{"Filer/filer5", 120, "99.861", []depc.Period{{From: D, To: D + 120}}},
		{"Filer/filer3", 0, "null", []depc.Period{}},
		// The union of every filer's downtime.
		{"Site/all", 120 + 60 + 300 + 300 + 600, "98.403", []depc.Period{{From: D, To: D + 120}, {From: D + 3600, To: D + 3660}, {From: D + 7200, To: D + 7500}, {From: D + 43200, To: D + 43500}, {From: D + 60000, To: D + 60600}}},
	} {
		k := key(tc.node)
		r := e.result("prom", d, k.Label, k.Name)
		if *r.KO != tc.ko || qosString(r.QoS) != tc.qos || fmt.Sprint(r.Downtime) != fmt.Sprint(tc.downtime) {
			t.Errorf("%s: ko %d qos %s downtime %v, want ko %d qos %s downtime %v", tc.node, *r.KO, qosString(r.QoS), r.Downtime, tc.ko, tc.qos, tc.downtime)
		}
	}
	if r := e.result("prom", d, "Filer", "filer3"); *r.Unknown != 86400 {
		t.Errorf("filer3 (no data): unknown %d, want 86400", *r.Unknown)
	}
}

// TestSourcesClosed: a Computer closes every source it opened — on Close,
// and when a source's configuration changes — but never one a computation
// is still fetching from.
func TestSourcesClosed(t *testing.T) {
	e := newEnv(t, nil)
	src := e.team("acme", "")
	e.check("acme", "ping", "src", depc.CheckThreshold, "ping", "20")
	e.rule("acme", "Ping", "ping")
	e.config("acme", `{"Filer": {"qos": "rule.Ping"}}`)
	e.apply("acme", node("Filer", "filer1")...)
	w := depc.Window{Start: 0, End: 3600}
	src.set("ping", "filer1", points(0, 3600, 60))

	e.run("acme", "1970-01-01")
	if _, err := e.c.ExecuteRule(e.ctx, "acme", "Ping", "filer1", w); err != nil {
		t.Fatal(err)
	}
	if o, c := src.opens.Load(), src.closes.Load(); o != 1 || c != 0 {
		t.Fatalf("after two computations: %d opens, %d closes; want the source opened once and kept", o, c)
	}
	e.must(e.c.Close())
	if o, c := src.opens.Load(), src.closes.Load(); o != 1 || c != 1 {
		t.Fatalf("after Close: %d opens, %d closes, want 1 and 1", o, c)
	}

	// A fetch holds the source; meanwhile the source is edited and used
	// with its new configuration: the old one is closed only once the
	// fetch is done.
	entered, hold := make(chan struct{}), make(chan struct{})
	src.mu.Lock()
	src.gate = func(context.Context) {
		src.mu.Lock()
		src.gate = nil // only the first fetch waits
		src.mu.Unlock()
		close(entered)
		<-hold
	}
	src.mu.Unlock()
	done := make(chan error)
	go func() {
		_, err := e.c.ExecuteRule(e.ctx, "acme", "Ping", "filer1", w)
		done <- err
	}()
	<-entered
	_, err := e.state.UpdateSource(e.ctx, "acme", depc.SourceConfig{Name: "src", Plugin: "Test", Configuration: json.RawMessage(`{"v": 2}`)})
	e.must(err)
	if _, err := e.c.ExecuteRule(e.ctx, "acme", "Ping", "filer1", w); err != nil {
		t.Fatal(err)
	}
	if o, c := src.opens.Load(), src.closes.Load(); o != 3 || c != 1 {
		t.Errorf("while the old configuration is in use: %d opens, %d closes, want 3 and 1", o, c)
	}
	close(hold)
	e.must(<-done)
	if o, c := src.opens.Load(), src.closes.Load(); o != 3 || c != 2 {
		t.Errorf("once its fetch is done: %d opens, %d closes, want 3 and 2", o, c)
	}
	e.must(e.c.Close())
	if o, c := src.opens.Load(), src.closes.Load(); o != c {
		t.Errorf("after Close: %d opens, %d closes", o, c)
	}
}
