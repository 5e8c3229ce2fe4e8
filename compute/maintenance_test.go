package compute_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

// maintenanceTeam is site = AND[filer1, apache1] under an AVERAGE offer:
// filer1 KO [h, h+60) and [5h, 5h+600), apache1 KO [2h, 2h+120).
func maintenanceTeam(e *env, team string) {
	src := serverTeam(e, team)
	e.config(team, `{"Filer": {"qos": "rule.Servers"}, "Apache": {"qos": "rule.Servers"},
		"Website": {"qos": "operation.AND[Filer, Apache]"}, "Offer": {"qos": "aggregation.AVERAGE[Website]"}}`)
	e.apply(team, events(rel("Offer/o", "Website/site"), rel("Website/site", "Filer/filer1"), rel("Website/site", "Apache/apache1"))...)
	src.set("ping", "filer1", points(S, S+86400, 60, [2]int64{h, h + 60}, [2]int64{5 * h, 5*h + 600}))
	src.set("ping", "apache1", points(S, S+86400, 60, [2]int64{2 * h, 2*h + 120}))
}

func (e *env) maintenance(team string, m depc.Maintenance) {
	e.t.Helper()
	if m.Reason == "" {
		m.Reason = "planned"
	}
	_, err := e.state.CreateMaintenance(e.ctx, team, m)
	e.must(err)
}

func (e *env) describe(team string, keys ...string) string {
	e.t.Helper()
	out := ""
	for _, k := range keys {
		kk := key(k)
		r := e.result(team, day, kk.Label, kk.Name)
		out += fmt.Sprintf("%s ok %s ko %s unknown %s qos %s\n", k, i64(r.OK), i64(r.KO), i64(r.Unknown), qosString(r.QoS))
	}
	return out
}

// Time inside a maintenance window is neither OK nor KO: a window over all
// of a node's KO time gives it 100 %, and its parent leaves it out then.
func TestMaintenanceExcludes(t *testing.T) {
	e := newEnv(t, nil)
	maintenanceTeam(e, "acme")
	nodes := []string{"Filer/filer1", "Apache/apache1", "Website/site", "Offer/o"}
	e.run("acme", day)
	want := `Filer/filer1 ok 85740 ko 660 unknown 0 qos 99.236
Apache/apache1 ok 86280 ko 120 unknown 0 qos 99.861
Website/site ok 85620 ko 780 unknown 0 qos 99.097
Offer/o ok null ko null unknown null qos 99.097
`
	if got := e.describe("acme", nodes...); got != want {
		t.Fatalf("without maintenance:\n%s\nwant\n%s", got, want)
	}

	// Windows on filer1 over its KO time: filer1 100 %; site is AND over
	// apache1 alone then, OK, and KO only for apache1's 120 s.
	e.maintenance("acme", depc.Maintenance{Label: "Filer", Name: "filer1", From: S + h, To: S + h + 60})
	e.maintenance("acme", depc.Maintenance{Label: "Filer", Name: "filer1", From: S + 5*h - 300, To: S + 5*h + 600})
	e.run("acme", day)
	want = `Filer/filer1 ok 85440 ko 0 unknown 960 qos 100.000
Apache/apache1 ok 86280 ko 120 unknown 0 qos 99.861
Website/site ok 86280 ko 120 unknown 0 qos 99.861
Offer/o ok null ko null unknown null qos 99.861
`
	if got := e.describe("acme", nodes...); got != want {
		t.Errorf("filer1 in maintenance:\n%s\nwant\n%s", got, want)
	}

	// A window on the label Apache over apache1's KO time: everything is
	// 100 %.
	e.maintenance("acme", depc.Maintenance{Label: "Apache", From: S + 2*h, To: S + 2*h + 120})
	e.run("acme", day)
	want = `Filer/filer1 ok 85440 ko 0 unknown 960 qos 100.000
Apache/apache1 ok 86280 ko 0 unknown 120 qos 100.000
Website/site ok 86400 ko 0 unknown 0 qos 100.000
Offer/o ok null ko null unknown null qos 100.000
`
	if got := e.describe("acme", nodes...); got != want {
		t.Errorf("apache1 in maintenance too:\n%s\nwant\n%s", got, want)
	}

	// Live QoS and root cause see the same.
	e.c.Now = func() time.Time { return time.Unix(S+86400-1, 0) }
	defer func() { e.c.Now = nil }()

	// The whole team in maintenance all day: nothing is known.
	e.maintenance("acme", depc.Maintenance{From: S - h, To: S + 86400 + h})
	e.run("acme", day)
	want = `Filer/filer1 ok 0 ko 0 unknown 86400 qos null
Apache/apache1 ok 0 ko 0 unknown 86400 qos null
Website/site ok 0 ko 0 unknown 86400 qos null
Offer/o ok null ko null unknown null qos null
`
	if got := e.describe("acme", nodes...); got != want {
		t.Errorf("the team in maintenance:\n%s\nwant\n%s", got, want)
	}
}

// The same windows apply to today's live QoS and to a root cause.
func TestMaintenanceLiveAndRootCause(t *testing.T) {
	e := newEnv(t, nil)
	maintenanceTeam(e, "acme")
	e.maintenance("acme", depc.Maintenance{Label: "Filer", From: S, To: S + 6*h})
	e.c.Now = func() time.Time { return time.Unix(S+12*h, 0) }
	r, _, err := e.c.LiveQoS(e.ctx, "acme", depc.NodeKey{Label: "Filer", Name: "filer1"})
	e.must(err)
	if *r.KO != 0 || *r.Unknown != 6*h || *r.OK != 6*h {
		t.Errorf("live filer1: ok %s ko %s unknown %s", i64(r.OK), i64(r.KO), i64(r.Unknown))
	}
	r, _, err = e.c.LiveQoS(e.ctx, "acme", depc.NodeKey{Label: "Website", Name: "site"})
	e.must(err)
	if *r.KO != 120 {
		t.Errorf("live site: ko %s, want apache1's 120", i64(r.KO))
	}
	e.run("acme", day)
	rc, err := e.c.RootCause(e.ctx, "acme", depc.NodeKey{Label: "Website", Name: "site"}, day)
	e.must(err)
	for _, c := range rc.Causes {
		if c.Name == "filer1" {
			t.Errorf("root cause blames filer1 for %d s, all in maintenance", c.Overlap)
		}
	}
	// Another team's windows change nothing here.
	e.team("other", "")
	e.maintenance("other", depc.Maintenance{From: S, To: S + 86400})
	e.run("acme", day)
	if r := e.result("acme", day, "Apache", "apache1"); *r.KO != 120 {
		t.Errorf("apache1 with another team's window: ko %s", i64(r.KO))
	}
}

// The law on random days: windows over every rule node's KO time leave no
// KO anywhere in an AND graph, and the QoS of every node is 100 % or null.
func TestMaintenanceOverAllKOLaw(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2))
	for round := range 5 {
		team := fmt.Sprintf("law%d", round)
		e := newEnv(t, nil)
		src := serverTeam(e, team)
		e.config(team, `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.AND[Filer]"}}`)
		var evs []depc.Event
		for i := range 4 {
			for j := range 3 {
				evs = append(evs, rel(fmt.Sprintf("Website/w%d", i), fmt.Sprintf("Filer/f%d", (i+j)%6))...)
			}
		}
		e.apply(team, evs...)
		for f := range 6 {
			var kos [][2]int64
			for range r.IntN(4) {
				a := int64(r.IntN(86400/60)) * 60
				kos = append(kos, [2]int64{a, a + int64(1+r.IntN(30))*60})
			}
			src.set("ping", fmt.Sprintf("f%d", f), points(S, S+86400, 60, kos...))
		}
		e.run(team, day)
		for f := range 6 {
			for _, p := range e.result(team, day, "Filer", fmt.Sprintf("f%d", f)).Downtime {
				e.maintenance(team, depc.Maintenance{Label: "Filer", Name: fmt.Sprintf("f%d", f), From: p.From, To: p.To})
			}
		}
		e.run(team, day)
		for _, k := range []string{"Filer/f0", "Filer/f1", "Filer/f2", "Filer/f3", "Filer/f4", "Filer/f5", "Website/w0", "Website/w1", "Website/w2", "Website/w3"} {
			kk := key(k)
			res := e.result(team, day, kk.Label, kk.Name)
			if *res.KO != 0 || (res.QoS != nil && *res.QoS != 100) {
				t.Errorf("round %d %s: ko %s qos %s after windows over all KO time", round, k, i64(res.KO), qosString(res.QoS))
			}
		}
	}
}
