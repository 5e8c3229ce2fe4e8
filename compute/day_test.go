package compute_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/graphtest/memgraph"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/plugins"
)

const day = "2026-11-20"

var S = dayStart(day)

const h = 3600

// serverTeam sets up a team whose leaves use the rule Servers: one check
// "Ping" on the test source, query "ping", threshold 20.
func serverTeam(e *env, team string) *dataSource {
	src := e.team(team, "")
	e.check(team, "Ping", "src", depc.CheckThreshold, "ping", "20")
	e.rule(team, "Servers", "Ping")
	return src
}

// The example of semantics §3: datapoints S:OK, S+13200:KO, S+13260:OK.
func TestIndicatorExample(t *testing.T) {
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	e.config("acme", `{"Server": {"qos": "rule.Servers"}}`)
	e.apply("acme", node("Server", "server1")...)
	src.set("ping", "server1", []qos.Point{{T: S, V: 5}, {T: S + 13200, V: 50}, {T: S + 13260, V: 5}})
	rep := e.run("acme", day)
	if rep.Nodes != 1 || len(rep.Errors) != 0 {
		t.Fatalf("report: %d nodes, errors %v", rep.Nodes, rep.Errors)
	}
	r := e.result("acme", day, "Server", "server1")
	got := fmt.Sprintf("ok %s ko %s unknown %s qos %s downtime %v", i64(r.OK), i64(r.KO), i64(r.Unknown), qosString(r.QoS), r.Downtime)
	want := fmt.Sprintf("ok 86340 ko 60 unknown 0 qos 99.931 downtime [{%d %d}]", S+13200, S+13260)
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if r.Children != nil {
		t.Errorf("a rule node has children %v", r.Children)
	}
}

// websiteTeam is the example of semantics §5: Website site depends on
// filer1, KO [S+3600, S+3660), and apache1, KO [S+7200, S+7320).
func websiteTeam(e *env, team, op string) {
	src := serverTeam(e, team)
	e.config(team, `{"Filer": {"qos": "rule.Servers"}, "Apache": {"qos": "rule.Servers"},
		"Website": {"qos": "operation.`+op+`[Filer, Apache]"}}`)
	e.apply(team, events(rel("Website/site", "Filer/filer1"), rel("Website/site", "Apache/apache1"))...)
	src.set("ping", "filer1", points(S, S+86400, 60, [2]int64{3600, 3660}))
	src.set("ping", "apache1", points(S, S+86400, 60, [2]int64{7200, 7320}))
}

func TestOperationsTable(t *testing.T) {
	for _, tc := range []struct {
		op  string
		ko  int64
		qos string
	}{
		{"AND", 180, "99.792"},
		{"OR", 0, "100.000"},
		{"ATLEAST(2)", 180, "99.792"},
		{"ATLEAST(3)", 86400, "0.000"},
		{"RATIO(0.5)", 0, "100.000"},
		{"RATIO(0.6)", 180, "99.792"},
	} {
		t.Run(tc.op, func(t *testing.T) {
			e := newEnv(t, nil)
			websiteTeam(e, "acme", tc.op)
			e.run("acme", day)
			r := e.result("acme", day, "Website", "site")
			if *r.KO != tc.ko || qosString(r.QoS) != tc.qos || *r.OK+*r.KO+*r.Unknown != 86400 {
				t.Errorf("%s: ok %d ko %d unknown %d qos %s, want ko %d qos %s", tc.op, *r.OK, *r.KO, *r.Unknown, qosString(r.QoS), tc.ko, tc.qos)
			}
			want := []depc.NodeKey{{Label: "Apache", Name: "apache1"}, {Label: "Filer", Name: "filer1"}}
			if !slices.Equal(r.Children, want) {
				t.Errorf("children %v, want %v", r.Children, want)
			}
		})
	}
}

// The three-children examples of semantics §5.
func TestThreeChildren(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   string
		c3KO bool
		ko   int64
		qos  string
	}{
		{"c3 OK", "ATLEAST(2)", false, 1800, "97.917"},
		{"c3 KO", "ATLEAST(2)", true, 7200, "91.667"},
		{"c3 KO", "RATIO(0.5)", true, 7200, "91.667"},
		{"c3 KO", "RATIO(0.35)", true, 7200, "91.667"},
	} {
		t.Run(tc.name+" "+tc.op, func(t *testing.T) {
			e := newEnv(t, nil)
			src := serverTeam(e, "acme")
			e.config("acme", `{"Server": {"qos": "rule.Servers"}, "Cluster": {"qos": "operation.`+tc.op+`[Server]"}}`)
			e.apply("acme", events(rel("Cluster/c", "Server/c1"), rel("Cluster/c", "Server/c2"), rel("Cluster/c", "Server/c3"))...)
			src.set("ping", "c1", points(S, S+86400, 60, [2]int64{h, 2 * h}))
			src.set("ping", "c2", points(S, S+86400, 60, [2]int64{3 * h / 2, 3 * h}))
			if tc.c3KO {
				src.set("ping", "c3", points(S, S+86400, 60, [2]int64{0, 86400}))
			} else {
				src.set("ping", "c3", points(S, S+86400, 60))
			}
			e.run("acme", day)
			r := e.result("acme", day, "Cluster", "c")
			if *r.KO != tc.ko || qosString(r.QoS) != tc.qos {
				t.Errorf("ko %d qos %s, want ko %d qos %s", *r.KO, qosString(r.QoS), tc.ko, tc.qos)
			}
		})
	}
}

// Aggregations over children some of which have no QoS, aggregations of
// aggregations, label averages with average.exclude, and worst nodes.
func TestAggregationsAveragesWorst(t *testing.T) {
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	e.config("acme", `{
		"Website": {"qos": "rule.Servers", "label": {"average.exclude": ["test.com"]}},
		"Offer": {"qos": "aggregation.AVERAGE[Website]"},
		"Cheapest": {"qos": "aggregation.MIN[Website]"},
		"Best": {"qos": "aggregation.MAX[Website]"},
		"Customer": {"qos": "aggregation.AVERAGE[Offer]"}}`)
	e.apply("acme", events(
		rel("Offer/o", "Website/w1"), rel("Offer/o", "Website/w2"), rel("Offer/o", "Website/w3"),
		rel("Offer/o2", "Website/w2"),
		node("Offer", "o3"),
		rel("Offer/otest", "Website/w1"), rel("Offer/otest", "Website/test.com"),
		rel("Cheapest/min", "Website/w1"), rel("Cheapest/min", "Website/w2"), rel("Cheapest/min", "Website/w3"),
		rel("Best/max", "Website/w1"), rel("Best/max", "Website/w2"), rel("Best/max", "Website/w3"),
		rel("Customer/c", "Offer/o"), rel("Customer/c", "Offer/o2"),
		node("Website", "w4"),
	)...)
	src.set("ping", "w1", points(S, S+86400, 60, [2]int64{3600, 3780}))     // KO 180 s
	src.set("ping", "w3", points(S, S+86400, 60))                           // OK
	src.set("ping", "test.com", points(S, S+86400, 60, [2]int64{0, 43200})) // 50
	src.set("ping", "w4", points(S, S+86400, 60, [2]int64{0, 600}))         // KO 600 s
	// w2 has no data: its QoS is null.
	e.run("acme", day)

	w1 := 100 * float64(86400-180) / 86400
	for _, tc := range []struct {
		node, qos string
		children  []string
	}{
		{"Website/w2", "null", nil},
		{"Offer/o", qos.Format((w1+100)/2, 3), []string{"Website/w1", "Website/w3"}},
		{"Offer/o2", "null", []string{}},
		{"Offer/o3", "null", []string{}},
		{"Offer/otest", qos.Format((w1+50)/2, 3), []string{"Website/test.com", "Website/w1"}},
		{"Cheapest/min", "99.792", []string{"Website/w1", "Website/w3"}},
		{"Best/max", "100.000", []string{"Website/w1", "Website/w3"}},
		{"Customer/c", qos.Format((w1+100)/2, 3), []string{"Offer/o"}},
	} {
		k := key(tc.node)
		r := e.result("acme", day, k.Label, k.Name)
		if got := qosString(r.QoS); got != tc.qos {
			t.Errorf("%s: qos %s, want %s", tc.node, got, tc.qos)
		}
		if k.Label == "Website" {
			continue
		}
		if r.OK != nil || r.KO != nil || r.Unknown != nil || r.Downtime != nil {
			t.Errorf("%s: an aggregation has ok %s ko %s unknown %s downtime %v, want all null", tc.node, i64(r.OK), i64(r.KO), i64(r.Unknown), r.Downtime)
		}
		var children []string
		for _, c := range r.Children {
			children = append(children, c.String())
		}
		if strings.Join(children, " ") != strings.Join(tc.children, " ") {
			t.Errorf("%s: children %v, want %v", tc.node, children, tc.children)
		}
	}

	// Website's average leaves test.com out, counts every node.
	ls, err := e.state.LabelQoS(e.ctx, "acme", "Website", day, day)
	e.must(err)
	w4 := 100 * float64(86400-600) / 86400
	if len(ls) != 1 || qosString(ls[0].QoS) != qos.Format((w1+100+w4)/3, 3) || ls[0].Nodes != 5 {
		t.Errorf("Website average %+v, want qos %s over 5 nodes", ls, qos.Format((w1+100+w4)/3, 3))
	}
	ls, err = e.state.LabelQoS(e.ctx, "acme", "Offer", day, day)
	e.must(err)
	if len(ls) != 1 || qosString(ls[0].QoS) != qos.Format(((w1+100)/2+(w1+50)/2)/2, 3) || ls[0].Nodes != 4 {
		t.Errorf("Offer average %+v", ls)
	}

	// Worst Websites: below 100, lowest first, test.com left out.
	worst, err := e.state.Worst(e.ctx, "acme", "Website", day, 0)
	e.must(err)
	var got []string
	for _, w := range worst {
		got = append(got, w.Name+" "+qos.Format(w.QoS, 3))
	}
	if want := []string{"w4 99.306", "w1 99.792"}; !slices.Equal(got, want) {
		t.Errorf("worst %v, want %v", got, want)
	}
}

// A relation that starts at noon counts only from noon; a node inactive
// part of the day is Unknown then, for itself and for its parents.
func TestPartialActivity(t *testing.T) {
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Apache": {"qos": "rule.Servers"},
		"Website": {"qos": "operation.AND[Filer, Apache]"}, "Offer": {"qos": "aggregation.MIN[Website]"}}`)
	noon := S + 43200
	e.apply("acme", events(
		// site: the relation to filer1 starts at noon.
		rel("Website/site", "Filer/filer1", depc.Period{From: noon, To: qos.PosInf}),
		rel("Website/site", "Apache/apache1"),
		// site2 depends on filer2, a node active from noon only.
		rel("Website/site2", "Filer/filer2"), rel("Website/site2", "Apache/apache1"),
		node("Filer", "filer2", depc.Period{From: noon, To: qos.PosInf}),
		// half: a website that exists in the morning only.
		node("Website", "half", depc.Period{From: S - 86400, To: noon}),
		rel("Website/half", "Filer/filer1"),
		// An offer whose only website is linked in the afternoon.
		rel("Offer/late", "Website/site2", depc.Period{From: noon, To: qos.PosInf}),
		// An offer whose only website was linked yesterday.
		rel("Offer/gone", "Website/site2", depc.Period{From: S - 86400, To: S}),
	)...)
	morningAndAfternoon := points(S, S+86400, 60, [2]int64{3600, 3660}, [2]int64{50040, 50100})
	src.set("ping", "filer1", morningAndAfternoon)
	src.set("ping", "filer2", morningAndAfternoon)
	src.set("ping", "apache1", points(S, S+86400, 60))
	e.run("acme", day)

	for _, tc := range []struct {
		node            string
		ok, ko, unknown int64
		qos             string
		downtimeFrom    int64
	}{
		// filer1's morning KO happens before site depends on it.
		{"Website/site", 86340, 60, 0, "99.931", S + 50040},
		{"Filer/filer1", 86280, 120, 0, "99.861", S + 3600},
		// filer2 exists from noon: Unknown in the morning.
		{"Filer/filer2", 43140, 60, 43200, "99.861", S + 50040},
		{"Website/site2", 86340, 60, 0, "99.931", S + 50040},
		// half exists in the morning only.
		{"Website/half", 43140, 60, 43200, "99.861", S + 3600},
	} {
		k := key(tc.node)
		r := e.result("acme", day, k.Label, k.Name)
		if *r.OK != tc.ok || *r.KO != tc.ko || *r.Unknown != tc.unknown || qosString(r.QoS) != tc.qos || len(r.Downtime) == 0 || r.Downtime[0].From != tc.downtimeFrom {
			t.Errorf("%s: ok %d ko %d unknown %d qos %s downtime %v, want ok %d ko %d unknown %d qos %s from %d",
				tc.node, *r.OK, *r.KO, *r.Unknown, qosString(r.QoS), r.Downtime, tc.ok, tc.ko, tc.unknown, tc.qos, tc.downtimeFrom)
		}
	}
	if r := e.result("acme", day, "Offer", "late"); qosString(r.QoS) != "99.931" {
		t.Errorf("Offer/late: qos %s, want site2's 99.931", qosString(r.QoS))
	}
	// Offer/gone is in the snapshot (active), its relation is not.
	if r := e.result("acme", day, "Offer", "gone"); r.QoS != nil || len(r.Children) != 0 {
		t.Errorf("Offer/gone: qos %s children %v, want null and none", qosString(r.QoS), r.Children)
	}
}

// A day with a DST change is 23 or 25 hours long in a team's zone.
func TestDSTDays(t *testing.T) {
	for _, tc := range []struct {
		day    string
		start  int64
		length int64
	}{
		{"2026-03-29", 1774738800, 82800}, // 2026-03-28T23:00Z
		{"2026-10-25", 1792879200, 90000}, // 2026-10-24T22:00Z
		{"2026-11-20", 1795129200, 86400},
	} {
		t.Run(tc.day, func(t *testing.T) {
			e := newEnv(t, nil)
			src := e.team("paris", "Europe/Paris")
			e.check("paris", "Ping", "src", depc.CheckThreshold, "ping", "20")
			e.rule("paris", "Servers", "Ping")
			e.config("paris", `{"Server": {"qos": "rule.Servers"}}`)
			e.apply("paris", node("Server", "s")...)
			// KO for the last 10 minutes of the local day, and data
			// well beyond both ends.
			end := tc.start + tc.length
			src.set("ping", "s", points(tc.start-3600, end+3600, 60, [2]int64{3600 + tc.length - 600, 3600 + tc.length}))
			rep := e.run("paris", tc.day)
			if rep.Window != (depc.Window{Start: tc.start, End: end}) {
				t.Fatalf("window %+v, want [%d, %d)", rep.Window, tc.start, end)
			}
			r := e.result("paris", tc.day, "Server", "s")
			if *r.OK != tc.length-600 || *r.KO != 600 || *r.Unknown != 0 {
				t.Errorf("ok %d ko %d unknown %d, want ok %d ko 600", *r.OK, *r.KO, *r.Unknown, tc.length-600)
			}
			if want := qos.Format(100*float64(tc.length-600)/float64(tc.length), 3); qosString(r.QoS) != want {
				t.Errorf("qos %s, want %s", qosString(r.QoS), want)
			}
		})
	}
}

// dayResults reads everything a run wrote for a day.
func dayResults(e *env, team, d string, keys []depc.NodeKey) string {
	e.t.Helper()
	rs, err := e.state.DayResults(e.ctx, team, d, keys)
	e.must(err)
	ls, err := e.state.TeamQoS(e.ctx, team, d, d)
	e.must(err)
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s/%s %s %s %s %s %v %v\n", r.Label, r.Name, qosString(r.QoS), i64(r.OK), i64(r.KO), i64(r.Unknown), r.Downtime, r.Children)
		if r.QoS != nil {
			fmt.Fprintf(&b, "  exact %v\n", *r.QoS)
		}
	}
	for _, l := range ls {
		fmt.Fprintf(&b, "label %s %d %s\n", l.Label, l.Nodes, qosString(l.QoS))
		if l.QoS != nil {
			fmt.Fprintf(&b, "  exact %v\n", *l.QoS)
		}
		ws, err := e.state.Worst(e.ctx, team, l.Label, d, 0)
		e.must(err)
		fmt.Fprintf(&b, "  worst %v\n", ws)
	}
	return b.String()
}

// Running a day twice gives the same results, and so does a graph store
// that delivers the snapshot in another order.
func TestIdempotentRuns(t *testing.T) {
	setup := func(e *env) []depc.NodeKey {
		src := serverTeam(e, "acme")
		e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.RATIO(0.5)[Filer]"},
			"Offer": {"qos": "aggregation.AVERAGE[Website]"}}`)
		var evs []depc.Event
		var keys []depc.NodeKey
		for i := range 40 {
			f := fmt.Sprintf("filer%d", i)
			src.set("ping", f, points(S, S+86400, 60, [2]int64{int64(i) * 997, int64(i)*997 + int64(i%7)*600}))
			keys = append(keys, depc.NodeKey{Label: "Filer", Name: f})
		}
		for i := range 10 {
			w := fmt.Sprintf("w%d", i)
			keys = append(keys, depc.NodeKey{Label: "Website", Name: w})
			for j := range 5 {
				evs = append(evs, rel("Website/"+w, fmt.Sprintf("Filer/filer%d", (i*3+j*7)%40))...)
			}
			evs = append(evs, rel(fmt.Sprintf("Offer/o%d", i%3), "Website/"+w)...)
		}
		for i := range 3 {
			keys = append(keys, depc.NodeKey{Label: "Offer", Name: fmt.Sprintf("o%d", i)})
		}
		e.apply("acme", evs...)
		return keys
	}
	e := newEnv(t, nil)
	keys := setup(e)
	e.run("acme", day)
	first := dayResults(e, "acme", day, keys)
	for range 3 {
		e.run("acme", day)
		if again := dayResults(e, "acme", day, keys); again != first {
			t.Fatalf("a second run changed the results:\n%s\nthen\n%s", first, again)
		}
	}
	// Another store, other delivery orders, one goroutine or several.
	for _, par := range []int{1, 3} {
		o := newEnv(t, memgraph.New())
		setup(o)
		o.c.Parallelism = par
		o.run("acme", day)
		if other := dayResults(o, "acme", day, keys); other != first {
			t.Fatalf("parallelism %d: results differ:\n%s\nthen\n%s", par, first, other)
		}
	}
}

// A failing source is recorded on the run with the label and the name of
// each node concerned; the others are computed, and so are the failing
// nodes from their other checks.
func TestFailingSource(t *testing.T) {
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	http := e.addSource("acme", "http")
	e.check("acme", "Http", "http", depc.CheckInterval, "status", "200:299")
	e.rule("acme", "Both", "Ping", "Http")
	// A source whose plugin cannot be opened.
	_, err := e.state.CreateSource(e.ctx, "acme", depc.SourceConfig{Name: "broken", Plugin: "Nope"})
	e.must(err)
	e.check("acme", "Broken", "broken", depc.CheckThreshold, "x", "1")
	e.rule("acme", "Down", "Broken")
	e.config("acme", `{"Filer": {"qos": "rule.Both"}, "Disk": {"qos": "rule.Down"}, "Website": {"qos": "operation.AND[Filer]"}}`)
	e.apply("acme", events(rel("Website/site", "Filer/filer1"), rel("Website/site", "Filer/filer2"), node("Disk", "d1"))...)
	src.set("ping", "filer1", points(S, S+86400, 60, [2]int64{0, 60}))
	src.fail("filer2", errors.New("connection refused"))
	http.set("status", "filer1", []qos.Point{{T: S, V: 200}})
	http.set("status", "filer2", []qos.Point{{T: S, V: 200}, {T: S + 120, V: 500}, {T: S + 240, V: 204}})
	rep := e.run("acme", day)
	if rep.Nodes != 4 {
		t.Errorf("%d nodes, want 4", rep.Nodes)
	}
	var errs []string
	for _, re := range rep.Errors {
		errs = append(errs, re.Label+"/"+re.Name+": "+re.Error)
	}
	want := []string{
		`Disk/d1: check "Broken": source "broken": plugin: must be one of ` + strings.Join(plugins.All().Names(), ", ") + `, not "Nope"`,
		`Filer/filer2: check "Ping": connection refused`,
	}
	if !slices.Equal(errs, want) {
		t.Errorf("errors\n%s\nwant\n%s", strings.Join(errs, "\n"), strings.Join(want, "\n"))
	}
	for _, tc := range []struct{ node, ko, qos string }{
		{"Filer/filer1", "60", "99.931"},
		{"Filer/filer2", "120", "99.861"}, // from Http alone
		{"Disk/d1", "0", "null"},
		{"Website/site", "180", "99.792"},
	} {
		k := key(tc.node)
		r := e.result("acme", day, k.Label, k.Name)
		if i64(r.KO) != tc.ko || qosString(r.QoS) != tc.qos {
			t.Errorf("%s: ko %s qos %s, want ko %s qos %s", tc.node, i64(r.KO), qosString(r.QoS), tc.ko, tc.qos)
		}
	}
}

// One Fetch per check for a label's nodes, with every name.
func TestFetchBatches(t *testing.T) {
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	e.config("acme", `{"Filer": {"qos": "rule.Servers"}}`)
	var evs []depc.Event
	for i := range 5000 {
		evs = append(evs, node("Filer", fmt.Sprintf("f%05d", i))...)
	}
	e.apply("acme", evs...)
	e.c.Parallelism = 1
	e.run("acme", day)
	if src.fetches != 1 || src.names != 5000 {
		t.Errorf("%d fetches for %d names, want 1 for 5000", src.fetches, src.names)
	}
	e.c.Parallelism = 2
	src.fetches, src.names = 0, 0
	e.run("acme", day)
	if src.fetches != 2 || src.names != 5000 {
		t.Errorf("parallelism 2: %d fetches for %d names, want 2 for 5000", src.fetches, src.names)
	}
}

// Errors of the many nodes of a label are listed up to a bound, then
// counted.
func TestErrorsBounded(t *testing.T) {
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	e.config("acme", `{"Filer": {"qos": "rule.Servers"}}`)
	var evs []depc.Event
	for i := range 100 {
		name := fmt.Sprintf("f%03d", i)
		evs = append(evs, node("Filer", name)...)
		src.fail(name, errors.New("timeout"))
	}
	e.apply("acme", evs...)
	e.c.MaxErrorsPerLabel = 10
	rep := e.run("acme", day)
	if len(rep.Errors) != 11 || rep.Errors[0].Name != "f000" || rep.Errors[10].Error != "90 more errors not listed" || rep.Errors[10].Label != "Filer" {
		t.Errorf("errors %+v", rep.Errors)
	}
}

// A day that cannot be computed fails and writes nothing.
func TestDayFails(t *testing.T) {
	e := newEnv(t, nil)
	serverTeam(e, "acme")
	e.apply("acme", node("Filer", "f")...)
	for _, tc := range []struct {
		name, team, day, code string
	}{
		{"unknown team", "nobody", day, depc.ENOTFOUND},
		{"no config", "acme", day, depc.ENOTFOUND},
		{"bad day", "acme", "2026-02-30", depc.EINVALID},
	} {
		if tc.name == "bad day" {
			e.config("acme", `{"Filer": {"qos": "rule.Servers"}}`)
		}
		_, err := e.c.Day(e.ctx, tc.team, tc.day)
		if depc.ErrorCode(err) != tc.code {
			t.Errorf("%s: error %v, want code %s", tc.name, err, tc.code)
		}
	}
	// A config that names a label it does not configure (saved without
	// validation).
	_, err := e.state.SaveConfig(e.ctx, "acme", []byte(`{"Website": {"qos": "operation.AND[Filer]"}}`), nil)
	e.must(err)
	_, err = e.c.Day(e.ctx, "acme", day)
	if depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), "Website") {
		t.Errorf("invalid config: error %v, want invalid naming Website", err)
	}
	if rs, _ := e.state.TeamQoS(e.ctx, "acme", day, day); len(rs) != 0 {
		t.Errorf("a failed day wrote %v", rs)
	}
}

// A node can appear in results only for the labels configured; the others
// are not even loaded.
func TestUnconfiguredLabels(t *testing.T) {
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	e.config("acme", `{"Filer": {"qos": "rule.Servers"}}`)
	e.apply("acme", events(rel("Rack/r1", "Filer/f1"), rel("Filer/f1", "Disk/d1"))...)
	src.set("ping", "f1", points(S, S+86400, 60))
	rep := e.run("acme", day)
	if rep.Nodes != 1 || rep.Relations != 0 {
		t.Errorf("%d nodes %d relations, want 1 and 0", rep.Nodes, rep.Relations)
	}
	rs, err := e.state.DayResults(e.ctx, "acme", day, []depc.NodeKey{{Label: "Rack", Name: "r1"}, {Label: "Filer", Name: "f1"}})
	e.must(err)
	if len(rs) != 1 || rs[0].Name != "f1" {
		t.Errorf("results %+v", rs)
	}
	// Every configured label gets an average, even without nodes.
	e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Site": {"qos": "operation.OR[Filer]"}}`)
	e.run("acme", day)
	ls, err := e.state.TeamQoS(e.ctx, "acme", day, day)
	e.must(err)
	if got := fmt.Sprintf("%d %s %d %v", len(ls), ls[1].Label, ls[1].Nodes, ls[1].QoS == nil); got != "2 Site 0 true" {
		t.Errorf("averages %+v", ls)
	}
	if !reflect.DeepEqual(rs[0].Children, []depc.NodeKey(nil)) {
		t.Errorf("rule node children %v", rs[0].Children)
	}
}
