package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
)

// TestSourceSecrets: secrets of a source never leave the server; a PUT
// that sends the mask back keeps them, a new value replaces them.
func TestSourceSecrets(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	src := map[string]any{"name": "prom", "plugin": "Prometheus", "configuration": map[string]any{
		"url":          "http://127.0.0.1:9090",
		"bearer_token": "s3cret-token",
		"headers":      map[string]any{"X-Scope-OrgID": "tenant-key"},
		"timeout":      "30s",
	}}
	secrets := []string{"s3cret-token", "hunter2", "tenant-key"}
	noSecret := func(what string, r response) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(string(r.Body), s) {
				t.Errorf("%s shows the secret %q: %s", what, s, r.Body)
			}
		}
		if !strings.Contains(string(r.Body), api.SecretMask) {
			t.Errorf("%s shows no mask: %s", what, r.Body)
		}
	}
	noSecret("POST", e.call("POST", "/teams/acme/sources", src, http.StatusCreated, nil))
	basic := map[string]any{"name": "prom-basic", "plugin": "Prometheus", "configuration": map[string]any{
		"url": "http://127.0.0.1:9090", "basic_auth": map[string]any{"username": "bob", "password": "hunter2"},
	}}
	noSecret("POST", e.call("POST", "/teams/acme/sources", basic, http.StatusCreated, nil))
	noSecret("GET", e.call("GET", "/teams/acme/sources/prom", nil, http.StatusOK, nil))
	noSecret("GET list", e.call("GET", "/teams/acme/sources", nil, http.StatusOK, nil))

	var shown struct {
		Configuration struct {
			URL         string            `json:"url"`
			BearerToken string            `json:"bearer_token"`
			BasicAuth   map[string]string `json:"basic_auth"`
			Headers     map[string]string `json:"headers"`
			Timeout     string            `json:"timeout"`
		} `json:"configuration"`
	}
	e.call("GET", "/teams/acme/sources/prom", nil, http.StatusOK, &shown)
	c := shown.Configuration
	if c.URL != "http://127.0.0.1:9090" || c.Timeout != "30s" || c.BearerToken != api.SecretMask || c.Headers["X-Scope-OrgID"] != api.SecretMask {
		t.Errorf("what is not secret must show, the secrets masked: %+v", c)
	}
	e.call("GET", "/teams/acme/sources/prom-basic", nil, http.StatusOK, &shown)
	if c := shown.Configuration; c.BasicAuth["username"] != "bob" || c.BasicAuth["password"] != api.SecretMask {
		t.Errorf("basic_auth: %+v, want the user shown and the password masked", c.BasicAuth)
	}

	stored := func(name string) map[string]any {
		t.Helper()
		sc, err := e.state.Source(e.ctx, "acme", name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Configuration, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	// Send back what was read, with a new timeout: the secrets stay. (With
	// a new URL they would not: TestMaskDoesNotFollowANewURL.)
	var back map[string]any
	e.call("GET", "/teams/acme/sources/prom", nil, http.StatusOK, &back)
	back["configuration"].(map[string]any)["timeout"] = "45s"
	noSecret("PUT", e.call("PUT", "/teams/acme/sources/prom", back, http.StatusOK, nil))
	m := stored("prom")
	if m["timeout"] != "45s" || m["bearer_token"] != "s3cret-token" || m["headers"].(map[string]any)["X-Scope-OrgID"] != "tenant-key" {
		t.Errorf("after a PUT of the masked source, stored: %v", m)
	}
	var backBasic map[string]any
	e.call("GET", "/teams/acme/sources/prom-basic", nil, http.StatusOK, &backBasic)
	backBasic["configuration"].(map[string]any)["basic_auth"].(map[string]any)["username"] = "alice"
	e.call("PUT", "/teams/acme/sources/prom-basic", backBasic, http.StatusOK, nil)
	if ba := stored("prom-basic")["basic_auth"].(map[string]any); ba["username"] != "alice" || ba["password"] != "hunter2" {
		t.Errorf("after a PUT of the masked basic_auth, stored: %v", ba)
	}

	// A new value replaces a secret; a dropped one is gone.
	conf := back["configuration"].(map[string]any)
	conf["bearer_token"] = "new-token"
	delete(conf, "headers")
	e.call("PUT", "/teams/acme/sources/prom", back, http.StatusOK, nil)
	m = stored("prom")
	if m["bearer_token"] != "new-token" || m["headers"] != nil {
		t.Errorf("after a PUT with a new token: %v", m)
	}

	// The mask for a secret that is not stored, or on create, is refused.
	conf["headers"] = map[string]any{"X-New": api.SecretMask}
	e.wantError(request{method: "PUT", path: "/teams/acme/sources/prom", body: back}, http.StatusBadRequest, depc.EINVALID, "configuration.headers.X-New", "mask")
	e.wantError(request{method: "POST", path: "/teams/acme/sources", body: map[string]any{"name": "prom2", "plugin": "Prometheus",
		"configuration": map[string]any{"url": "http://127.0.0.1:9090", "bearer_token": api.SecretMask}}},
		http.StatusBadRequest, depc.EINVALID, "configuration.bearer_token")
}

// TestCatalogErrors: sources, checks and rules refuse what is invalid with
// the field named, a name taken, and deletions of what is used.
func TestCatalogErrors(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	const team = "/teams/acme"
	type errCase struct {
		method, path string
		body         any
		status       int
		code         string
		texts        []string
	}
	cases := []errCase{
		// Sources.
		{"POST", team + "/sources", map[string]any{"name": "x", "plugin": "Graphite"}, 400, depc.EINVALID, []string{"plugin"}},
		{"POST", team + "/sources", map[string]any{"name": "x", "plugin": "Prometheus", "configuration": map[string]any{}}, 400, depc.EINVALID, []string{"configuration.url"}},
		{"POST", team + "/sources", map[string]any{"name": "x", "plugin": "Prometheus", "configuration": map[string]any{"url": "ftp://h"}}, 400, depc.EINVALID, []string{"configuration.url"}},
		{"POST", team + "/sources", map[string]any{"name": "x", "plugin": "Prometheus", "configuration": map[string]any{"url": "http://h", "tls": true}}, 400, depc.EINVALID, []string{"tls"}},
		{"POST", team + "/sources", map[string]any{"name": "x", "plugin": "Fake", "configuration": map[string]any{"seed": 1}}, 400, depc.EINVALID, []string{"configuration.seed"}},
		{"POST", team + "/sources", map[string]any{"name": " x", "plugin": "Fake"}, 400, depc.EINVALID, []string{"name"}},
		{"POST", team + "/sources", map[string]any{"name": "x", "plugin": "Fake", "colour": "red"}, 400, depc.EINVALID, []string{"colour"}},
		{"POST", team + "/sources", map[string]any{"name": "Fake", "plugin": "Fake"}, 409, depc.ECONFLICT, []string{"Fake"}},
		{"GET", team + "/sources/nope", nil, 404, depc.ENOTFOUND, []string{"nope"}},
		{"PUT", team + "/sources/nope", map[string]any{"plugin": "Fake"}, 404, depc.ENOTFOUND, []string{"nope"}},
		{"PUT", team + "/sources/Fake", map[string]any{"name": "Other", "plugin": "Fake"}, 400, depc.EINVALID, []string{"name", "renaming"}},
		{"DELETE", team + "/sources/nope", nil, 404, depc.ENOTFOUND, []string{"nope"}},
		{"DELETE", team + "/sources/Fake", nil, 409, depc.ECONFLICT, []string{"Server Ping"}},
		// Checks.
		{"POST", team + "/checks", map[string]any{"name": "c", "source": "Fake", "type": "Threshold", "parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "abc"}}, 400, depc.EINVALID, []string{"parameters.threshold"}},
		{"POST", team + "/checks", map[string]any{"name": "c", "source": "Fake", "type": "Interval", "parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "300:200"}}, 400, depc.EINVALID, []string{"parameters.threshold"}},
		{"POST", team + "/checks", map[string]any{"name": "c", "source": "Fake", "type": "Range", "parameters": map[string]any{"query": "q", "threshold": "1"}}, 400, depc.EINVALID, []string{"type"}},
		{"POST", team + "/checks", map[string]any{"name": "c", "source": "Fake", "type": "Threshold", "parameters": map[string]any{"query": "depc.unknown", "threshold": "1"}}, 400, depc.EINVALID, []string{"query"}},
		{"POST", team + "/checks", map[string]any{"name": "c", "source": "nope", "type": "Threshold", "parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "1"}}, 400, depc.EINVALID, []string{"source", "nope"}},
		{"POST", team + "/checks", map[string]any{"name": "c", "source": "Fake", "type": "Threshold", "parameters": map[string]any{"query": "", "threshold": "1"}}, 400, depc.EINVALID, []string{"parameters.query"}},
		{"POST", team + "/checks", map[string]any{"name": "c", "source": "Fake", "type": "Threshold", "parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "1", "step": -1}}, 400, depc.EINVALID, []string{"parameters.step"}},
		{"POST", team + "/checks", map[string]any{"name": "c", "source": "Fake", "type": "Threshold", "parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": 20}}, 400, depc.EINVALID, []string{"threshold"}},
		{"POST", team + "/checks", map[string]any{"name": "Server Ping", "source": "Fake", "type": "Threshold", "parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "1"}}, 409, depc.ECONFLICT, []string{"Server Ping"}},
		{"GET", team + "/checks/nope", nil, 404, depc.ENOTFOUND, []string{"nope"}},
		{"PUT", team + "/checks/nope", map[string]any{"source": "Fake", "type": "Threshold", "parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "1"}}, 404, depc.ENOTFOUND, []string{"nope"}},
		{"DELETE", team + "/checks/Server%20Ping", nil, 409, depc.ECONFLICT, []string{"Servers"}},
		// Rules.
		{"POST", team + "/rules", map[string]any{"name": "r", "checks": []string{"nope"}}, 400, depc.EINVALID, []string{"checks[0]", "nope"}},
		{"POST", team + "/rules", map[string]any{"name": "r", "checks": []string{"Server Ping", "Server Ping"}}, 400, depc.EINVALID, []string{"checks[1]"}},
		{"POST", team + "/rules", map[string]any{"name": "r", "checks": []string{}}, 400, depc.EINVALID, []string{"checks"}},
		{"POST", team + "/rules", map[string]any{"name": "r", "checks": "Server Ping"}, 400, depc.EINVALID, []string{"checks"}},
		{"POST", team + "/rules", map[string]any{"name": "Servers", "checks": []string{"Server Ping"}}, 409, depc.ECONFLICT, []string{"Servers"}},
		{"GET", team + "/rules/nope", nil, 404, depc.ENOTFOUND, []string{"nope"}},
		{"DELETE", team + "/rules/nope", nil, 404, depc.ENOTFOUND, []string{"nope"}},
		{"DELETE", team + "/rules/Servers", nil, 409, depc.ECONFLICT, []string{"Servers"}},
		{"POST", team + "/rules/nope/execute", map[string]any{"name": "filer1", "start": tutorialStart, "end": tutorialStart + 86400}, 404, depc.ENOTFOUND, []string{"nope"}},
		{"POST", team + "/rules/Servers/execute", map[string]any{"name": "filer 1", "start": tutorialStart, "end": tutorialStart + 86400}, 400, depc.EINVALID, []string{"name"}},
		{"POST", team + "/rules/Servers/execute", map[string]any{"name": "filer1", "start": tutorialStart}, 400, depc.EINVALID, []string{"end"}},
		{"POST", team + "/rules/Servers/execute", map[string]any{"name": "filer1", "start": tutorialStart, "end": tutorialStart}, 400, depc.EINVALID, []string{"end"}},
		{"POST", team + "/rules/Servers/execute", map[string]any{"name": "filer1", "start": tutorialStart, "end": tutorialStart + 40*86400}, 400, depc.EINVALID, []string{"end"}},
	}
	for _, c := range cases {
		e.wantError(request{method: c.method, path: c.path, body: c.body}, c.status, c.code, c.texts...)
	}

	// What succeeds: a PUT of a check, a rule, then deleting what is no
	// longer used.
	e.call("POST", team+"/checks", map[string]any{"name": "Oco", "source": "Fake", "type": "Threshold",
		"parameters": map[string]any{"query": "depc.tutorial.oco", "threshold": "200"}}, http.StatusCreated, nil)
	var rule depc.Rule
	e.call("PUT", team+"/rules/Servers", map[string]any{"checks": []string{"Oco", "Server Ping"}}, http.StatusOK, &rule)
	if rule.Name != "Servers" || len(rule.Checks) != 2 {
		t.Errorf("PUT rule: %+v", rule)
	}
	e.wantError(request{method: "DELETE", path: team + "/checks/Oco"}, http.StatusConflict, depc.ECONFLICT)
	e.call("PUT", team+"/rules/Servers", map[string]any{"name": "Servers", "checks": []string{"Server Ping"}}, http.StatusOK, nil)
	e.call("DELETE", team+"/checks/Oco", nil, http.StatusNoContent, nil)
	e.wantError(request{method: "GET", path: team + "/checks/Oco"}, http.StatusNotFound, depc.ENOTFOUND)
	var checks []depc.Check
	e.call("GET", team+"/checks", nil, http.StatusOK, &checks)
	if len(checks) != 1 || checks[0].Name != "Server Ping" || checks[0].Parameters.Threshold != "20" {
		t.Errorf("checks: %+v", checks)
	}
}

// TestExecuteRule evaluates the tutorial's rule for filer1 on the
// tutorial day, against the Fake data.
func TestExecuteRule(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	var out struct {
		QoS      *float64 `json:"qos"`
		OK       int64    `json:"ok"`
		KO       int64    `json:"ko"`
		Unknown  int64    `json:"unknown"`
		Downtime []struct{ From, To int64 }
		Checks   []struct {
			Name   string   `json:"name"`
			QoS    *float64 `json:"qos"`
			Series int      `json:"series"`
			Error  *string  `json:"error"`
		} `json:"checks"`
	}
	e.call("POST", "/teams/acme/rules/Servers/execute", map[string]any{"name": "filer1", "start": tutorialStart, "end": tutorialStart + 86400}, http.StatusOK, &out)
	want, ko := expectedPingQoS(t, "filer1")
	if out.QoS == nil || *out.QoS != round3(want) || out.KO != int64(60*len(ko)) || out.OK+out.KO+out.Unknown != 86400 {
		t.Errorf("filer1: qos %v ok %d ko %d unknown %d, want qos %v ko %d", out.QoS, out.OK, out.KO, out.Unknown, round3(want), 60*len(ko))
	}
	if len(out.Checks) != 1 || out.Checks[0].Name != "Server Ping" || out.Checks[0].Series != 1 || out.Checks[0].Error != nil {
		t.Errorf("checks: %+v", out.Checks)
	}
}

// TestConfig: PUT errors name the label; versions are kept, newest first;
// a restore makes a new version, validated again.
func TestConfig(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	e.wantError(request{method: "GET", path: "/teams/acme/config"}, http.StatusNotFound, depc.ENOTFOUND)
	e.call("POST", "/teams/acme/sources", map[string]any{"name": "Fake", "plugin": "Fake"}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/checks", map[string]any{"name": "Ping", "source": "Fake", "type": "Threshold",
		"parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "20"}}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/rules", map[string]any{"name": "Servers", "checks": []string{"Ping"}}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/rules", map[string]any{"name": "Other Rule", "checks": []string{"Ping"}}, http.StatusCreated, nil)

	bad := []struct {
		body  string
		texts []string
	}{
		{`{"Filer": {"qos": "rule.Nope"}}`, []string{"Filer", "Nope"}},
		{`{"Website": {"qos": "operation.AND[Filer, Apache]"}, "Filer": {"qos": "rule.Servers"}}`, []string{"Website", "Apache"}},
		{`{"A": {"qos": "operation.AND[B]"}, "B": {"qos": "operation.OR[A]"}}`, []string{"A", "cycle"}},
		{`{"Filer": {"qos": "rule.Servers"}, "Site": {"qos": "aggregation.AVERAGE[Filer]"}, "Offer": {"qos": "operation.AND[Site]"}}`, []string{"Offer", "Site"}},
		{`{"Filer": {"qos": "rule.Servers", "colour": "red"}}`, []string{"Filer", "colour"}},
		{`{"Filer": {"qos": "rule.Servers", "label": {"average.include": []}}}`, []string{"Filer", "average.include"}},
		{`{"Filer": {"qos": "operation.XOR[A]"}}`, []string{"Filer"}},
		{`{"Filer": {"qos": "operation.RATIO(1.5)[A]"}}`, []string{"Filer"}},
		{`{"filer": {"qos": "rule.Servers"}}`, []string{"filer"}},
		{`{"Filer": {}}`, []string{"Filer", "qos"}},
		{`{}`, []string{"no label"}},
		{`[]`, []string{"object"}},
		{`{"Filer": {"qos": "rule.Servers"}`, []string{"JSON"}},
		{``, nil},
	}
	for _, b := range bad {
		e.wantError(request{method: "PUT", path: "/teams/acme/config", body: b.body}, http.StatusBadRequest, depc.EINVALID, b.texts...)
	}

	type version struct {
		ID        int64           `json:"id"`
		CreatedAt int64           `json:"created_at"`
		Config    json.RawMessage `json:"config"`
	}
	var v1, v2, v3, cur version
	e.call("PUT", "/teams/acme/config", `{"Filer": {"qos": "rule.Servers"}}`, http.StatusOK, &v1)
	e.call("PUT", "/teams/acme/config", `{"Filer": {"qos": "rule.'Other Rule'"}, "Site": {"qos": "aggregation.AVERAGE[Filer]", "label": {"average.exclude": ["f2"]}}}`, http.StatusOK, &v2)
	if v1.ID < 1 || v2.ID <= v1.ID || v2.CreatedAt == 0 {
		t.Errorf("versions: %d then %d", v1.ID, v2.ID)
	}
	var doc map[string]map[string]any
	if err := json.Unmarshal(v2.Config, &doc); err != nil || doc["Site"]["label"] == nil || doc["Filer"]["qos"] == nil {
		t.Errorf("saved config: %s (%v)", v2.Config, err)
	}
	e.call("GET", "/teams/acme/config", nil, http.StatusOK, &cur)
	if cur.ID != v2.ID {
		t.Errorf("current: %d, want %d", cur.ID, v2.ID)
	}
	var all []version
	e.call("GET", "/teams/acme/configs", nil, http.StatusOK, &all)
	if len(all) != 2 || all[0].ID != v2.ID || all[1].ID != v1.ID {
		t.Errorf("configs: %+v, want v2 then v1", all)
	}

	// Restore v1: a new version with v1's content.
	e.call("POST", "/teams/acme/configs/"+itoa(v1.ID)+"/restore", nil, http.StatusOK, &v3)
	if v3.ID <= v2.ID || string(v3.Config) != string(v1.Config) {
		t.Errorf("restore: %+v, want a new id with %s", v3, v1.Config)
	}
	e.call("GET", "/teams/acme/config", nil, http.StatusOK, &cur)
	if cur.ID != v3.ID {
		t.Errorf("current after restore: %d, want %d", cur.ID, v3.ID)
	}
	// The rule of v2 is no longer used: delete it; v2 then no longer
	// validates.
	e.call("DELETE", "/teams/acme/rules/Other%20Rule", nil, http.StatusNoContent, nil)
	e.wantError(request{method: "POST", path: "/teams/acme/configs/" + itoa(v2.ID) + "/restore"}, http.StatusBadRequest, depc.EINVALID, "Filer", "Other Rule")
	e.wantError(request{method: "POST", path: "/teams/acme/configs/999/restore"}, http.StatusNotFound, depc.ENOTFOUND)
	e.wantError(request{method: "POST", path: "/teams/acme/configs/abc/restore"}, http.StatusBadRequest, depc.EINVALID, "id")
	// The rule of the current config cannot go.
	e.wantError(request{method: "DELETE", path: "/teams/acme/rules/Servers"}, http.StatusConflict, depc.ECONFLICT)
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// A check's missing-data policy is saved and read back; an unknown one is
// refused naming the field.
func TestCheckMissingPolicy(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	var c depc.Check
	e.call("POST", "/teams/acme/checks", map[string]any{"name": "Down when silent", "source": "Fake", "type": "Threshold",
		"parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "20", "missing": "ko"}}, http.StatusCreated, &c)
	if c.Parameters.Missing != depc.MissingKO {
		t.Errorf("created check: %+v", c)
	}
	e.call("GET", "/teams/acme/checks/Down%20when%20silent", nil, http.StatusOK, &c)
	if c.Parameters.Missing != depc.MissingKO {
		t.Errorf("read check: %+v", c)
	}
	e.wantError(request{method: "POST", path: "/teams/acme/checks", body: map[string]any{"name": "Bad", "source": "Fake", "type": "Threshold",
		"parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "20", "missing": "down"}}},
		http.StatusBadRequest, depc.EINVALID, "parameters.missing")
}
