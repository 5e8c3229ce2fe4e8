package statetest

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/depc-dev/depc"
)

// RunShared runs the tests of depc.SharedSourceStore against the stores
// open returns (see Run).
func RunShared[S Shared](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Shared { return open(t) }, []subtest[Shared]{
		{name: "CRUD", fn: testSharedCRUD},
		{name: "Invalid", fn: testSharedInvalid},
		{name: "Granted", fn: testSharedGranted},
	})
}

func sharedEntry(name string) depc.SharedSource {
	return depc.SharedSource{
		SourceConfig: depc.SourceConfig{Name: name, Plugin: depc.PluginPrometheus, Configuration: json.RawMessage(`{"url":"http://prom:9090"}`)},
		Description:  "The shared Prometheus",
		Enforce:      []depc.LabelMatcher{{Label: "team", Value: depc.TeamPlaceholder}},
	}
}

func sameShared(a, b depc.SharedSource) bool {
	return a.Name == b.Name && a.Plugin == b.Plugin && jsonEqual(a.Configuration, b.Configuration) &&
		a.Description == b.Description && reflect.DeepEqual(a.Enforce, b.Enforce)
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// testSharedCRUD: entries are created, listed by name, read, replaced and
// deleted; an absent configuration is stored as {} and no matcher as [].
func testSharedCRUD(t *testing.T, s Shared) {
	if got := get(s.SharedSources(ctx)).must(t); got == nil || len(got) != 0 {
		t.Errorf("SharedSources of an empty store = %#v, want an empty list", got)
	}
	b := get(s.CreateSharedSource(ctx, sharedEntry("prom-b"))).must(t)
	a := sharedEntry("prom-a")
	a.Configuration, a.Enforce = nil, nil
	a = get(s.CreateSharedSource(ctx, a)).must(t)
	if string(a.Configuration) != "{}" || a.Enforce == nil || len(a.Enforce) != 0 {
		t.Errorf("created %+v, want configuration {} and enforce []", a)
	}
	_, err := s.CreateSharedSource(ctx, sharedEntry("prom-a"))
	wantCode(t, err, depc.ECONFLICT, "CreateSharedSource(taken)")
	if got := get(s.SharedSource(ctx, "prom-b")).must(t); !sameShared(got, b) {
		t.Errorf("SharedSource = %+v, want %+v", got, b)
	}
	list := get(s.SharedSources(ctx)).must(t)
	if len(list) != 2 || list[0].Name != "prom-a" || list[1].Name != "prom-b" || !sameShared(list[1], b) {
		t.Errorf("SharedSources = %+v", list)
	}
	u := sharedEntry("prom-b")
	u.Description = "moved"
	u.Enforce = []depc.LabelMatcher{{Label: "tenant", Value: "x-{team}"}, {Label: "env", Value: "prod"}}
	u.Configuration = json.RawMessage(`{"url":"http://other:9090"}`)
	get(s.UpdateSharedSource(ctx, u)).must(t)
	if got := get(s.SharedSource(ctx, "prom-b")).must(t); !sameShared(got, u) {
		t.Errorf("after update %+v, want %+v", got, u)
	}
	_, err = s.UpdateSharedSource(ctx, sharedEntry("nope"))
	wantCode(t, err, depc.ENOTFOUND, "UpdateSharedSource(unknown)")
	mustDo(t, s.DeleteSharedSource(ctx, "prom-a"))
	_, err = s.SharedSource(ctx, "prom-a")
	wantCode(t, err, depc.ENOTFOUND, "SharedSource(deleted)")
	wantCode(t, s.DeleteSharedSource(ctx, "prom-a"), depc.ENOTFOUND, "DeleteSharedSource(deleted)")
}

// testSharedInvalid: the store checks SharedSource.Validate itself.
func testSharedInvalid(t *testing.T, s Shared) {
	for what, e := range map[string]depc.SharedSource{
		"bad name":        {SourceConfig: depc.SourceConfig{Name: " x", Plugin: "Prometheus"}},
		"no plugin":       {SourceConfig: depc.SourceConfig{Name: "x"}},
		"shared plugin":   {SourceConfig: depc.SourceConfig{Name: "x", Plugin: depc.PluginShared}},
		"configuration":   {SourceConfig: depc.SourceConfig{Name: "x", Plugin: "Prometheus", Configuration: json.RawMessage(`[1]`)}},
		"reserved label":  {SourceConfig: depc.SourceConfig{Name: "x", Plugin: "Prometheus"}, Enforce: []depc.LabelMatcher{{Label: "__name__", Value: "up"}}},
		"empty value":     {SourceConfig: depc.SourceConfig{Name: "x", Plugin: "Prometheus"}, Enforce: []depc.LabelMatcher{{Label: "team", Value: ""}}},
		"label twice":     {SourceConfig: depc.SourceConfig{Name: "x", Plugin: "Prometheus"}, Enforce: []depc.LabelMatcher{{Label: "team", Value: "a"}, {Label: "team", Value: "b"}}},
		"bad description": {SourceConfig: depc.SourceConfig{Name: "x", Plugin: "Prometheus"}, Description: "\xff"},
	} {
		_, err := s.CreateSharedSource(ctx, e)
		wantCode(t, err, depc.EINVALID, "CreateSharedSource("+what+")")
	}
	if got := get(s.SharedSources(ctx)).must(t); len(got) != 0 {
		t.Errorf("invalid entries were stored: %+v", got)
	}
}

// testSharedGranted: an entry a team's source grants cannot be deleted
// until the grant goes; a team's deletion takes its grants with it.
func testSharedGranted(t *testing.T, s Shared) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	get(s.CreateSharedSource(ctx, sharedEntry("prom"))).must(t)
	get(s.CreateSharedSource(ctx, sharedEntry("other"))).must(t)
	g := get(depc.GrantSource("prom", []depc.LabelMatcher{{Label: "env", Value: "prod"}})).must(t)
	get(s.CreateSource(ctx, "acme", g)).must(t)
	get(s.CreateSource(ctx, "beta", get(depc.GrantSource("prom", nil)).must(t))).must(t)
	got := get(s.Source(ctx, "acme", "prom")).must(t)
	grant := get(depc.DecodeSharedGrant(got.Configuration)).must(t)
	if got.Plugin != depc.PluginShared || grant.Source != "prom" || len(grant.Enforce) != 1 {
		t.Errorf("the grant read back: %+v (%+v)", got, grant)
	}
	wantCode(t, s.DeleteSharedSource(ctx, "prom"), depc.ECONFLICT, "DeleteSharedSource(granted)")
	mustDo(t, s.DeleteSharedSource(ctx, "other"))
	mustDo(t, s.DeleteSource(ctx, "acme", "prom"))
	wantCode(t, s.DeleteSharedSource(ctx, "prom"), depc.ECONFLICT, "DeleteSharedSource(granted to beta)")
	mustDo(t, s.DeleteTeam(ctx, "beta"))
	mustDo(t, s.DeleteSharedSource(ctx, "prom"))
}
