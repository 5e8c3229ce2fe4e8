package compute_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/internal/testenv"
)

func setVars(e *env, team, scope, owner string, vars map[string]string) {
	e.t.Helper()
	_, err := e.state.SetVariables(e.ctx, team, depc.VariableSet{Scope: scope, Owner: owner, Variables: vars})
	e.must(err)
}

// sameResults fails unless every node has the same results in both teams.
func sameResults(t *testing.T, e *env, a, b, day string, nodes ...string) {
	t.Helper()
	for _, n := range nodes {
		k := key(n)
		ra, rb := e.result(a, day, k.Label, k.Name), e.result(b, day, k.Label, k.Name)
		if qosString(ra.QoS) != qosString(rb.QoS) || fmt.Sprint(ra.Downtime) != fmt.Sprint(rb.Downtime) || (ra.KO == nil) != (rb.KO == nil) || ra.KO != nil && *ra.KO != *rb.KO {
			t.Errorf("%s: %s has qos %s downtime %v, %s has qos %s downtime %v", n, a, qosString(ra.QoS), ra.Downtime, b, qosString(rb.QoS), rb.Downtime)
		}
	}
}

// A check written with variables of every scope computes the same day as
// the same check written out by hand (the Fake source's tutorial).
func TestVariablesSameAsByHand(t *testing.T) {
	e := newEnv(t, nil)
	tutorial(e, "byhand")
	_, err := e.state.CreateTeam(e.ctx, depc.Team{Name: "vars"})
	e.must(err)
	_, err = e.state.CreateSource(e.ctx, "vars", depc.SourceConfig{Name: "fake", Plugin: depc.PluginFake})
	e.must(err)
	e.check("vars", "Server Ping", "fake", depc.CheckThreshold, "{{ depc.team.ns }}.{{ depc.source.app | lower }}{{ depc.rule.sep }}{{ depc.check.metric }}", "20")
	e.rule("vars", "Servers", "Server Ping")
	setVars(e, "vars", "team", "", map[string]string{"ns": "depc"})
	setVars(e, "vars", "source", "fake", map[string]string{"app": "TUTORIAL"})
	setVars(e, "vars", "rule", "Servers", map[string]string{"sep": "."})
	setVars(e, "vars", "check", "Server Ping", map[string]string{"metric": "ping"})
	e.config("vars", `{"Filer": {"qos": "rule.Servers"}, "Apache": {"qos": "rule.Servers"},
		"Website": {"qos": "operation.AND[Filer, Apache]"}, "Offer": {"qos": "aggregation.AVERAGE[Website]"}}`)
	e.apply("vars", events(
		rel("Offer/premium", "Website/foo.com"), rel("Offer/premium", "Website/bar.com"),
		rel("Website/foo.com", "Filer/filer1"), rel("Website/foo.com", "Apache/apache1"),
		rel("Website/bar.com", "Filer/filer2"), rel("Website/bar.com", "Apache/apache2"),
	)...)
	const d = "2020-07-29"
	for _, team := range []string{"byhand", "vars"} {
		if rep := e.run(team, d); len(rep.Errors) != 0 {
			t.Fatalf("%s: errors %v", team, rep.Errors)
		}
	}
	sameResults(t, e, "byhand", "vars", d, "Filer/filer1", "Filer/filer2", "Apache/apache1", "Apache/apache2", "Website/foo.com", "Website/bar.com", "Offer/premium")
	if r := e.result("vars", d, "Filer", "filer1"); qosString(r.QoS) != "99.792" {
		t.Errorf("filer1: qos %s, want 99.792 (TestTutorial)", qosString(r.QoS))
	}

	// Rule execute shows the rendered query.
	w := depc.Window{Start: 1595980800, End: 1596067200}
	x, err := e.c.ExecuteRule(e.ctx, "vars", "Servers", "filer1", w)
	e.must(err)
	if got := x.Checks[0].Query; got != "depc.tutorial.ping" || qosString(x.QoS) != "99.792" {
		t.Errorf("execute: query %q qos %s, want depc.tutorial.ping and 99.792", got, qosString(x.QoS))
	}

	// A variable removed after the check was saved: every node of the
	// rule has the error, naming the variable; nothing panics.
	setVars(e, "vars", "rule", "Servers", nil)
	rep := e.run("vars", d)
	if len(rep.Errors) == 0 || !strings.Contains(fmt.Sprint(rep.Errors), "unknown variable depc.rule.sep") {
		t.Errorf("errors %v, want unknown variable depc.rule.sep", rep.Errors)
	}
	x, err = e.c.ExecuteRule(e.ctx, "vars", "Servers", "filer1", w)
	e.must(err)
	if x.Checks[0].Error == nil || !strings.Contains(*x.Checks[0].Error, "parameters.query") {
		t.Errorf("execute error %v, want one naming parameters.query", x.Checks[0].Error)
	}
}

// The same on the real Prometheus: variables rendered first, then the
// source parses the query and restricts it to the nodes.
func TestVariablesPrometheus(t *testing.T) {
	url := testenv.RequireService(t, testenv.PrometheusURL)
	e := newEnv(t, nil)
	conf, _ := json.Marshal(map[string]string{"url": url})
	for _, team := range []string{"byhand", "vars"} {
		_, err := e.state.CreateTeam(e.ctx, depc.Team{Name: team})
		e.must(err)
		_, err = e.state.CreateSource(e.ctx, team, depc.SourceConfig{Name: "prometheus", Plugin: depc.PluginPrometheus, Configuration: conf})
		e.must(err)
		e.apply(team, events(rel("Site/all", "Filer/filer1"), rel("Site/all", "Filer/filer2"), rel("Site/all", "Filer/web(1)+[a].b|c*$"))...)
	}
	e.check("byhand", "RTT", "prometheus", depc.CheckThreshold, "avg by (name) (probe_rtt_ms)", "20")
	e.rule("byhand", "Probe", "RTT")
	e.check("vars", "RTT", "prometheus", depc.CheckThreshold, "{{ depc.rule.agg }} by (name) ({{ depc.team.metric }})", "20")
	e.rule("vars", "Probe", "RTT")
	setVars(e, "vars", "team", "", map[string]string{"metric": "probe_rtt_ms"})
	setVars(e, "vars", "rule", "Probe", map[string]string{"agg": "avg"})
	for _, team := range []string{"byhand", "vars"} {
		e.config(team, `{"Filer": {"qos": "rule.Probe"}, "Site": {"qos": "operation.AND[Filer]"}}`)
	}
	const d = "2025-06-02"
	for _, team := range []string{"byhand", "vars"} {
		if rep := e.run(team, d); len(rep.Errors) != 0 {
			t.Fatalf("%s: errors %v", team, rep.Errors)
		}
	}
	sameResults(t, e, "byhand", "vars", d, "Filer/filer1", "Filer/filer2", "Filer/web(1)+[a].b|c*$", "Site/all")
	if r := e.result("vars", d, "Filer", "filer1"); qosString(r.QoS) != "99.444" {
		t.Errorf("filer1: qos %s, want 99.444 (TestPrometheus)", qosString(r.QoS))
	}
}
