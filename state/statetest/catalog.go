package statetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// RunCatalog runs the tests of depc.CatalogStore against the stores open
// returns (see Run).
func RunCatalog[S Catalog](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Catalog { return open(t) }, []subtest[Catalog]{
		{name: "Sources", fn: testSources},
		{name: "Checks", fn: testChecks},
		{name: "Rules", fn: testRules},
		{name: "Configs", fn: testConfigs},
		{name: "UnknownTeam", fn: testCatalogUnknownTeam},
		{name: "TeamIsolation", fn: testCatalogTeamIsolation},
	})
}

func testSources(t *testing.T, s Catalog) {
	createTeam(t, s, "acme")
	prom := depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus, Configuration: json.RawMessage(`{"url": "http://127.0.0.1:9090"}`)}
	equal(t, "CreateSource", get(s.CreateSource(ctx, "acme", prom)).must(t), prom)
	fake := get(s.CreateSource(ctx, "acme", depc.SourceConfig{Name: "Demo data", Plugin: depc.PluginFake})).must(t)
	equal(t, "nil configuration", fake, depc.SourceConfig{Name: "Demo data", Plugin: depc.PluginFake, Configuration: json.RawMessage(`{}`)})

	for _, tt := range []struct {
		src  depc.SourceConfig
		code string
	}{
		{prom, depc.ECONFLICT},
		{depc.SourceConfig{Name: "", Plugin: "Fake"}, depc.EINVALID},
		{depc.SourceConfig{Name: " x", Plugin: "Fake"}, depc.EINVALID},
		{depc.SourceConfig{Name: "x\ty", Plugin: "Fake"}, depc.EINVALID},
		{depc.SourceConfig{Name: strings.Repeat("x", depc.MaxResourceNameLen+1), Plugin: "Fake"}, depc.EINVALID},
		{depc.SourceConfig{Name: "x", Plugin: ""}, depc.EINVALID},
		{depc.SourceConfig{Name: "x", Plugin: "Fake", Configuration: json.RawMessage(`[1]`)}, depc.EINVALID},
		{depc.SourceConfig{Name: "x", Plugin: "Fake", Configuration: json.RawMessage(`{"a":`)}, depc.EINVALID},
		{depc.SourceConfig{Name: "x", Plugin: "Fake", Configuration: json.RawMessage(`"s"`)}, depc.EINVALID},
	} {
		_, err := s.CreateSource(ctx, "acme", tt.src)
		wantCode(t, err, tt.code, fmt.Sprintf("CreateSource(%+v)", tt.src))
	}

	equal(t, "Source(prom)", get(s.Source(ctx, "acme", "prom")).must(t), prom)
	_, err := s.Source(ctx, "acme", "nope")
	wantCode(t, err, depc.ENOTFOUND, "Source(nope)")
	equal(t, "Sources", get(s.Sources(ctx, "acme")).must(t), []depc.SourceConfig{fake, prom})

	prom2 := depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus, Configuration: json.RawMessage(`{"url":"http://10.0.0.1:9090"}`)}
	equal(t, "UpdateSource", get(s.UpdateSource(ctx, "acme", prom2)).must(t), prom2)
	equal(t, "Source after update", get(s.Source(ctx, "acme", "prom")).must(t), prom2)
	_, err = s.UpdateSource(ctx, "acme", depc.SourceConfig{Name: "nope", Plugin: "Fake"})
	wantCode(t, err, depc.ENOTFOUND, "UpdateSource(nope)")
	_, err = s.UpdateSource(ctx, "acme", depc.SourceConfig{Name: "prom", Plugin: ""})
	wantCode(t, err, depc.EINVALID, "UpdateSource(no plugin)")

	// In use by a check: 409 until the check is gone.
	get(s.CreateCheck(ctx, "acme", check("Ping", "prom"))).must(t)
	wantCode(t, s.DeleteSource(ctx, "acme", "prom"), depc.ECONFLICT, "DeleteSource(used)")
	mustDo(t, s.DeleteCheck(ctx, "acme", "Ping"))
	mustDo(t, s.DeleteSource(ctx, "acme", "prom"))
	wantCode(t, s.DeleteSource(ctx, "acme", "prom"), depc.ENOTFOUND, "DeleteSource(deleted)")
	equal(t, "Sources after delete", get(s.Sources(ctx, "acme")).must(t), []depc.SourceConfig{fake})
}

func testChecks(t *testing.T, s Catalog) {
	createTeam(t, s, "acme")
	get(s.CreateSource(ctx, "acme", depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus})).must(t)
	get(s.CreateSource(ctx, "acme", depc.SourceConfig{Name: "fake", Plugin: depc.PluginFake})).must(t)
	ping := depc.Check{Name: "Server Ping", Source: "prom", Type: depc.CheckThreshold, Parameters: depc.CheckParameters{
		Query: `probe_rtt_ms{job="x"}`, Threshold: "20", Label: "instance", Step: 30, Lookback: 600, Missing: depc.MissingKO}}
	equal(t, "CreateCheck", get(s.CreateCheck(ctx, "acme", ping)).must(t), ping)
	http := depc.Check{Name: "Http", Source: "fake", Type: depc.CheckInterval, Parameters: depc.CheckParameters{Query: "http_status", Threshold: "200:299"}}
	get(s.CreateCheck(ctx, "acme", http)).must(t)

	bad := func(mod func(c *depc.Check)) depc.Check {
		c := check("New", "prom")
		mod(&c)
		return c
	}
	for _, tt := range []struct {
		what string
		c    depc.Check
		code string
	}{
		{"taken", ping, depc.ECONFLICT},
		{"empty name", bad(func(c *depc.Check) { c.Name = "" }), depc.EINVALID},
		{"unknown source", bad(func(c *depc.Check) { c.Source = "nope" }), depc.EINVALID},
		{"bad type", bad(func(c *depc.Check) { c.Type = "Range" }), depc.EINVALID},
		{"no query", bad(func(c *depc.Check) { c.Parameters.Query = "" }), depc.EINVALID},
		{"no threshold", bad(func(c *depc.Check) { c.Parameters.Threshold = "" }), depc.EINVALID},
		{"negative step", bad(func(c *depc.Check) { c.Parameters.Step = -1 }), depc.EINVALID},
		{"negative lookback", bad(func(c *depc.Check) { c.Parameters.Lookback = -1 }), depc.EINVALID},
		{"unknown missing-data policy", bad(func(c *depc.Check) { c.Parameters.Missing = "down" }), depc.EINVALID},
	} {
		_, err := s.CreateCheck(ctx, "acme", tt.c)
		wantCode(t, err, tt.code, "CreateCheck("+tt.what+")")
	}

	equal(t, "Check", get(s.Check(ctx, "acme", "Server Ping")).must(t), ping)
	_, err := s.Check(ctx, "acme", "nope")
	wantCode(t, err, depc.ENOTFOUND, "Check(nope)")
	equal(t, "Checks", get(s.Checks(ctx, "acme")).must(t), []depc.Check{http, ping})

	ping.Source, ping.Parameters.Query = "fake", "ping_rtt"
	equal(t, "UpdateCheck", get(s.UpdateCheck(ctx, "acme", ping)).must(t), ping)
	equal(t, "Check after update", get(s.Check(ctx, "acme", "Server Ping")).must(t), ping)
	_, err = s.UpdateCheck(ctx, "acme", check("nope", "prom"))
	wantCode(t, err, depc.ENOTFOUND, "UpdateCheck(nope)")
	_, err = s.UpdateCheck(ctx, "acme", depc.Check{Name: "Http", Source: "nope", Type: depc.CheckThreshold, Parameters: depc.CheckParameters{Query: "q", Threshold: "1"}})
	wantCode(t, err, depc.EINVALID, "UpdateCheck(unknown source)")
	// The source now used is "fake": "prom" is free.
	mustDo(t, s.DeleteSource(ctx, "acme", "prom"))

	get(s.CreateRule(ctx, "acme", depc.Rule{Name: "Servers", Checks: []string{"Server Ping"}})).must(t)
	wantCode(t, s.DeleteCheck(ctx, "acme", "Server Ping"), depc.ECONFLICT, "DeleteCheck(used)")
	wantCode(t, s.DeleteCheck(ctx, "acme", "nope"), depc.ENOTFOUND, "DeleteCheck(nope)")
	mustDo(t, s.DeleteCheck(ctx, "acme", "Http"))
	equal(t, "Checks after delete", get(s.Checks(ctx, "acme")).must(t), []depc.Check{ping})
	mustDo(t, s.DeleteRule(ctx, "acme", "Servers"))
	mustDo(t, s.DeleteCheck(ctx, "acme", "Server Ping"))
}

func testRules(t *testing.T, s Catalog) {
	createTeam(t, s, "acme")
	catalog(t, s, "acme")
	get(s.CreateCheck(ctx, "acme", check("Disk", "prom"))).must(t)
	// The order of checks is kept.
	r := depc.Rule{Name: "Full Stack", Checks: []string{"Ping", "Disk", "Http"}}
	equal(t, "CreateRule", get(s.CreateRule(ctx, "acme", r)).must(t), r)
	equal(t, "Rule", get(s.Rule(ctx, "acme", "Full Stack")).must(t), r)

	for _, tt := range []struct {
		what string
		r    depc.Rule
		code string
	}{
		{"taken", depc.Rule{Name: "Servers", Checks: []string{"Ping"}}, depc.ECONFLICT},
		{"bad name", depc.Rule{Name: "", Checks: []string{"Ping"}}, depc.EINVALID},
		{"no check", depc.Rule{Name: "Empty"}, depc.EINVALID},
		{"unknown check", depc.Rule{Name: "X", Checks: []string{"Ping", "nope"}}, depc.EINVALID},
		{"check twice", depc.Rule{Name: "X", Checks: []string{"Ping", "Http", "Ping"}}, depc.EINVALID},
	} {
		_, err := s.CreateRule(ctx, "acme", tt.r)
		wantCode(t, err, tt.code, "CreateRule("+tt.what+")")
	}
	_, err := s.Rule(ctx, "acme", "nope")
	wantCode(t, err, depc.ENOTFOUND, "Rule(nope)")
	equal(t, "Rules", get(s.Rules(ctx, "acme")).must(t), []depc.Rule{
		r, {Name: "Servers", Checks: []string{"Ping"}}, {Name: "Web", Checks: []string{"Http", "Ping"}}})

	r2 := depc.Rule{Name: "Full Stack", Checks: []string{"Disk"}}
	equal(t, "UpdateRule", get(s.UpdateRule(ctx, "acme", r2)).must(t), r2)
	equal(t, "Rule after update", get(s.Rule(ctx, "acme", "Full Stack")).must(t), r2)
	_, err = s.UpdateRule(ctx, "acme", depc.Rule{Name: "nope", Checks: []string{"Ping"}})
	wantCode(t, err, depc.ENOTFOUND, "UpdateRule(nope)")
	_, err = s.UpdateRule(ctx, "acme", depc.Rule{Name: "Web", Checks: []string{"nope"}})
	wantCode(t, err, depc.EINVALID, "UpdateRule(unknown check)")
	equal(t, "Rule after a refused update", get(s.Rule(ctx, "acme", "Web")).must(t), depc.Rule{Name: "Web", Checks: []string{"Http", "Ping"}})
	// Http is no longer used by Full Stack, still by Web.
	wantCode(t, s.DeleteCheck(ctx, "acme", "Http"), depc.ECONFLICT, "DeleteCheck(used by Web)")

	// A rule is in use while the current config lists it; older versions
	// do not count.
	get(s.SaveConfig(ctx, "acme", json.RawMessage(`{"A":{"qos":"rule.Web"}}`), []string{"Web"})).must(t)
	get(s.SaveConfig(ctx, "acme", json.RawMessage(`{"A":{"qos":"rule.Servers"},"B":{"qos":"rule.'Full Stack'"}}`), []string{"Servers", "Full Stack"})).must(t)
	wantCode(t, s.DeleteRule(ctx, "acme", "Servers"), depc.ECONFLICT, "DeleteRule(used by current config)")
	wantCode(t, s.DeleteRule(ctx, "acme", "Full Stack"), depc.ECONFLICT, "DeleteRule(used by current config)")
	mustDo(t, s.DeleteRule(ctx, "acme", "Web"))
	wantCode(t, s.DeleteRule(ctx, "acme", "Web"), depc.ENOTFOUND, "DeleteRule(deleted)")
	mustDo(t, s.DeleteCheck(ctx, "acme", "Http")) // its last user is gone
	equal(t, "Rules after delete", get(s.Rules(ctx, "acme")).must(t), []depc.Rule{r2, {Name: "Servers", Checks: []string{"Ping"}}})
}

func testConfigs(t *testing.T, s Catalog) {
	createTeam(t, s, "acme")
	catalog(t, s, "acme")
	_, err := s.Config(ctx, "acme")
	wantCode(t, err, depc.ENOTFOUND, "Config(none)")
	if got := get(s.Configs(ctx, "acme")).must(t); len(got) != 0 {
		t.Errorf("Configs of a new team: %v", got)
	}

	docs := []string{
		`{"Server": {"qos": "rule.Servers"}}`,
		`{"Server":{"qos":"rule.Servers"},"Website":{"qos":"rule.Web"}}`,
		`{}`,
	}
	rules := [][]string{{"Servers"}, {"Web", "Servers", "Web"}, nil}
	var saved []depc.ConfigVersion
	for i, d := range docs {
		doc := json.RawMessage(d)
		cv := get(s.SaveConfig(ctx, "acme", doc, rules[i])).must(t)
		if cv.ID != int64(i+1) || string(cv.Config) != d || cv.CreatedAt <= 0 {
			t.Errorf("SaveConfig #%d = id %d, config %s, created_at %d", i, cv.ID, cv.Config, cv.CreatedAt)
		}
		doc[0] = 'X' // the caller's buffer is not the store's
		saved = append(saved, cv)
	}
	equal(t, "rules of version 2", saved[1].Rules, []string{"Servers", "Web"})
	equal(t, "rules of version 3", saved[2].Rules, []string{})

	equal(t, "Config (current)", get(s.Config(ctx, "acme")).must(t), saved[2])
	equal(t, "ConfigVersion(1)", get(s.ConfigVersion(ctx, "acme", 1)).must(t), saved[0])
	if got := get(s.ConfigVersion(ctx, "acme", 1)).must(t); string(got.Config) != docs[0] {
		t.Errorf("version 1 is %s, want exactly %s", got.Config, docs[0])
	}
	for _, id := range []int64{0, 4, -1} {
		_, err := s.ConfigVersion(ctx, "acme", id)
		wantCode(t, err, depc.ENOTFOUND, fmt.Sprintf("ConfigVersion(%d)", id))
	}
	equal(t, "Configs newest first", get(s.Configs(ctx, "acme")).must(t), []depc.ConfigVersion{saved[2], saved[1], saved[0]})

	// Restoring is saving an old version's content again: a new version.
	old := get(s.ConfigVersion(ctx, "acme", 1)).must(t)
	restored := get(s.SaveConfig(ctx, "acme", old.Config, old.Rules)).must(t)
	if restored.ID != 4 || string(restored.Config) != docs[0] {
		t.Errorf("restored version: id %d config %s", restored.ID, restored.Config)
	}
	equal(t, "version 1 after restore", get(s.ConfigVersion(ctx, "acme", 1)).must(t), saved[0])

	for _, tt := range []struct {
		doc   string
		rules []string
		code  string
	}{
		{`[]`, nil, depc.EINVALID},
		{``, nil, depc.EINVALID},
		{`{"a":`, nil, depc.EINVALID},
		{`{"A":{"qos":"rule.nope"}}`, []string{"nope"}, depc.EINVALID},
	} {
		_, err := s.SaveConfig(ctx, "acme", json.RawMessage(tt.doc), tt.rules)
		wantCode(t, err, tt.code, fmt.Sprintf("SaveConfig(%s, %v)", tt.doc, tt.rules))
	}
	if cur := get(s.Config(ctx, "acme")).must(t); cur.ID != 4 {
		t.Errorf("current version after refused saves: %d, want 4", cur.ID)
	}
}

func testCatalogUnknownTeam(t *testing.T, s Catalog) {
	const team = "nope"
	unknownTeam(t, map[string]error{
		"CreateSource":  second(s.CreateSource(ctx, team, depc.SourceConfig{})),
		"Source":        second(s.Source(ctx, team, "x")),
		"Sources":       second(s.Sources(ctx, team)),
		"UpdateSource":  second(s.UpdateSource(ctx, team, depc.SourceConfig{})),
		"DeleteSource":  s.DeleteSource(ctx, team, "x"),
		"CreateCheck":   second(s.CreateCheck(ctx, team, depc.Check{})),
		"Check":         second(s.Check(ctx, team, "x")),
		"Checks":        second(s.Checks(ctx, team)),
		"UpdateCheck":   second(s.UpdateCheck(ctx, team, depc.Check{})),
		"DeleteCheck":   s.DeleteCheck(ctx, team, "x"),
		"CreateRule":    second(s.CreateRule(ctx, team, depc.Rule{})),
		"Rule":          second(s.Rule(ctx, team, "x")),
		"Rules":         second(s.Rules(ctx, team)),
		"UpdateRule":    second(s.UpdateRule(ctx, team, depc.Rule{})),
		"DeleteRule":    s.DeleteRule(ctx, team, "x"),
		"SaveConfig":    second(s.SaveConfig(ctx, team, nil, nil)),
		"Config":        second(s.Config(ctx, team)),
		"ConfigVersion": second(s.ConfigVersion(ctx, team, 1)),
		"Configs":       second(s.Configs(ctx, team)),
	})
}

func testCatalogTeamIsolation(t *testing.T, s Catalog) {
	for _, team := range []string{"acme", "beta"} {
		createTeam(t, s, team)
		catalog(t, s, team)
	}
	// Same names in both teams, different content.
	get(s.UpdateSource(ctx, "beta", depc.SourceConfig{Name: "prom", Plugin: depc.PluginFake})).must(t)
	get(s.UpdateRule(ctx, "beta", depc.Rule{Name: "Web", Checks: []string{"Http"}})).must(t)
	get(s.SaveConfig(ctx, "acme", json.RawMessage(`{"A":{"qos":"rule.Web"}}`), []string{"Web"})).must(t)

	if got := get(s.Source(ctx, "acme", "prom")).must(t); got.Plugin != depc.PluginPrometheus {
		t.Errorf("acme's source changed by beta's update: %+v", got)
	}
	equal(t, "acme's rule", get(s.Rule(ctx, "acme", "Web")).must(t), depc.Rule{Name: "Web", Checks: []string{"Http", "Ping"}})
	_, err := s.Config(ctx, "beta")
	wantCode(t, err, depc.ENOTFOUND, "beta's config")
	// beta's Web rule is not used by acme's config.
	mustDo(t, s.DeleteRule(ctx, "beta", "Web"))
	wantCode(t, s.DeleteRule(ctx, "acme", "Web"), depc.ECONFLICT, "acme's rule in use")
}
