package prometheus

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/depc-dev/depc"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// DefaultLabel is the series label that holds a node's name when a check
// does not set parameters.label.
const DefaultLabel = "name"

// labelPattern is Prometheus' classic label name syntax, the one every
// Prometheus version and compatible database accepts unquoted. Names starting
// with "__" are reserved for Prometheus' internal labels.
var labelPattern = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// promql is the parser with Prometheus' default (non-experimental) syntax:
// what a server accepts without feature flags.
var promql = parser.NewParser(parser.Options{})

// query is a parsed and checked PromQL query whose series selectors can be
// restricted to a set of nodes. Rendering mutates the tree: a query is used
// by one goroutine.
type query struct {
	expr  parser.Expr
	label string
	sels  []*parser.VectorSelector
	orig  [][]*labels.Matcher // each selector's own matchers
}

// parseQuery parses q and checks that depc can restrict it to nodes: an
// instant vector with at least one series selector, none matching on the
// node label already, and no operation that mixes the series of different
// nodes (see keepsLabel). Errors are EINVALID naming parameters.query or
// parameters.label.
func parseQuery(q, label string) (*query, error) {
	if label == "" {
		label = DefaultLabel
	}
	if !labelPattern.MatchString(label) || strings.HasPrefix(label, "__") {
		return nil, depc.Errorf(depc.EINVALID, "parameters.label: %q is not a usable label name (letters, digits and _, not starting with a digit or __)", label)
	}
	if strings.TrimSpace(q) == "" {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: is empty")
	}
	expr, err := promql.ParseExpr(q)
	if err != nil {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: %s", err)
	}
	if t := expr.Type(); t != parser.ValueTypeVector {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: must be an instant vector expression, not a %s", parser.DocumentedType(t))
	}
	pq := &query{expr: expr, label: label}
	var bad error
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if bad == nil {
			bad = keepsLabel(n, label)
		}
		if vs, ok := n.(*parser.VectorSelector); ok {
			pq.sels = append(pq.sels, vs)
			pq.orig = append(pq.orig, vs.LabelMatchers)
		}
		return nil
	})
	if bad != nil {
		return nil, bad
	}
	if len(pq.sels) == 0 {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: selects no series, so it cannot be restricted to a node")
	}
	for _, vs := range pq.sels {
		for _, m := range vs.LabelMatchers {
			if m.Name == label {
				return nil, depc.Errorf(depc.EINVALID, "parameters.query: must not match on the node label %q (%s): depc adds the node's matcher to every selector itself", label, m)
			}
		}
	}
	return pq, nil
}

// keepsLabel rejects the operations that would make a node's result depend on
// other nodes' series or lose the node label. depc fetches many nodes in one
// query (label=~"n1|n2|…") and splits the result by the label, so every
// sub-expression must keep each node's series apart: an aggregation must
// group by the label, a vector match must include it, and nothing may
// rewrite or drop it. Queries that break this would give a node different
// numbers depending on which other nodes share its batch, or no data at all.
func keepsLabel(n parser.Node, label string) error {
	switch e := n.(type) {
	case *parser.AggregateExpr:
		op := e.Op.String()
		if e.Without && slices.Contains(e.Grouping, label) {
			return depc.Errorf(depc.EINVALID, "parameters.query: %s without (…) must not remove the node label %q", op, label)
		}
		if !e.Without && !slices.Contains(e.Grouping, label) {
			return depc.Errorf(depc.EINVALID, "parameters.query: %s must keep the node label %q, which depc splits results by: write %s by (%s) (…)", op, label, op, strings.Join(append(slices.Clone(e.Grouping), label), ", "))
		}
		if s, ok := e.Param.(*parser.StringLiteral); ok && e.Op == parser.COUNT_VALUES && s.Val == label {
			return depc.Errorf(depc.EINVALID, "parameters.query: count_values must not write its values into the node label %q", label)
		}
	case *parser.BinaryExpr:
		m := e.VectorMatching
		if m == nil {
			return nil // one side is a scalar
		}
		if m.On && !slices.Contains(m.MatchingLabels, label) {
			return depc.Errorf(depc.EINVALID, "parameters.query: on(…) of %s must include the node label %q, so that a node's series match only its own", e.Op, label)
		}
		if !m.On && slices.Contains(m.MatchingLabels, label) {
			return depc.Errorf(depc.EINVALID, "parameters.query: ignoring(…) of %s must not ignore the node label %q, so that a node's series match only its own", e.Op, label)
		}
	case *parser.Call:
		switch e.Func.Name {
		case "label_replace", "label_join":
			if s, ok := e.Args[1].(*parser.StringLiteral); ok && s.Val == label {
				return depc.Errorf(depc.EINVALID, "parameters.query: %s must not rewrite the node label %q", e.Func.Name, label)
			}
		case "absent", "absent_over_time":
			return depc.Errorf(depc.EINVALID, "parameters.query: %s returns series without the node label %q", e.Func.Name, label)
		case "scalar":
			if hasSelector(e.Args[0]) {
				return depc.Errorf(depc.EINVALID, "parameters.query: scalar() of series mixes the nodes fetched together: use a vector match on %q instead", label)
			}
		}
	}
	return nil
}

func hasSelector(n parser.Node) bool {
	found := false
	parser.Inspect(n, func(n parser.Node, _ []parser.Node) error {
		if _, ok := n.(*parser.VectorSelector); ok {
			found = true
		}
		return nil
	})
	return found
}

// checkName rejects the names no matcher can select: the empty name
// (label="" matches the series without the label) and invalid UTF-8, which
// Prometheus does not store.
func checkName(name string) error {
	if name == "" {
		return depc.Errorf(depc.EINVALID, "name: is empty")
	}
	if !utf8.ValidString(name) {
		return depc.Errorf(depc.EINVALID, "name: %q is not valid UTF-8", name)
	}
	return nil
}

// render returns the query with m added to every series selector.
func (q *query) render(m *labels.Matcher) string {
	for i, vs := range q.sels {
		own := q.orig[i]
		// A full slice expression so the append never writes into the
		// parser's backing array shared between renders.
		vs.LabelMatchers = append(own[:len(own):len(own)], m)
	}
	return q.expr.String()
}

// matcher returns the node matcher of names: label="n" for one name,
// label=~"n1|n2|…" for several, each name quoted so that regexp
// metacharacters in names match literally (Prometheus anchors the regexp).
//
// The matcher is built as a literal rather than with labels.NewMatcher:
// only its printed form is used, and compiling a regexp of a thousand
// alternatives for nothing would cost more than the rest of a render.
func (q *query) matcher(names []string) *labels.Matcher {
	if len(names) == 1 {
		return &labels.Matcher{Type: labels.MatchEqual, Name: q.label, Value: names[0]}
	}
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(regexp.QuoteMeta(n))
	}
	return &labels.Matcher{Type: labels.MatchRegexp, Name: q.label, Value: b.String()}
}

// batch is one query of a Fetch: the nodes it covers and its text.
type batch struct {
	names []string
	query string
}

// batches splits names into as few queries as the limits allow: at most
// maxNames names and maxBytes bytes of PromQL per query (a name too long to
// share a query still gets one of its own). The length is computed exactly:
// the regexp is repeated in every selector, each name costing its quoted,
// escaped length plus one separator.
func (q *query) batches(names []string, maxBytes, maxNames int) []batch {
	base := len(q.render(&labels.Matcher{Type: labels.MatchRegexp, Name: q.label}))
	sel := len(q.sels)
	var out []batch
	flush := func(ns []string) {
		out = append(out, batch{names: ns, query: q.render(q.matcher(ns))})
	}
	start, size := 0, 0
	for i, n := range names {
		cost := len(strconv.Quote(regexp.QuoteMeta(n))) - 2 // without the quotes
		if i > start {
			cost++ // the '|' before it
		}
		if i > start && (i-start >= maxNames || base+sel*(size+cost) > maxBytes) {
			flush(names[start:i])
			start, size, cost = i, 0, cost-1
		}
		size += cost
	}
	if start < len(names) {
		flush(names[start:])
	}
	return out
}

// NodeQuery returns query restricted to the given nodes: the matcher
// label="name" (one name) or label=~"n1|n2|…" (several, regexp-quoted) is
// added to every series selector, through the parsed syntax tree. label ""
// means DefaultLabel. It returns EINVALID for a query depc cannot restrict
// (see the package documentation) and for an empty or non-UTF-8 name.
func NodeQuery(query, label string, names ...string) (string, error) {
	if len(names) == 0 {
		return "", depc.Errorf(depc.EINVALID, "name: no node name given")
	}
	for _, n := range names {
		if err := checkName(n); err != nil {
			return "", err
		}
	}
	q, err := parseQuery(query, label)
	if err != nil {
		return "", err
	}
	return q.render(q.matcher(names)), nil
}
