package compute_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/qos"
)

func TestExecuteRule(t *testing.T) {
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	http := e.addSource("acme", "http")
	e.check("acme", "Http", "http", depc.CheckInterval, "status", "200:299")
	e.check("acme", "Empty", "src", depc.CheckThreshold, "nothing", "1")
	e.rule("acme", "All", "Ping", "Http", "Empty")
	src.set("ping", "filer1", points(S, S+600, 60, [2]int64{0, 60}))
	http.set("status", "filer1", []qos.Point{{T: S - 30, V: 200}, {T: S + 300, V: 503}, {T: S + 420, V: 200}})
	http.fail("filer2", errors.New("connection refused"))
	w := depc.Window{Start: S, End: S + 600}

	got, err := e.c.ExecuteRule(e.ctx, "acme", "All", "filer1", w)
	e.must(err)
	got.Round(3)
	b, err := json.Marshal(got)
	e.must(err)
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	e.must(dec.Decode(&m))
	if fmt.Sprintln(m["qos"], m["ok"], m["ko"], m["unknown"]) != "70 420 180 0\n" {
		t.Errorf("rule: %s", b)
	}
	if want := fmt.Sprintf(`"downtime":[{"from":%d,"to":%d},{"from":%d,"to":%d}]`, S, S+60, S+300, S+420); !strings.Contains(string(b), want) {
		t.Errorf("rule downtime: %s, want %s", b, want)
	}
	checks := m["checks"].([]any)
	if len(checks) != 3 {
		t.Fatalf("%d checks", len(checks))
	}
	ping := checks[0].(map[string]any)
	if fmt.Sprintln(ping["name"], ping["qos"], ping["ko"], ping["series"], ping["error"], ping["threshold"], ping["type"]) != "Ping 90 60 1 <nil> 20 Threshold\n" {
		t.Errorf("Ping: %v", ping)
	}
	pts := ping["points"].([]any)[0].(map[string]any)
	if vals := pts["values"].([]any); len(vals) != 10 || fmt.Sprint(vals[0]) != fmt.Sprintf("[%d 100]", S) || pts["name"] != `ping{name="filer1", series="0"}` {
		t.Errorf("Ping points: %v", pts)
	}
	httpc := checks[1].(map[string]any)
	if fmt.Sprintln(httpc["qos"], httpc["ko"], httpc["threshold"]) != "80 120 200:299\n" {
		t.Errorf("Http: %v", httpc)
	}
	empty := checks[2].(map[string]any)
	if fmt.Sprintln(empty["qos"], empty["unknown"], empty["series"], empty["error"], len(empty["points"].([]any))) != "<nil> 600 0 <nil> 0\n" {
		t.Errorf("Empty: %v", empty)
	}

	// A failing check carries its error and is left out of the rule.
	got, err = e.c.ExecuteRule(e.ctx, "acme", "All", "filer2", w)
	e.must(err)
	if c := got.Checks[1]; c.Error == nil || *c.Error != "connection refused" || c.Series != 0 || c.QoS != nil {
		t.Errorf("failing check: %+v", c)
	}
	if got.QoS != nil || got.Unknown != 600 {
		t.Errorf("nothing known: qos %v unknown %d", got.QoS, got.Unknown)
	}

	for _, tc := range []struct {
		name, rule, node string
		w                depc.Window
		code             string
	}{
		{"unknown rule", "Nope", "filer1", w, depc.ENOTFOUND},
		{"bad name", "All", "a b", w, depc.EINVALID},
		{"empty window", "All", "filer1", depc.Window{Start: S, End: S}, depc.EINVALID},
		{"long window", "All", "filer1", depc.Window{Start: S, End: S + compute.MaxExecuteWindow + 1}, depc.EINVALID},
	} {
		if _, err := e.c.ExecuteRule(e.ctx, "acme", tc.rule, tc.node, tc.w); depc.ErrorCode(err) != tc.code {
			t.Errorf("%s: error %v, want %s", tc.name, err, tc.code)
		}
	}
}

func TestRootCause(t *testing.T) {
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Apache": {"qos": "rule.Servers"},
		"Website": {"qos": "operation.AND[Filer, Apache]"}, "Offer": {"qos": "operation.AND[Website]"},
		"Customer": {"qos": "aggregation.AVERAGE[Offer]"}}`)
	noon := S + 43200
	e.apply("acme", events(
		rel("Customer/c", "Offer/o"),
		rel("Offer/o", "Website/site"),
		rel("Website/site", "Filer/filer1"), rel("Website/site", "Apache/apache1"),
		// filer2 is KO in the morning, before site depends on it.
		rel("Website/site", "Filer/filer2", depc.Period{From: noon, To: qos.PosInf}),
		// filer3 is another website's.
		rel("Website/other", "Filer/filer3"),
	)...)
	src.set("ping", "filer1", points(S, S+86400, 60, [2]int64{3600, 3660}))
	src.set("ping", "apache1", points(S, S+86400, 60, [2]int64{3600, 3720}, [2]int64{7200, 7320}))
	src.set("ping", "filer2", points(S, S+86400, 60, [2]int64{0, 600}))
	src.set("ping", "filer3", points(S, S+86400, 60, [2]int64{0, 600}))

	// Before the day is computed: no QoS, no cause.
	rc, err := e.c.RootCause(e.ctx, "acme", depc.NodeKey{Label: "Website", Name: "site"}, day)
	e.must(err)
	if rc.Node.QoS != nil || rc.Node.KO != nil || len(rc.Causes) != 0 || len(rc.Graph.Nodes) != 4 {
		t.Errorf("not computed: %+v", rc)
	}
	e.run("acme", day)

	causes := func(rc compute.RootCause) string {
		var s []string
		for _, c := range rc.Causes {
			s = append(s, fmt.Sprintf("%s/%s %d %s", c.Label, c.Name, c.Overlap, qosString(c.QoS)))
		}
		return strings.Join(s, ", ")
	}
	for _, tc := range []struct {
		node, qos, ko, causes string
		nodes, edges          int
	}{
		// site is KO [3600, 3720) and [7200, 7320): 240 s.
		{"Website/site", "99.722", "240", "Apache/apache1 240 99.722, Filer/filer1 60 99.931", 4, 3},
		{"Offer/o", "99.722", "240", "Apache/apache1 240 99.722, Filer/filer1 60 99.931", 5, 4},
		// An aggregation: leaves ranked by their own KO time.
		{"Customer/c", "99.722", "null", "Filer/filer2 600 99.306, Apache/apache1 240 99.722, Filer/filer1 60 99.931", 6, 5},
		{"Filer/filer1", "99.931", "60", "", 1, 0},
	} {
		k := key(tc.node)
		rc, err := e.c.RootCause(e.ctx, "acme", k, day)
		e.must(err)
		if qosString(rc.Node.QoS) != tc.qos || i64(rc.Node.KO) != tc.ko || causes(rc) != tc.causes || len(rc.Graph.Nodes) != tc.nodes || len(rc.Graph.Edges) != tc.edges {
			t.Errorf("%s: qos %s ko %s causes [%s] %d nodes %d edges, want %s %s [%s] %d %d",
				tc.node, qosString(rc.Node.QoS), i64(rc.Node.KO), causes(rc), len(rc.Graph.Nodes), len(rc.Graph.Edges), tc.qos, tc.ko, tc.causes, tc.nodes, tc.edges)
		}
	}
	rc, err = e.c.RootCause(e.ctx, "acme", depc.NodeKey{Label: "Website", Name: "site"}, day)
	e.must(err)
	rc.Round(1)
	b, _ := json.Marshal(rc)
	for _, want := range []string{
		`"node":{"label":"Website","name":"site","qos":99.7,"ko":240,"downtime":[{"from":1795136400,"to":1795136520},{"from":1795140000,"to":1795140120}]}`,
		`{"label":"Apache","name":"apache1","qos":99.7,"overlap":240}`,
		`"edges":[{"from":{"label":"Website","name":"site"},"to":{"label":"Apache","name":"apache1"}}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s\nlacks %s", b, want)
		}
	}
	if _, err := e.c.RootCause(e.ctx, "acme", depc.NodeKey{Label: "Website", Name: "nope"}, day); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("unknown node: %v", err)
	}
	if _, err := e.c.RootCause(e.ctx, "acme", depc.NodeKey{Label: "Website", Name: "site"}, "20261120"); depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("bad day: %v", err)
	}
}

func TestLiveQoS(t *testing.T) {
	e := newEnv(t, nil)
	src := e.team("paris", "Europe/Paris")
	e.check("paris", "Ping", "src", depc.CheckThreshold, "ping", "20")
	e.rule("paris", "Servers", "Ping")
	e.config("paris", `{"Filer": {"qos": "rule.Servers"}, "Apache": {"qos": "rule.Servers"},
		"Website": {"qos": "operation.AND[Filer, Apache]"}, "Offer": {"qos": "aggregation.AVERAGE[Website]"}}`)
	// Paris midnight of day is 23:00 UTC the evening before.
	start := S - 3600
	var evs []depc.Event
	evs = append(evs, rel("Offer/o", "Website/site")...)
	evs = append(evs, rel("Website/site", "Filer/filer1")...)
	evs = append(evs, rel("Website/site", "Apache/apache1")...)
	for i := range 1000 { // other websites, not in site's subgraph
		evs = append(evs, rel(fmt.Sprintf("Website/w%d", i), fmt.Sprintf("Filer/f%d", i))...)
	}
	e.apply("paris", evs...)
	src.set("ping", "filer1", points(start-86400, start+86400, 60, [2]int64{86400 + 3600, 86400 + 3660}, [2]int64{86400 + 50000, 86400 + 50060}))
	src.set("ping", "apache1", points(start-86400, start+86400, 60, [2]int64{86400 + 7200, 86400 + 7320}))
	e.c.Now = func() time.Time { return time.Unix(start+43200, 0) }

	r, errs, err := e.c.LiveQoS(e.ctx, "paris", depc.NodeKey{Label: "Website", Name: "site"})
	e.must(err)
	if r.Day != day || *r.OK != 43200-180 || *r.KO != 180 || *r.Unknown != 0 || len(errs) != 0 {
		t.Errorf("live: day %s ok %s ko %s unknown %s errors %v", r.Day, i64(r.OK), i64(r.KO), i64(r.Unknown), errs)
	}
	if want := []depc.NodeKey{{Label: "Apache", Name: "apache1"}, {Label: "Filer", Name: "filer1"}}; !slices.Equal(r.Children, want) {
		t.Errorf("children %v", r.Children)
	}
	if src.names != 2 {
		t.Errorf("fetched %d names, want only the subgraph's 2", src.names)
	}
	r, _, err = e.c.LiveQoS(e.ctx, "paris", depc.NodeKey{Label: "Offer", Name: "o"})
	e.must(err)
	if qosString(r.QoS) != qos.Format(100*float64(43200-180)/43200, 3) || r.OK != nil {
		t.Errorf("live aggregation: %+v", r)
	}
	if _, _, err := e.c.LiveQoS(e.ctx, "paris", depc.NodeKey{Label: "Website", Name: "nope"}); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("unknown node: %v", err)
	}
	e.apply("paris", node("Rack", "r")...)
	if _, _, err := e.c.LiveQoS(e.ctx, "paris", depc.NodeKey{Label: "Rack", Name: "r"}); depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("unconfigured label: %v", err)
	}
	// At midnight sharp nothing is known yet.
	e.c.Now = func() time.Time { return time.Unix(start, 0) }
	r, _, err = e.c.LiveQoS(e.ctx, "paris", depc.NodeKey{Label: "Website", Name: "site"})
	e.must(err)
	if r.QoS != nil || *r.OK != 0 || *r.Unknown != 0 {
		t.Errorf("at midnight: %+v", r)
	}
}

// LiveDay gives every node of the labels asked what LiveQoS gives each.
func TestLiveDay(t *testing.T) {
	e := newEnv(t, nil)
	src := e.team("paris", "Europe/Paris")
	e.check("paris", "Ping", "src", depc.CheckThreshold, "ping", "20")
	e.rule("paris", "Servers", "Ping")
	e.config("paris", `{"Filer": {"qos": "rule.Servers"}, "Apache": {"qos": "rule.Servers"},
		"Website": {"qos": "operation.AND[Filer, Apache]"}, "Offer": {"qos": "aggregation.AVERAGE[Website]"}}`)
	start := S - 3600
	var evs []depc.Event
	evs = append(evs, rel("Offer/o", "Website/site")...)
	evs = append(evs, rel("Website/site", "Filer/filer1")...)
	evs = append(evs, rel("Website/site", "Apache/apache1")...)
	evs = append(evs, rel("Website/w2", "Filer/filer2")...)
	e.apply("paris", evs...)
	src.set("ping", "filer1", points(start-86400, start+86400, 60, [2]int64{86400 + 3600, 86400 + 3660}))
	src.set("ping", "filer2", points(start-86400, start+86400, 60, [2]int64{86400 + 600, 86400 + 1200}))
	src.set("ping", "apache1", points(start-86400, start+86400, 60, [2]int64{86400 + 7200, 86400 + 7320}))
	e.c.Now = func() time.Time { return time.Unix(start+43200, 0) }

	var got []depc.NodeDayResult
	d, w, errs, err := e.c.LiveDay(e.ctx, "paris", []string{"Website", "Nope", "Offer", "Website"}, func(r depc.NodeDayResult) error {
		got = append(got, r)
		return nil
	})
	e.must(err)
	if d != day || w != (depc.Window{Start: start, End: start + 43200}) || len(errs) != 0 {
		t.Errorf("LiveDay: day %s window %v errors %v", d, w, errs)
	}
	var keys []depc.NodeKey
	for _, r := range got {
		keys = append(keys, depc.NodeKey{Label: r.Label, Name: r.Name})
		one, _, err := e.c.LiveQoS(e.ctx, "paris", depc.NodeKey{Label: r.Label, Name: r.Name})
		e.must(err)
		if !reflect.DeepEqual(r, one) {
			t.Errorf("LiveDay %s/%s = %+v, LiveQoS %+v", r.Label, r.Name, r, one)
		}
	}
	if want := []depc.NodeKey{{Label: "Offer", Name: "o"}, {Label: "Website", Name: "site"}, {Label: "Website", Name: "w2"}}; !slices.Equal(keys, want) {
		t.Errorf("LiveDay nodes %v, want %v", keys, want)
	}
	// fn's error stops it.
	stop := errors.New("stop")
	if _, _, _, err := e.c.LiveDay(e.ctx, "paris", []string{"Website"}, func(depc.NodeDayResult) error { return stop }); err != stop {
		t.Errorf("LiveDay with fn failing: %v", err)
	}
	// At midnight sharp, and for labels not configured, nothing is computed.
	e.c.Now = func() time.Time { return time.Unix(start, 0) }
	if _, w, _, err := e.c.LiveDay(e.ctx, "paris", []string{"Website"}, func(depc.NodeDayResult) error { t.Error("a node at midnight"); return nil }); err != nil || !w.Empty() {
		t.Errorf("at midnight: %v %v", w, err)
	}
	if _, _, _, err := e.c.LiveDay(e.ctx, "nope", nil, nil); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("unknown team: %v", err)
	}
}
