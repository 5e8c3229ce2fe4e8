package statetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// RunVariables runs the tests of depc.VariableStore against the stores
// open returns (see Run).
func RunVariables[S Variables](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Variables { return open(t) }, []subtest[Variables]{
		{name: "Sets", fn: testVariableSets},
		{name: "Invalid", fn: testVariablesInvalid},
		{name: "OwnerDeleted", fn: testVariablesOwnerDeleted},
		{name: "UnknownTeamAndIsolation", fn: testVariablesIsolation},
	})
}

func variablesFixture(t *testing.T, s Variables, team string) {
	createTeam(t, s, team)
	get(s.CreateSource(ctx, team, depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus})).must(t)
	get(s.CreateCheck(ctx, team, check("Ping", "prom"))).must(t)
	get(s.CreateRule(ctx, team, depc.Rule{Name: "Servers", Checks: []string{"Ping"}})).must(t)
}

func testVariableSets(t *testing.T, s Variables) {
	variablesFixture(t, s, "acme")
	equal(t, "Variables of a new team", len(get(s.Variables(ctx, "acme")).must(t)), 0)
	sets := []depc.VariableSet{
		{Scope: "check", Owner: "Ping", Variables: map[string]string{"job": "probe", "empty": ""}},
		{Scope: "team", Variables: map[string]string{"env": "prod", "Quote_1": `a"b {{ x }}`}},
		{Scope: "rule", Owner: "Servers", Variables: map[string]string{"quantile": "0.99"}},
		{Scope: "source", Owner: "prom", Variables: map[string]string{"dc": "gra"}},
	}
	for _, v := range sets {
		equal(t, "SetVariables", get(s.SetVariables(ctx, "acme", v)).must(t), v)
	}
	want := []depc.VariableSet{sets[1], sets[3], sets[2], sets[0]}
	equal(t, "Variables", get(s.Variables(ctx, "acme")).must(t), want)

	// Replacing a set replaces all of it; no variables removes it.
	team2 := depc.VariableSet{Scope: "team", Variables: map[string]string{"region": "eu"}}
	get(s.SetVariables(ctx, "acme", team2)).must(t)
	equal(t, "Variables after replace", get(s.Variables(ctx, "acme")).must(t), []depc.VariableSet{team2, sets[3], sets[2], sets[0]})
	get(s.SetVariables(ctx, "acme", depc.VariableSet{Scope: "source", Owner: "prom"})).must(t)
	equal(t, "Variables after removal", get(s.Variables(ctx, "acme")).must(t), []depc.VariableSet{team2, sets[2], sets[0]})
}

func testVariablesInvalid(t *testing.T, s Variables) {
	variablesFixture(t, s, "acme")
	many := map[string]string{}
	for i := range depc.MaxVariablesPerSet + 1 {
		many[fmt.Sprintf("v%d", i)] = "x"
	}
	for _, tt := range []struct {
		v     depc.VariableSet
		code  string
		field string
	}{
		{depc.VariableSet{Scope: "global"}, depc.EINVALID, "scope"},
		{depc.VariableSet{Scope: "team", Owner: "x"}, depc.EINVALID, "owner"},
		{depc.VariableSet{Scope: "check"}, depc.EINVALID, "owner"},
		{depc.VariableSet{Scope: "team", Variables: map[string]string{"a-b": "x"}}, depc.EINVALID, "variables.a-b"},
		{depc.VariableSet{Scope: "team", Variables: map[string]string{"1a": "x"}}, depc.EINVALID, "variables.1a"},
		{depc.VariableSet{Scope: "team", Variables: map[string]string{"a": "\xff"}}, depc.EINVALID, "variables.a"},
		{depc.VariableSet{Scope: "team", Variables: map[string]string{"a": strings.Repeat("x", 16<<10+1)}}, depc.EINVALID, "variables.a"},
		{depc.VariableSet{Scope: "team", Variables: many}, depc.EINVALID, "variables"},
		{depc.VariableSet{Scope: "check", Owner: "nope", Variables: map[string]string{"a": "b"}}, depc.ENOTFOUND, "nope"},
		{depc.VariableSet{Scope: "rule", Owner: "Ping", Variables: map[string]string{"a": "b"}}, depc.ENOTFOUND, "Ping"},
		{depc.VariableSet{Scope: "source", Owner: "Servers", Variables: map[string]string{"a": "b"}}, depc.ENOTFOUND, "Servers"},
	} {
		_, err := s.SetVariables(ctx, "acme", tt.v)
		wantCode(t, err, tt.code, fmt.Sprintf("SetVariables(%s %q)", tt.v.Scope, tt.v.Owner))
		if err != nil && !strings.Contains(err.Error(), tt.field) {
			t.Errorf("SetVariables(%s %q): %v does not name %s", tt.v.Scope, tt.v.Owner, err, tt.field)
		}
	}
	equal(t, "Variables after refusals", len(get(s.Variables(ctx, "acme")).must(t)), 0)
}

func testVariablesOwnerDeleted(t *testing.T, s Variables) {
	variablesFixture(t, s, "acme")
	for _, v := range []depc.VariableSet{
		{Scope: "source", Owner: "prom", Variables: map[string]string{"a": "1"}},
		{Scope: "rule", Owner: "Servers", Variables: map[string]string{"a": "2"}},
		{Scope: "check", Owner: "Ping", Variables: map[string]string{"a": "3"}},
	} {
		get(s.SetVariables(ctx, "acme", v)).must(t)
	}
	mustDo(t, s.DeleteRule(ctx, "acme", "Servers"))
	mustDo(t, s.DeleteCheck(ctx, "acme", "Ping"))
	mustDo(t, s.DeleteSource(ctx, "acme", "prom"))
	equal(t, "Variables after deletes", len(get(s.Variables(ctx, "acme")).must(t)), 0)
	// A new owner of the same name starts without variables.
	get(s.CreateSource(ctx, "acme", depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus})).must(t)
	equal(t, "Variables of a new owner", len(get(s.Variables(ctx, "acme")).must(t)), 0)
}

func testVariablesIsolation(t *testing.T, s Variables) {
	variablesFixture(t, s, "acme")
	variablesFixture(t, s, "globex")
	a := depc.VariableSet{Scope: "team", Variables: map[string]string{"env": "a"}}
	g := depc.VariableSet{Scope: "check", Owner: "Ping", Variables: map[string]string{"env": "g"}}
	get(s.SetVariables(ctx, "acme", a)).must(t)
	get(s.SetVariables(ctx, "globex", g)).must(t)
	equal(t, "acme", get(s.Variables(ctx, "acme")).must(t), []depc.VariableSet{a})
	equal(t, "globex", get(s.Variables(ctx, "globex")).must(t), []depc.VariableSet{g})
	_, err := s.Variables(ctx, "nope")
	wantCode(t, err, depc.ENOTFOUND, "Variables(unknown team)")
	_, err = s.SetVariables(ctx, "nope", a)
	wantCode(t, err, depc.ENOTFOUND, "SetVariables(unknown team)")
}
