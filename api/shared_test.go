package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/internal/testenv"
)

type sharedGrant struct {
	Team      string              `json:"team"`
	Source    string              `json:"source"`
	Enforce   []depc.LabelMatcher `json:"enforce"`
	Effective []depc.LabelMatcher `json:"effective"`
}

// TestSharedCatalog: the admin keeps the catalog and its grants; a team
// sees what it was granted (not the configuration) and uses it as a source
// of its own, which only the admin changes or revokes.
func TestSharedCatalog(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	mandy := e.user("mandy", "acme", depc.RoleManager)
	entry := map[string]any{"name": "demo", "plugin": "Fake", "description": "Generated data",
		"enforce": []map[string]string{{"label": "team", "value": "{team}"}}}
	e.call("POST", "/shared-sources", entry, http.StatusCreated, &json.RawMessage{})
	e.wantError(request{method: "POST", path: "/shared-sources", body: entry}, http.StatusConflict, depc.ECONFLICT)
	// A plugin that cannot enforce labels cannot be shared.
	e.wantError(request{method: "POST", path: "/shared-sources", body: map[string]any{"name": "influx", "plugin": "InfluxDB",
		"configuration": map[string]any{"url": "http://127.0.0.1:8086", "database": "x"}}}, http.StatusBadRequest, depc.EINVALID, "plugin", "cannot be shared")
	e.wantError(request{method: "POST", path: "/shared-sources", body: map[string]any{"name": "bad", "plugin": "Fake",
		"enforce": []map[string]string{{"label": "__name__", "value": "x"}}}}, http.StatusBadRequest, depc.EINVALID, "enforce[0].label")
	// Only the admin sees the catalog.
	e.wantError(request{method: "GET", path: "/shared-sources", token: tok(mandy)}, http.StatusForbidden, depc.EFORBIDDEN)

	var g sharedGrant
	e.call("PUT", "/shared-sources/demo/grants/acme", map[string]any{"enforce": []map[string]string{{"label": "env", "value": "prod"}}}, http.StatusOK, &g)
	want := []depc.LabelMatcher{{Label: "team", Value: "acme"}, {Label: "env", Value: "prod"}}
	if g.Team != "acme" || len(g.Effective) != 2 || g.Effective[0] != want[0] || g.Effective[1] != want[1] {
		t.Errorf("grant = %+v, want effective %v", g, want)
	}
	var grants []sharedGrant
	e.call("GET", "/shared-sources/demo/grants", nil, http.StatusOK, &grants)
	if len(grants) != 1 || grants[0].Team != "acme" {
		t.Errorf("grants = %+v", grants)
	}
	var mine []struct {
		Name, Plugin, Description string
		Enforce                   []depc.LabelMatcher
	}
	mustJSON(t, e.do(request{method: "GET", path: "/teams/acme/shared-sources", token: tok(mandy)}), http.StatusOK, &mine)
	if len(mine) != 1 || mine[0].Name != "demo" || mine[0].Plugin != "Fake" || len(mine[0].Enforce) != 2 {
		t.Errorf("the team's shared sources = %+v", mine)
	}
	// The team uses it in checks, and cannot change, delete or forge a
	// grant.
	e.do(request{method: "POST", path: "/teams/acme/checks", token: tok(mandy), body: map[string]any{"name": "Shared Ping", "source": "demo", "type": "Threshold",
		"parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "20"}}})
	e.call("GET", "/teams/acme/checks/Shared%20Ping", nil, http.StatusOK, nil)
	e.wantError(request{method: "PUT", path: "/teams/acme/sources/demo", token: tok(mandy), body: map[string]any{"name": "demo", "plugin": "Fake"}}, http.StatusForbidden, depc.EFORBIDDEN, "admin")
	e.wantError(request{method: "DELETE", path: "/teams/acme/sources/demo", token: tok(mandy)}, http.StatusForbidden, depc.EFORBIDDEN)
	e.wantError(request{method: "POST", path: "/teams/acme/sources", token: tok(mandy), body: map[string]any{"name": "forged", "plugin": depc.PluginShared,
		"configuration": map[string]any{"source": "demo"}}}, http.StatusForbidden, depc.EFORBIDDEN)
	e.wantError(request{method: "PUT", path: "/teams/acme/sources/Fake", token: tok(mandy), body: map[string]any{"name": "Fake", "plugin": depc.PluginShared,
		"configuration": map[string]any{"source": "demo"}}}, http.StatusForbidden, depc.EFORBIDDEN)
	var report struct{ OK bool }
	mustJSON(t, e.do(request{method: "POST", path: "/teams/acme/sources/demo/test", token: tok(mandy)}), http.StatusOK, &report)
	if !report.OK {
		t.Errorf("testing the granted source: %+v", report)
	}
	// A grant in use stays; an entry granted stays.
	e.wantError(request{method: "DELETE", path: "/shared-sources/demo"}, http.StatusConflict, depc.ECONFLICT, "acme")
	e.wantError(request{method: "DELETE", path: "/shared-sources/demo/grants/acme"}, http.StatusConflict, depc.ECONFLICT)
	e.call("DELETE", "/teams/acme/checks/Shared%20Ping", nil, http.StatusNoContent, nil)
	e.call("DELETE", "/shared-sources/demo/grants/acme", nil, http.StatusNoContent, nil)
	e.call("DELETE", "/shared-sources/demo", nil, http.StatusNoContent, nil)
	// A team source of the entry's name that is the team's own is no grant.
	e.call("POST", "/shared-sources", map[string]any{"name": "Fake", "plugin": "Fake"}, http.StatusCreated, &json.RawMessage{})
	e.wantError(request{method: "PUT", path: "/shared-sources/Fake/grants/acme"}, http.StatusConflict, depc.ECONFLICT, "of its own")

	// The managers read the grants in their audit log.
	var audit []depc.AuditEntry
	mustJSON(t, e.do(request{method: "GET", path: "/teams/acme/audit", token: tok(mandy)}), http.StatusOK, &audit)
	found := false
	for _, a := range audit {
		found = found || (a.Action == "PUT /shared-sources/{shared}/grants/{team}" && a.Target == "/shared-sources/demo/grants/acme")
	}
	if !found {
		t.Errorf("the grant is not in the team's audit log: %+v", audit)
	}
}

// TestOwnSources: with own_sources "deny" a team's managers cannot create
// sources, the admin still can; the default allows.
func TestOwnSources(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, &json.RawMessage{})
	mandy := e.user("mandy", "acme", depc.RoleManager)
	src := func(name string) map[string]any { return map[string]any{"name": name, "plugin": "Fake"} }
	mustJSON(t, e.do(request{method: "POST", path: "/teams/acme/sources", token: tok(mandy), body: src("a")}), http.StatusCreated, &json.RawMessage{})
	e.call("PUT", "/teams/acme/limits", map[string]any{"own_sources": "deny"}, http.StatusOK, nil)
	e.wantError(request{method: "POST", path: "/teams/acme/sources", token: tok(mandy), body: src("b")}, http.StatusForbidden, depc.EFORBIDDEN, "own_sources")
	// What the team has cannot be pointed elsewhere, nor an unsaved
	// configuration tested: either would read any database unrestricted.
	e.wantError(request{method: "PUT", path: "/teams/acme/sources/a", token: tok(mandy), body: src("a")}, http.StatusForbidden, depc.EFORBIDDEN, "own_sources")
	e.wantError(request{method: "POST", path: "/teams/acme/sources/test", token: tok(mandy), body: src("t")}, http.StatusForbidden, depc.EFORBIDDEN, "own_sources")
	// It can still test what it has, and delete it.
	mustJSON(t, e.do(request{method: "POST", path: "/teams/acme/sources/a/test", token: tok(mandy)}), http.StatusOK, &json.RawMessage{})
	e.call("POST", "/teams/acme/sources", src("d"), http.StatusCreated, &json.RawMessage{})
	if r := e.do(request{method: "DELETE", path: "/teams/acme/sources/d", token: tok(mandy)}); r.Status != http.StatusNoContent {
		t.Errorf("deleting an own source under deny: %d %s", r.Status, r.Body)
	}
	e.call("POST", "/teams/acme/sources", src("c"), http.StatusCreated, &json.RawMessage{})
	e.wantError(request{method: "PUT", path: "/teams/acme/limits", body: map[string]any{"own_sources": "maybe"}}, http.StatusBadRequest, depc.EINVALID, "own_sources")
	e.call("PUT", "/teams/acme/limits", map[string]any{"own_sources": "allow"}, http.StatusOK, nil)
	mustJSON(t, e.do(request{method: "POST", path: "/teams/acme/sources", token: tok(mandy), body: src("b")}), http.StatusCreated, &json.RawMessage{})
}

// TestSharedSourceSeparation runs two teams' checks through one shared
// Prometheus, the real one of deploy/dev, whose fixture holds node filer2's
// probe_rtt_ms twice: probe="a" (KO [D+7200, D+7320)) and probe="b" (KO
// [D+7260, D+7500)). The entry enforces probe="{team}", so team "a" reads
// only the first series and team "b" only the second, whatever their
// queries say; a query naming the other's series is refused. The same runs
// against deploy/dev's VictoriaMetrics, loaded with the same fixture.
func TestSharedSourceSeparation(t *testing.T) {
	for _, srv := range []struct{ name, env string }{{"Prometheus", testenv.PrometheusURL}, {"VictoriaMetrics", testenv.VictoriaMetricsURL}} {
		t.Run(srv.name, func(t *testing.T) { sharedSeparation(t, testenv.RequireService(t, srv.env)) })
	}
}

func sharedSeparation(t *testing.T, url string) {
	e := newEnv(t)
	e.call("POST", "/shared-sources", map[string]any{"name": "prom", "plugin": "Prometheus",
		"configuration": map[string]any{"url": url}, "enforce": []map[string]string{{"label": "probe", "value": "{team}"}}}, http.StatusCreated, &json.RawMessage{})
	const d = 1748822400
	for _, tc := range []struct {
		team   string
		koFrom int64
		koTo   int64
	}{{"a", d + 7200, d + 7320}, {"b", d + 7260, d + 7500}} {
		e.call("POST", "/teams", map[string]any{"name": tc.team}, http.StatusCreated, &json.RawMessage{})
		tokn := e.user("m-"+tc.team, tc.team, depc.RoleManager)
		e.call("PUT", "/shared-sources/prom/grants/"+tc.team, nil, http.StatusOK, nil)
		other := map[string]string{"a": "b", "b": "a"}[tc.team]
		// Naming the other team's series is refused when saved.
		for _, q := range []string{`probe_rtt_ms{probe="` + other + `"}`, `probe_rtt_ms{probe=~".+"}`, `probe_rtt_ms{probe!="` + tc.team + `"}`} {
			e.wantError(request{method: "POST", path: "/teams/" + tc.team + "/checks", token: tok(tokn), body: map[string]any{"name": "x", "source": "prom",
				"type": "Threshold", "parameters": map[string]any{"query": q, "threshold": "20"}}}, http.StatusBadRequest, depc.EINVALID, "parameters.query")
		}
		for i, q := range []string{`probe_rtt_ms`, `{__name__=~".+"}`, `max by (name) (probe_rtt_ms{probe="` + tc.team + `"})`} {
			check := "c" + string(rune('0'+i))
			mustJSON(t, e.do(request{method: "POST", path: "/teams/" + tc.team + "/checks", token: tok(tokn), body: map[string]any{"name": check, "source": "prom",
				"type": "Threshold", "parameters": map[string]any{"query": q, "threshold": "20"}}}), http.StatusCreated, &json.RawMessage{})
			mustJSON(t, e.do(request{method: "POST", path: "/teams/" + tc.team + "/rules", token: tok(tokn), body: map[string]any{"name": "r" + check, "checks": []string{check}}}), http.StatusCreated, &json.RawMessage{})
			var out struct {
				KO       int64 `json:"ko"`
				Downtime []struct{ From, To int64 }
				Checks   []struct {
					Series int
					Error  *string
					Points []struct{ Name string }
				}
			}
			mustJSON(t, e.do(request{method: "POST", path: "/teams/" + tc.team + "/rules/r" + check + "/execute", token: tok(tokn),
				body: map[string]any{"name": "filer2", "start": d, "end": d + 86400}}), http.StatusOK, &out)
			ce := out.Checks[0]
			if ce.Error != nil || ce.Series != 1 {
				t.Fatalf("team %s, %s: %d series, error %v; want its one series", tc.team, q, ce.Series, ce.Error)
			}
			if name := ce.Points[0].Name; i < 2 && !strings.Contains(name, `probe="`+tc.team+`"`) {
				t.Errorf("team %s, %s: read series %s", tc.team, q, name)
			}
			if out.KO != tc.koTo-tc.koFrom || len(out.Downtime) != 1 || out.Downtime[0].From != tc.koFrom || out.Downtime[0].To != tc.koTo {
				t.Errorf("team %s, %s: KO %d s %v, want [%d, %d) of its own series", tc.team, q, out.KO, out.Downtime, tc.koFrom-d, tc.koTo-d)
			}
		}
	}
	// Another team granted the source has no series of probe at all: it
	// reads nothing, not the others'.
	e.call("POST", "/teams", map[string]any{"name": "c"}, http.StatusCreated, &json.RawMessage{})
	e.call("PUT", "/shared-sources/prom/grants/c", nil, http.StatusOK, nil)
	e.call("POST", "/teams/c/checks", map[string]any{"name": "all", "source": "prom", "type": "Threshold",
		"parameters": map[string]any{"query": `{__name__=~".+"}`, "threshold": "20"}}, http.StatusCreated, &json.RawMessage{})
	e.call("POST", "/teams/c/rules", map[string]any{"name": "all", "checks": []string{"all"}}, http.StatusCreated, &json.RawMessage{})
	for _, node := range []string{"filer1", "filer2", "filer5"} {
		var out struct{ Checks []struct{ Series int } }
		e.call("POST", "/teams/c/rules/all/execute", map[string]any{"name": node, "start": d, "end": d + 86400}, http.StatusOK, &out)
		if out.Checks[0].Series != 0 {
			t.Errorf("team c read %d series of %s", out.Checks[0].Series, node)
		}
	}
	// The catalog's answer masks nothing it has not, and its grants list
	// every team.
	var grants []sharedGrant
	e.call("GET", "/shared-sources/prom/grants", nil, http.StatusOK, &grants)
	if b, _ := json.Marshal(grants); len(grants) != 3 || grants[0].Effective[0].Value != "a" {
		t.Errorf("grants: %s", b)
	}
}
