package querylabels

import (
	"fmt"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// promql is the parser with Prometheus' default syntax, the one the
// Prometheus source parses with (source/prometheus).
var promql = parser.NewParser(parser.Options{})

// Matchers turns enforced labels into equality matchers, checking each name
// is one a selector can match on (not __name__ nor another reserved name,
// no name twice). EINVALID names the field.
func Matchers(enforced []depc.LabelMatcher) ([]*labels.Matcher, error) {
	out := make([]*labels.Matcher, 0, len(enforced))
	seen := map[string]bool{}
	for i, e := range enforced {
		if err := e.Validate(); err != nil {
			return nil, depc.Errorf(depc.EINVALID, "enforce[%d].%s", i, strings.TrimPrefix(depc.ErrorMessage(err), "enforce."))
		}
		if seen[e.Label] {
			return nil, depc.Errorf(depc.EINVALID, "enforce[%d].label: %q is enforced twice", i, e.Label)
		}
		seen[e.Label] = true
		out = append(out, &labels.Matcher{Type: labels.MatchEqual, Name: e.Label, Value: e.Value})
	}
	return out, nil
}

// Enforce returns query with the enforced matchers added to every series
// selector (those inside range selectors and subqueries too). A selector
// that already matches on an enforced label is refused unless its matcher
// is the enforced one exactly, which is then kept once. Errors are
// EINVALID naming parameters.query. With no matchers the query is
// returned as it was.
func Enforce(query string, enforced []depc.LabelMatcher) (string, error) {
	if len(enforced) == 0 {
		return query, nil
	}
	ms, err := Matchers(enforced)
	if err != nil {
		return "", err
	}
	expr, err := promql.ParseExpr(query)
	if err != nil {
		return "", depc.Errorf(depc.EINVALID, "parameters.query: %s", err)
	}
	if err := EnforceExpr(expr, ms); err != nil {
		return "", err
	}
	return expr.String(), nil
}

// EnforceExpr adds ms to every series selector of expr, in place (the rules
// of Enforce).
func EnforceExpr(expr parser.Node, ms []*labels.Matcher) error {
	var bad error
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok || bad != nil {
			return nil
		}
		bad = enforceSelector(vs, ms)
		return nil
	})
	return bad
}

func enforceSelector(vs *parser.VectorSelector, ms []*labels.Matcher) error {
	own := make([]*labels.Matcher, 0, len(vs.LabelMatchers)+len(ms))
	for _, m := range vs.LabelMatchers {
		e := find(ms, m.Name)
		if e == nil {
			own = append(own, m)
			continue
		}
		if m.Type != labels.MatchEqual || m.Value != e.Value {
			return depc.Errorf(depc.EINVALID, "parameters.query: must not match on %s (%s): this shared source keeps the team's queries to %s", m.Name, m, e)
		}
		// The enforced matcher itself: added below, once.
	}
	for _, e := range ms {
		own = append(own, &labels.Matcher{Type: e.Type, Name: e.Name, Value: e.Value})
	}
	vs.LabelMatchers = own
	return nil
}

func find(ms []*labels.Matcher, name string) *labels.Matcher {
	for _, m := range ms {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// Describe writes enforced labels as PromQL matchers: {team="acme"}.
func Describe(enforced []depc.LabelMatcher) string {
	parts := make([]string, len(enforced))
	for i, e := range enforced {
		parts[i] = fmt.Sprintf("%s=%q", e.Label, e.Value)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
