package influxdb

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/depc-dev/depc"
	"github.com/influxdata/influxql"
)

// DefaultLabel is the tag holding the node name when a check names none and
// its query has no placeholder.
const DefaultLabel = "name"

// Placeholder is the bind parameter that stands for the node's name in a
// check's query: "name" = $name.
const Placeholder = "$name"

// sentinel is what the placeholder is bound to while parsing: the parser
// substitutes bind parameters token by token, so the placeholder becomes a
// string literal that the rewriting below finds and replaces. The NUL bytes
// keep it from being any string a user would write.
const sentinel = "\x00depc node name\x00"

// query is a check's query, parsed and prepared for rendering: every
// comparison with the node's name is known, every SELECT groups by the node
// tag and is bounded in time.
type query struct {
	stmt  *influxql.SelectStatement
	label string
	// nodes are the comparisons "<label> = <node>"; render sets their
	// operator and right-hand side.
	nodes []*influxql.BinaryExpr
	// from and to are the time bounds added to every SELECT.
	from, to []*influxql.TimeLiteral
}

// parseQuery parses a check's InfluxQL and prepares it for nodes (see the
// package documentation). Errors are EINVALID naming the field.
func parseQuery(text, label string) (*query, error) {
	if strings.TrimSpace(text) == "" {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: is required")
	}
	if !utf8.ValidString(text) {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: is not valid UTF-8")
	}
	if label != "" {
		if err := checkLabel(label); err != nil {
			return nil, err
		}
	}
	p := influxql.NewParser(strings.NewReader(text))
	p.SetParams(map[string]any{strings.TrimPrefix(Placeholder, "$"): sentinel})
	parsed, err := p.ParseQuery()
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "parameters.query: %s", strings.ReplaceAll(err.Error(), sentinel, Placeholder))
	}
	if len(parsed.Statements) != 1 {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: must be one SELECT statement, not %d statements", len(parsed.Statements))
	}
	stmt, ok := parsed.Statements[0].(*influxql.SelectStatement)
	if !ok {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: must be a SELECT statement")
	}
	q := &query{stmt: stmt}
	var selects []*influxql.SelectStatement
	var walkErr error
	influxql.WalkFunc(stmt, func(n influxql.Node) {
		if walkErr != nil {
			return
		}
		switch n := n.(type) {
		case *influxql.SelectStatement:
			selects = append(selects, n)
			walkErr = checkSelect(n)
		case *influxql.BinaryExpr:
			// The placeholder compared with a tag: a place for the node.
			ref, lit := comparison(n)
			if lit == nil || lit.Val != sentinel {
				return
			}
			if n.Op != influxql.EQ || ref == nil {
				walkErr = depc.Errorf(depc.EINVALID, "parameters.query: %s can only be compared with = to the tag holding the node name: %q = %s", Placeholder, DefaultLabel, Placeholder)
				return
			}
			if q.label != "" && ref.Val != q.label {
				walkErr = depc.Errorf(depc.EINVALID, "parameters.query: %s is compared with two tags, %q and %q: use one", Placeholder, q.label, ref.Val)
				return
			}
			q.label = ref.Val
			// The tag on the left, the node on the right, for render.
			n.LHS, n.RHS = ref, lit
			q.nodes = append(q.nodes, n)
		}
	})
	if walkErr != nil {
		return nil, walkErr
	}
	// Every use of the placeholder must be one of the comparisons found:
	// anywhere else (a field, a function argument) it cannot stand for a
	// batch of nodes.
	uses := 0
	influxql.WalkFunc(stmt, func(n influxql.Node) {
		if lit, ok := n.(*influxql.StringLiteral); ok && lit.Val == sentinel {
			uses++
		}
	})
	if uses != len(q.nodes) {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: %s can only be compared with = to the tag holding the node name: %q = %s", Placeholder, DefaultLabel, Placeholder)
	}
	switch {
	case q.label == "" && label == "":
		q.label = DefaultLabel
	case q.label == "":
		q.label = label
	case label != "" && label != q.label:
		return nil, depc.Errorf(depc.EINVALID, "parameters.label: is %q, but the query compares %s with %q", label, Placeholder, q.label)
	}
	if len(q.nodes) == 0 {
		// No placeholder: every SELECT that reads measurements gets the
		// comparison.
		for _, s := range selects {
			if !readsMeasurement(s) {
				continue
			}
			node := &influxql.BinaryExpr{Op: influxql.EQ, LHS: &influxql.VarRef{Val: q.label}, RHS: &influxql.StringLiteral{Val: sentinel}}
			s.Condition = and(s.Condition, node)
			q.nodes = append(q.nodes, node)
		}
	}
	for _, s := range selects {
		// Grouping by the node tag at every level keeps nodes apart, so
		// that a node's series do not depend on the others of its batch.
		if !groupsBy(s, q.label) {
			s.Dimensions = append(s.Dimensions, &influxql.Dimension{Expr: &influxql.VarRef{Val: q.label}})
		}
		from, to := &influxql.TimeLiteral{}, &influxql.TimeLiteral{}
		s.Condition = and(s.Condition, &influxql.BinaryExpr{
			Op:  influxql.AND,
			LHS: &influxql.BinaryExpr{Op: influxql.GTE, LHS: &influxql.VarRef{Val: "time"}, RHS: from},
			RHS: &influxql.BinaryExpr{Op: influxql.LT, LHS: &influxql.VarRef{Val: "time"}, RHS: to},
		})
		q.from = append(q.from, from)
		q.to = append(q.to, to)
	}
	return q, nil
}

// checkSelect refuses what a check's SELECT may not hold: a destination
// (INTO writes), series limits (which series are kept would depend on the
// other nodes of a batch), and conditions on time (depc sets the range from
// the window).
func checkSelect(s *influxql.SelectStatement) error {
	switch {
	case s.Target != nil:
		return depc.Errorf(depc.EINVALID, "parameters.query: SELECT … INTO writes data; a check only reads")
	case s.SLimit != 0 || s.SOffset != 0:
		return depc.Errorf(depc.EINVALID, "parameters.query: SLIMIT and SOFFSET would make a node's series depend on the other nodes fetched with it")
	}
	for _, src := range s.Sources {
		// FROM "" parses, but an empty name prints as nothing, so the
		// query depc sends would not parse (found by FuzzNodeQuery).
		if m, ok := src.(*influxql.Measurement); ok && m.Name == "" && m.Regex == nil && m.SystemIterator == "" {
			return depc.Errorf(depc.EINVALID, "parameters.query: a measurement name is empty")
		}
	}
	var err error
	if s.Condition != nil {
		influxql.WalkFunc(s.Condition, func(n influxql.Node) {
			if ref, ok := n.(*influxql.VarRef); ok && strings.EqualFold(ref.Val, "time") && err == nil {
				err = depc.Errorf(depc.EINVALID, "parameters.query: has a condition on time; depc sets the time range from the window")
			}
		})
	}
	return err
}

// comparison returns the tag and the string literal of a comparison between
// them, in either order.
func comparison(b *influxql.BinaryExpr) (*influxql.VarRef, *influxql.StringLiteral) {
	if lit, ok := b.RHS.(*influxql.StringLiteral); ok {
		ref, _ := b.LHS.(*influxql.VarRef)
		return ref, lit
	}
	if lit, ok := b.LHS.(*influxql.StringLiteral); ok {
		ref, _ := b.RHS.(*influxql.VarRef)
		return ref, lit
	}
	return nil, nil
}

func readsMeasurement(s *influxql.SelectStatement) bool {
	for _, src := range s.Sources {
		if _, ok := src.(*influxql.Measurement); ok {
			return true
		}
	}
	return false
}

func groupsBy(s *influxql.SelectStatement, label string) bool {
	for _, d := range s.Dimensions {
		switch e := d.Expr.(type) {
		case *influxql.Wildcard:
			return true
		case *influxql.VarRef:
			if e.Val == label {
				return true
			}
		}
	}
	return false
}

// and returns cond AND e, cond in parentheses so that its ORs stay inside.
func and(cond, e influxql.Expr) influxql.Expr {
	if cond == nil {
		return e
	}
	return &influxql.BinaryExpr{Op: influxql.AND, LHS: &influxql.ParenExpr{Expr: cond}, RHS: e}
}

// checkLabel checks parameters.label: a tag key. The printer quotes it, so
// any text is safe; time is not a tag.
func checkLabel(label string) error {
	switch {
	case !printable(label):
		return depc.Errorf(depc.EINVALID, "parameters.label: must be printable UTF-8")
	case strings.EqualFold(label, "time"):
		return depc.Errorf(depc.EINVALID, "parameters.label: time is not a tag")
	case len(label) > 256:
		return depc.Errorf(depc.EINVALID, "parameters.label: longer than 256 bytes")
	}
	return nil
}

// checkName refuses the names no query can select.
func checkName(name string) error {
	if name == "" {
		return depc.Errorf(depc.EINVALID, "name: is empty")
	}
	if !utf8.ValidString(name) {
		return depc.Errorf(depc.EINVALID, "name: %q is not valid UTF-8", name)
	}
	return nil
}

// literalSafe reports whether a name can be written as an InfluxQL string
// literal: not empty, and no control character. Node names that pass depc's
// name rule always are.
func literalSafe(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// render returns the query's InfluxQL for the names over [from, to). One
// name is compared with =, as a string literal; several (or a name with a
// NUL byte) with =~ and an
// anchored regular expression in which every character but letters and
// digits is written \x{…}, so that no name can end the literal or mean
// anything but itself. The printer quotes strings and identifiers.
func (q *query) render(names []string, from, to int64) string {
	for _, n := range q.nodes {
		// InfluxQL's scanner ends a string at a NUL byte, which a regular
		// expression can write \x{0}.
		// Nor does it take every control character in a literal ('\r'
		// does not scan, found by FuzzNodeQuery): such a name, or an
		// empty one, takes the regular expression too.
		if len(names) == 1 && literalSafe(names[0]) {
			n.Op, n.RHS = influxql.EQ, &influxql.StringLiteral{Val: names[0]}
		} else {
			n.Op, n.RHS = influxql.EQREGEX, &influxql.RegexLiteral{Val: namesRegexp(names)}
		}
	}
	for i := range q.from {
		q.from[i].Val = time.Unix(from, 0).UTC()
		q.to[i].Val = time.Unix(to, 0).UTC()
	}
	return q.stmt.String()
}

// namesRegexp returns the regular expression that matches exactly the
// names.
func namesRegexp(names []string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^(?:")
	for i, n := range names {
		if i > 0 {
			b.WriteByte('|')
		}
		quoteName(&b, n)
	}
	b.WriteString(")$")
	return regexp.MustCompile(b.String())
}

func quoteName(b *strings.Builder, name string) {
	for _, r := range name {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(b, `\x{%x}`, r)
		}
	}
}

// quotedLen is the length of a name in namesRegexp.
func quotedLen(name string) int {
	n := 0
	for _, r := range name {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' {
			n++
		} else {
			n += len(fmt.Sprintf(`\x{%x}`, r))
		}
	}
	return n
}

// batches splits names into groups whose query stays within maxBytes and
// maxNames. A name too long for maxBytes on its own gets a query of its
// own.
func (q *query) batches(names []string, from, to int64, maxBytes, maxNames int) [][]string {
	// The text around the names: the query rendered with an empty
	// alternation, the names' regexp appearing once per comparison.
	base := len(q.render([]string{"", ""}, from, to)) - len(q.nodes)
	var out [][]string
	var cur []string
	size := base
	for _, n := range names {
		add := (quotedLen(n) + 1) * len(q.nodes)
		if len(cur) > 0 && (len(cur) >= maxNames || size+add > maxBytes) {
			out = append(out, cur)
			cur, size = nil, base
		}
		cur = append(cur, n)
		size += add
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// NodeQuery returns the InfluxQL that a check's query becomes for names
// over [from, to), and the tag holding the node name: what Fetch sends, for
// tests and to show a user.
func NodeQuery(text, label string, from, to int64, names ...string) (string, string, error) {
	q, err := parseQuery(text, label)
	if err != nil {
		return "", "", err
	}
	for _, n := range names {
		if err := checkName(n); err != nil {
			return "", "", err
		}
	}
	if len(names) == 0 {
		return "", "", depc.Errorf(depc.EINVALID, "name: none given")
	}
	return q.render(names, from, to), q.label, nil
}

// influxqlParse parses a rendered query, as the server will.
func influxqlParse(text string) (influxql.Statement, error) {
	return influxql.ParseStatement(text)
}
