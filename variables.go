package depc

import (
	"context"
	"sort"
	"unicode/utf8"

	"github.com/depc-dev/depc/querytemplate"
)

// Variables are the values a check's query refers to as
// {{ depc.team.VAR }}, {{ depc.source.VAR }}, {{ depc.rule.VAR }} and
// {{ depc.check.VAR }} (package querytemplate renders them). Each set
// belongs to the team, or to one of its sources, rules or checks (Owner),
// and goes with it when it is deleted.
type VariableSet struct {
	// Scope is querytemplate.ScopeTeam, ScopeSource, ScopeRule or
	// ScopeCheck.
	Scope string `json:"scope"`
	// Owner is the source, rule or check the set belongs to ("" for the
	// team's).
	Owner     string            `json:"owner,omitempty"`
	Variables map[string]string `json:"variables"`
}

// MaxVariablesPerSet bounds the variables of one set.
const MaxVariablesPerSet = 100

// Validate checks a set whatever the team has: a scope, an owner named
// for every scope but the team's, and at most MaxVariablesPerSet
// variables whose names are identifiers (querytemplate.ValidVariableName)
// and values at most querytemplate.MaxVariableBytes of UTF-8. EINVALID
// names the field ("variables.NAME").
func (v VariableSet) Validate() error {
	switch v.Scope {
	case querytemplate.ScopeTeam:
		if v.Owner != "" {
			return Errorf(EINVALID, "owner: the team's variables have no owner")
		}
	case querytemplate.ScopeSource, querytemplate.ScopeRule, querytemplate.ScopeCheck:
		if err := CheckResourceName("owner", v.Owner); err != nil {
			return err
		}
	default:
		return Errorf(EINVALID, "scope: must be team, source, rule or check, not %q", v.Scope)
	}
	if len(v.Variables) > MaxVariablesPerSet {
		return Errorf(EINVALID, "variables: at most %d, not %d", MaxVariablesPerSet, len(v.Variables))
	}
	for _, k := range v.Names() {
		if !querytemplate.ValidVariableName(k) {
			return Errorf(EINVALID, "variables.%s: a variable's name is a letter or _ then letters, digits or _, at most %d bytes", k, querytemplate.MaxVariableNameLen)
		}
		val := v.Variables[k]
		if len(val) > querytemplate.MaxVariableBytes || !utf8.ValidString(val) {
			return Errorf(EINVALID, "variables.%s: the value must be UTF-8 text of at most %d bytes", k, querytemplate.MaxVariableBytes)
		}
	}
	return nil
}

// Names returns the set's variable names, sorted.
func (v VariableSet) Names() []string {
	out := make([]string, 0, len(v.Variables))
	for k := range v.Variables {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TeamVariables are all the variable sets of a team, by scope and owner.
type TeamVariables struct {
	Team    map[string]string
	Sources map[string]map[string]string
	Rules   map[string]map[string]string
	Checks  map[string]map[string]string
}

// CollectVariables arranges a team's sets by scope and owner.
func CollectVariables(sets []VariableSet) TeamVariables {
	tv := TeamVariables{Team: map[string]string{}, Sources: map[string]map[string]string{},
		Rules: map[string]map[string]string{}, Checks: map[string]map[string]string{}}
	for _, s := range sets {
		switch s.Scope {
		case querytemplate.ScopeTeam:
			tv.Team = s.Variables
		case querytemplate.ScopeSource:
			tv.Sources[s.Owner] = s.Variables
		case querytemplate.ScopeRule:
			tv.Rules[s.Owner] = s.Variables
		case querytemplate.ScopeCheck:
			tv.Checks[s.Owner] = s.Variables
		}
	}
	return tv
}

// Values returns what the check's query renders with in rule (""
// outside any rule) over the window [start, end).
func (tv TeamVariables) Values(c Check, rule string, start, end int64) querytemplate.Values {
	return querytemplate.Values{Start: start, End: end, Team: tv.Team,
		Source: tv.Sources[c.Source], Rule: tv.Rules[rule], Check: tv.Checks[c.Name]}
}

// RenderQuery renders the check's query with the variables: the check
// with its query rendered, unchanged when the query has no variables.
// depc.name is kept for the source when keepName (a source that renders it
// per node), else it is an error. EINVALID names parameters.query.
func (tv TeamVariables) RenderQuery(c Check, rule string, start, end int64, keepName bool) (Check, error) {
	t, err := querytemplate.Parse(c.Parameters.Query)
	if err != nil {
		return c, Errorf(EINVALID, "parameters.query: %v", err)
	}
	if !t.HasVariables() {
		return c, nil
	}
	v := tv.Values(c, rule, start, end)
	v.KeepName = true
	if !keepName {
		for _, r := range t.Refs() {
			if r.Scope == "" && r.Name == "name" {
				return c, Errorf(EINVALID, "parameters.query: depc.name: the sources fetch many nodes per query, so a query does not name one node: write it $name where the source takes a placeholder (OpenTSDB, InfluxDB, Warp 10), or select it by parameters.label (Prometheus)")
			}
		}
	}
	q, err := t.Render(v)
	if err != nil {
		return c, Errorf(EINVALID, "parameters.query: %v", err)
	}
	c.Parameters.Query = q
	return c, nil
}

// VariableStore keeps the variable sets of a team and of its sources,
// rules and checks.
//
// The conventions of StateStore hold for every method.
type VariableStore interface {
	// Variables returns the team's variable sets, by scope (team, source,
	// rule, check) then owner; sets without variables are not kept.
	Variables(ctx context.Context, team string) ([]VariableSet, error)
	// SetVariables replaces one set (no variables removes it) and returns
	// it. EINVALID when VariableSet.Validate fails; ENOTFOUND when its
	// owner (source, rule or check) does not exist. Deleting a source, a
	// rule or a check deletes its set.
	SetVariables(ctx context.Context, team string, v VariableSet) (VariableSet, error)
}

// SortVariableSets orders sets as VariableStore.Variables returns them:
// by scope (team, source, rule, check), then owner.
func SortVariableSets(sets []VariableSet) {
	rank := func(s string) int {
		for i, x := range querytemplate.Scopes {
			if x == s {
				return i
			}
		}
		return len(querytemplate.Scopes)
	}
	sort.Slice(sets, func(i, j int) bool {
		if a, b := rank(sets[i].Scope), rank(sets[j].Scope); a != b {
			return a < b
		}
		return sets[i].Owner < sets[j].Owner
	})
}

// The scopes of variable sets (querytemplate's), for the stores.
const (
	VariableScopeTeam   = querytemplate.ScopeTeam
	VariableScopeSource = querytemplate.ScopeSource
	VariableScopeRule   = querytemplate.ScopeRule
	VariableScopeCheck  = querytemplate.ScopeCheck
)
