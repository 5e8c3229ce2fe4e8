package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestVariables: variable sets by scope; a check is rendered and validated
// when saved, when a rule takes it and when a set it uses changes; an
// unknown variable is 400 naming the field and the variable.
func TestVariables(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/sources", map[string]any{"name": "prom", "plugin": "Prometheus",
		"configuration": map[string]any{"url": "http://127.0.0.1:9090"}}, http.StatusCreated, nil)
	check := func(name, query string) map[string]any {
		return map[string]any{"name": name, "source": "prom", "type": "Threshold",
			"parameters": map[string]any{"query": query, "threshold": "20"}}
	}
	wantErr := func(r response, parts ...string) {
		t.Helper()
		for _, p := range parts {
			if !strings.Contains(string(r.Body), p) {
				t.Errorf("error %s does not contain %q", r.Body, p)
			}
		}
	}
	// Unknown variables, tags and filters, depc.name on a source that
	// selects nodes itself.
	wantErr(e.call("POST", "/teams/acme/checks", check("RTT", `{{ depc.team.metric }}`), http.StatusBadRequest, nil), "parameters.query", "unknown variable depc.team.metric")
	wantErr(e.call("POST", "/teams/acme/checks", check("RTT", `{{ if depc.team.metric }}x{{ end }}`), http.StatusBadRequest, nil), "parameters.query", "only variables")
	wantErr(e.call("POST", "/teams/acme/checks", check("RTT", `{{ depc.team.metric | exec }}`), http.StatusBadRequest, nil), "parameters.query")
	wantErr(e.call("POST", "/teams/acme/checks", check("RTT", `x{name="{{ depc.name }}"}`), http.StatusBadRequest, nil), "parameters.query", "depc.name")

	e.call("PUT", "/teams/acme/variables/team", map[string]any{"variables": map[string]string{"metric": "probe_rtt_ms"}}, http.StatusOK, nil)
	wantErr(e.call("PUT", "/teams/acme/variables/team", map[string]any{"variables": map[string]string{"a-b": "x"}}, http.StatusBadRequest, nil), "variables.a-b")
	e.call("POST", "/teams/acme/checks", check("RTT", `max_over_time({{ depc.team.metric }}[{{ depc.check.range | default "5m" }}])`), http.StatusBadRequest, nil)
	e.call("POST", "/teams/acme/checks", check("RTT", `{{ depc.team.metric }}`), http.StatusCreated, nil)
	e.call("PUT", "/teams/acme/checks/RTT/variables", map[string]any{"variables": map[string]string{"range": "10m"}}, http.StatusOK, nil)
	// Rendered, then parsed by the source: a value that breaks the query
	// is refused with the rendering shown.
	e.call("PUT", "/teams/acme/checks/RTT", check("RTT", `max_over_time({{ depc.team.metric }}[{{ depc.check.range }}])`), http.StatusOK, nil)
	wantErr(e.call("PUT", "/teams/acme/checks/RTT/variables", map[string]any{"variables": map[string]string{"range": "10m]) or vector(1"}}, http.StatusBadRequest, nil), "variables: check", "RTT")
	// A set a check uses cannot lose the variable.
	wantErr(e.call("PUT", "/teams/acme/variables/team", map[string]any{"variables": map[string]string{}}, http.StatusBadRequest, nil), "variables: check \\\"RTT\\\"", "unknown variable depc.team.metric")

	// Rule variables: a check may use them before a rule takes it; the
	// rule's set is checked when set and when the rule changes.
	e.call("POST", "/teams/acme/checks", check("Avg", `{{ depc.rule.agg }} by (name) ({{ depc.team.metric }})`), http.StatusCreated, nil)
	e.call("POST", "/teams/acme/rules", map[string]any{"name": "Probe", "checks": []string{"RTT", "Avg"}}, http.StatusCreated, nil)
	wantErr(e.call("PUT", "/teams/acme/rules/Probe", map[string]any{"name": "Probe", "checks": []string{"RTT", "Avg"}}, http.StatusBadRequest, nil), "checks[1]", "unknown variable depc.rule.agg")
	wantErr(e.call("PUT", "/teams/acme/rules/Probe/variables", map[string]any{"variables": map[string]string{"agg": "not a function"}}, http.StatusBadRequest, nil), "Avg")
	e.call("PUT", "/teams/acme/rules/Probe/variables", map[string]any{"variables": map[string]string{"agg": "avg"}}, http.StatusOK, nil)
	e.call("PUT", "/teams/acme/rules/Probe", map[string]any{"name": "Probe", "checks": []string{"RTT", "Avg"}}, http.StatusOK, nil)

	var one struct{ Variables map[string]string }
	e.call("GET", "/teams/acme/rules/Probe/variables", nil, http.StatusOK, &one)
	if one.Variables["agg"] != "avg" {
		t.Errorf("rule variables: %v", one.Variables)
	}
	e.call("GET", "/teams/acme/sources/nope/variables", nil, http.StatusNotFound, nil)
	e.call("PUT", "/teams/acme/checks/nope/variables", map[string]any{"variables": map[string]string{}}, http.StatusNotFound, nil)
	var all []struct {
		Scope, Owner string
		Variables    map[string]string
	}
	e.call("GET", "/teams/acme/variables", nil, http.StatusOK, &all)
	if len(all) != 3 || all[0].Scope != "team" || all[1].Scope != "rule" || all[2].Owner != "RTT" {
		t.Errorf("variables: %+v", all)
	}
}
