package api

import (
	"context"
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/querytemplate"
	"github.com/labstack/echo/v4"
)

// Variables of a team, its sources, rules and checks: rendered into check
// queries ({{ depc.team.env }}; docs/sources.md). A check is rendered and
// validated by its source when it is saved, when a rule takes it (with
// the rule's variables) and when a set of variables it uses changes, so
// that an unknown variable is refused when written, not found by a run.

// variablesBody is the body of PUT …/variables and its answer.
type variablesBody struct {
	Variables map[string]string `json:"variables"`
}

func (s *Server) listVariables(c echo.Context) error {
	out, err := s.deps.State.Variables(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

// scopeOwner reads the scope and owner of a variables route.
func scopeOwner(c echo.Context) (scope, owner string, err error) {
	for _, sc := range []string{querytemplate.ScopeSource, querytemplate.ScopeRule, querytemplate.ScopeCheck} {
		if c.Param(sc) != "" {
			owner, err = resourceName(c, sc)
			return sc, owner, err
		}
	}
	return querytemplate.ScopeTeam, "", nil
}

func (s *Server) getVariables(c echo.Context) error {
	scope, owner, err := scopeOwner(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.ownerExists(ctx, teamOf(c).Name, scope, owner); err != nil {
		return err
	}
	sets, err := s.deps.State.Variables(ctx, teamOf(c).Name)
	if err != nil {
		return err
	}
	out := variablesBody{Variables: map[string]string{}}
	for _, v := range sets {
		if v.Scope == scope && v.Owner == owner {
			out.Variables = v.Variables
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) ownerExists(ctx context.Context, team, scope, owner string) error {
	var err error
	switch scope {
	case querytemplate.ScopeSource:
		_, err = s.deps.State.Source(ctx, team, owner)
	case querytemplate.ScopeRule:
		_, err = s.deps.State.Rule(ctx, team, owner)
	case querytemplate.ScopeCheck:
		_, err = s.deps.State.Check(ctx, team, owner)
	}
	return err
}

func (s *Server) putVariables(c echo.Context) error {
	scope, owner, err := scopeOwner(c)
	if err != nil {
		return err
	}
	var body variablesBody
	if err := s.bind(c, &body); err != nil {
		return err
	}
	set := depc.VariableSet{Scope: scope, Owner: owner, Variables: body.Variables}
	if err := set.Validate(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	team := teamOf(c).Name
	if err := s.ownerExists(ctx, team, scope, owner); err != nil {
		return err
	}
	// The checks must still render with the new set.
	sets, err := s.deps.State.Variables(ctx, team)
	if err != nil {
		return err
	}
	replaced := false
	for i, v := range sets {
		if v.Scope == scope && v.Owner == owner {
			sets[i], replaced = set, true
		}
	}
	if !replaced {
		sets = append(sets, set)
	}
	if err := s.checkAllChecks(ctx, team, depc.CollectVariables(sets), "variables"); err != nil {
		return err
	}
	out, err := s.deps.State.SetVariables(ctx, team, set)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, variablesBody{Variables: out.Variables})
}

// rulesOf returns the names of the rules that use the check.
func rulesOf(rules []depc.Rule, check string) []string {
	var out []string
	for _, r := range rules {
		for _, c := range r.Checks {
			if c == check {
				out = append(out, r.Name)
				break
			}
		}
	}
	return out
}

// renderCheck renders the check's query as each of rules would (as a run
// does) and validates each rendering with the source: EINVALID naming
// parameters.query. With no rule, a query that uses rule variables is
// checked as a template only: the rules that take it later render it.
func renderCheck(src depc.Source, tv depc.TeamVariables, ch depc.Check, rules []string) error {
	t, err := querytemplate.Parse(ch.Parameters.Query)
	if err != nil {
		return depc.Errorf(depc.EINVALID, "parameters.query: %v", err)
	}
	if len(rules) == 0 {
		usesRule := false
		for _, r := range t.Refs() {
			usesRule = usesRule || r.Scope == querytemplate.ScopeRule
		}
		if usesRule {
			// Render the other scopes against a rule that has every
			// variable the query names.
			fake := map[string]string{}
			for _, r := range t.Refs() {
				if r.Scope == querytemplate.ScopeRule {
					fake[r.Name] = ""
				}
			}
			tv.Rules = map[string]map[string]string{"": fake}
			_, err := tv.RenderQuery(ch, "", 0, 0, false)
			return err
		}
		rules = []string{""}
	}
	for _, rule := range rules {
		r, err := tv.RenderQuery(ch, rule, 0, 0, false)
		if err != nil {
			if rule != "" {
				return depc.Errorf(depc.EINVALID, "%s (in rule %q)", depc.ErrorMessage(err), rule)
			}
			return err
		}
		if err := src.ValidateCheck(r.Parameters); err != nil {
			if depc.ErrorCode(err) == depc.EINTERNAL {
				return depc.Errorf(depc.EINVALID, "parameters: %v", err)
			}
			if r.Parameters.Query != ch.Parameters.Query {
				return depc.Errorf(depc.ErrorCode(err), "%s (rendered: %s)", depc.ErrorMessage(err), r.Parameters.Query)
			}
			return err
		}
	}
	return nil
}

// checkAllChecks renders every check of the team that uses variables with
// tv; the first failure is EINVALID naming field and the check.
func (s *Server) checkAllChecks(ctx context.Context, team string, tv depc.TeamVariables, field string) error {
	checks, err := s.deps.State.Checks(ctx, team)
	if err != nil {
		return err
	}
	rules, err := s.deps.State.Rules(ctx, team)
	if err != nil {
		return err
	}
	for _, ch := range checks {
		t, err := querytemplate.Parse(ch.Parameters.Query)
		if err != nil || !t.HasVariables() {
			continue
		}
		if err := s.withSource(ctx, team, ch.Source, func(src depc.Source) error {
			return renderCheck(src, tv, ch, rulesOf(rules, ch.Name))
		}); err != nil {
			return depc.Errorf(depc.EINVALID, "%s: check %q: %s", field, ch.Name, depc.ErrorMessage(err))
		}
	}
	return nil
}

// withSource opens a team's source for fn and closes it.
func (s *Server) withSource(ctx context.Context, team, name string, fn func(depc.Source) error) error {
	sc, err := s.deps.State.Source(ctx, team, name)
	if err != nil {
		return err
	}
	src, sc, err := s.openTeamSource(ctx, team, sc)
	if err != nil {
		return err
	}
	defer s.closeSource(sc, src)
	return fn(src)
}
