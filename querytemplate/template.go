package querytemplate

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template/parse"
)

// Limits of what a template may be, so that rendering is bounded.
const (
	// MaxTemplateBytes bounds the text of a template (a query).
	MaxTemplateBytes = 256 << 10
	// MaxRenderedBytes bounds what a rendering produces.
	MaxRenderedBytes = 1 << 20
	// MaxVariableBytes bounds one variable's value.
	MaxVariableBytes = 16 << 10
	// MaxVariableNameLen bounds a variable's name.
	MaxVariableNameLen = 64
)

// Scopes of variables, as written after depc. in a template.
const (
	ScopeTeam   = "team"
	ScopeSource = "source"
	ScopeRule   = "rule"
	ScopeCheck  = "check"
)

// Scopes lists the variable scopes, from the widest.
var Scopes = []string{ScopeTeam, ScopeSource, ScopeRule, ScopeCheck}

var variableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ValidVariableName reports whether s may name a variable: an identifier
// (letters, digits, _; not starting with a digit) of at most
// MaxVariableNameLen bytes, so that it can be written depc.team.s.
func ValidVariableName(s string) bool {
	return len(s) <= MaxVariableNameLen && variableName.MatchString(s)
}

// Values are what a template's variables render to. Name, Start and End
// are depc.name, depc.start and depc.end; a nil map has no variables.
type Values struct {
	// Name is the node name; with KeepName, depc.name is left in the
	// output as written, for a source that renders it per node.
	Name     string
	KeepName bool
	// Start and End are the window's bounds in Unix seconds (0 when a
	// check is validated on save).
	Start, End int64
	Team       map[string]string
	Source     map[string]string
	Rule       map[string]string
	Check      map[string]string
}

func (v Values) scope(s string) map[string]string {
	switch s {
	case ScopeTeam:
		return v.Team
	case ScopeSource:
		return v.Source
	case ScopeRule:
		return v.Rule
	case ScopeCheck:
		return v.Check
	}
	return nil
}

// Error is a template that does not parse, uses what is not allowed or
// names an unknown variable. Pos is the byte offset in the template.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("at byte %d: %s", e.Pos, e.Msg) }

// filter is a whitelisted filter: a string function of its input and its
// string arguments.
type filter struct {
	args int
	fn   func(in string, args []string) string
}

// filters are the only functions a template may call. Each is a pure
// string function; quote and regex_escape make a value safe inside a
// PromQL/InfluxQL string or regular expression.
var filters = map[string]filter{
	"lower":        {0, func(s string, _ []string) string { return strings.ToLower(s) }},
	"upper":        {0, func(s string, _ []string) string { return strings.ToUpper(s) }},
	"trim":         {0, func(s string, _ []string) string { return strings.TrimSpace(s) }},
	"quote":        {0, func(s string, _ []string) string { return strconv.Quote(s) }},
	"regex_escape": {0, func(s string, _ []string) string { return regexp.QuoteMeta(s) }},
	"default": {1, func(s string, a []string) string {
		if s == "" {
			return a[0]
		}
		return s
	}},
	"replace": {2, func(s string, a []string) string { return strings.ReplaceAll(s, a[0], a[1]) }},
}

// Filters returns the names of the filters a template may use, sorted.
func Filters() []string {
	out := make([]string, 0, len(filters))
	for k := range filters {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Ref is one variable a template uses: Scope is "" for name, start and
// end, else one of Scopes, and Name the variable.
type Ref struct {
	Scope string
	Name  string
}

func (r Ref) String() string {
	if r.Scope == "" {
		return "depc." + r.Name
	}
	return "depc." + r.Scope + "." + r.Name
}

// action is one checked {{ … }}: the variable, its filters with their
// arguments, and its source text.
type action struct {
	pos     int
	ref     Ref
	filters []call
	text    string
}

type call struct {
	f    filter
	args []string
}

// piece is literal text or an action.
type piece struct {
	text string
	act  *action
}

// Template is a checked template.
type Template struct {
	src    string
	pieces []piece
}

// Parse checks a template: the text between actions is kept as is; each
// action must be one depc variable and whitelisted filters. A query
// without {{ is its own template.
func Parse(src string) (*Template, error) {
	if len(src) > MaxTemplateBytes {
		return nil, &Error{0, fmt.Sprintf("longer than %d bytes", MaxTemplateBytes)}
	}
	t := &Template{src: src}
	if !strings.Contains(src, "{{") {
		t.pieces = []piece{{text: src}}
		return t, nil
	}
	// depc and the filters are declared as functions so that the parser
	// accepts depc.team.x as a chain and filters as commands; they are
	// never called.
	trees, err := parse.Parse("query", src, "{{", "}}", funcNames())
	if err != nil {
		return nil, &Error{0, cleanParseError(err)}
	}
	tree := trees["query"]
	if len(trees) != 1 || tree == nil {
		return nil, &Error{0, "define and block are not allowed"}
	}
	if tree.Root == nil {
		return t, nil
	}
	for _, n := range tree.Root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			t.pieces = append(t.pieces, piece{text: string(n.Text)})
		case *parse.ActionNode:
			a, err := checkAction(src, n)
			if err != nil {
				return nil, err
			}
			t.pieces = append(t.pieces, piece{act: a})
		default:
			return nil, &Error{int(n.Position()), fmt.Sprintf("only variables ({{ depc.… }}) and filters are allowed, not %s", describe(n))}
		}
	}
	return t, nil
}

func funcNames() map[string]any {
	never := func() {}
	m := map[string]any{"depc": never}
	for k := range filters {
		m[k] = never
	}
	return m
}

// cleanParseError drops the template name the parser puts first.
func cleanParseError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "template: ")
	return strings.TrimPrefix(s, "query:")
}

func describe(n parse.Node) string {
	s := n.String()
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

func checkAction(src string, n *parse.ActionNode) (*action, error) {
	pos := int(n.Position())
	bad := func(msg string) error { return &Error{pos, msg} }
	p := n.Pipe
	if p == nil || len(p.Decl) > 0 || p.IsAssign || len(p.Cmds) == 0 {
		return nil, bad("variable declarations are not allowed")
	}
	a := &action{pos: pos, text: "{{" + strings.TrimSpace(n.String()[2:len(n.String())-2]) + "}}"}
	first := p.Cmds[0]
	if len(first.Args) != 1 {
		return nil, bad(fmt.Sprintf("%s: an action is one depc variable followed by filters", describe(first)))
	}
	ref, err := checkRef(first.Args[0])
	if err != nil {
		return nil, bad(err.Error())
	}
	a.ref = ref
	for _, c := range p.Cmds[1:] {
		if len(c.Args) == 0 {
			return nil, bad("empty filter")
		}
		id, ok := c.Args[0].(*parse.IdentifierNode)
		if !ok {
			return nil, bad(fmt.Sprintf("%s: after | comes a filter (%s)", describe(c), strings.Join(Filters(), ", ")))
		}
		f, ok := filters[id.Ident]
		if !ok {
			return nil, bad(fmt.Sprintf("unknown filter %q: the filters are %s", id.Ident, strings.Join(Filters(), ", ")))
		}
		if len(c.Args)-1 != f.args {
			return nil, bad(fmt.Sprintf("filter %s takes %d string arguments, not %d", id.Ident, f.args, len(c.Args)-1))
		}
		var args []string
		for _, arg := range c.Args[1:] {
			s, ok := arg.(*parse.StringNode)
			if !ok {
				return nil, bad(fmt.Sprintf("filter %s: its arguments must be strings (\"…\"), not %s", id.Ident, describe(arg)))
			}
			args = append(args, s.Text)
		}
		a.filters = append(a.filters, call{f, args})
	}
	return a, nil
}

// checkRef accepts depc.name, depc.start, depc.end and depc.SCOPE.VAR.
func checkRef(n parse.Node) (Ref, error) {
	ch, ok := n.(*parse.ChainNode)
	if !ok {
		return Ref{}, fmt.Errorf("%s: variables are written depc.name, depc.start, depc.end or depc.team.VAR (source, rule, check)", describe(n))
	}
	if id, ok := ch.Node.(*parse.IdentifierNode); !ok || id.Ident != "depc" {
		return Ref{}, fmt.Errorf("%s: variables start with depc (depc.team.VAR)", describe(n))
	}
	f := ch.Field
	switch {
	case len(f) == 1 && (f[0] == "name" || f[0] == "start" || f[0] == "end"):
		return Ref{Name: f[0]}, nil
	case len(f) == 2 && isScope(f[0]):
		return Ref{Scope: f[0], Name: f[1]}, nil
	}
	return Ref{}, fmt.Errorf("%s is not a variable: variables are depc.name, depc.start, depc.end and depc.%s.VAR", ch.String(), strings.Join(Scopes, "|"))
}

func isScope(s string) bool {
	for _, x := range Scopes {
		if x == s {
			return true
		}
	}
	return false
}

// Refs returns the variables the template uses, in order of appearance,
// each once.
func (t *Template) Refs() []Ref {
	var out []Ref
	seen := map[Ref]bool{}
	for _, p := range t.pieces {
		if p.act != nil && !seen[p.act.ref] {
			seen[p.act.ref] = true
			out = append(out, p.act.ref)
		}
	}
	return out
}

// HasVariables reports whether the template has any action.
func (t *Template) HasVariables() bool {
	for _, p := range t.pieces {
		if p.act != nil {
			return true
		}
	}
	return false
}

// Render substitutes the variables: an unknown one is an *Error naming it.
func (t *Template) Render(v Values) (string, error) {
	var b strings.Builder
	for _, p := range t.pieces {
		if p.act == nil {
			b.WriteString(p.text)
		} else {
			a := p.act
			var s string
			switch {
			case a.ref.Scope == "" && a.ref.Name == "name":
				if v.KeepName {
					b.WriteString(a.text)
					continue
				}
				s = v.Name
			case a.ref.Scope == "" && a.ref.Name == "start":
				s = strconv.FormatInt(v.Start, 10)
			case a.ref.Scope == "" && a.ref.Name == "end":
				s = strconv.FormatInt(v.End, 10)
			default:
				val, ok := v.scope(a.ref.Scope)[a.ref.Name]
				if !ok {
					return "", &Error{a.pos, fmt.Sprintf("unknown variable %s", a.ref)}
				}
				s = val
			}
			for _, c := range a.filters {
				s = c.f.fn(s, c.args)
			}
			b.WriteString(s)
		}
		if b.Len() > MaxRenderedBytes {
			return "", &Error{0, fmt.Sprintf("renders to more than %d bytes", MaxRenderedBytes)}
		}
	}
	return b.String(), nil
}

// Render parses and renders src.
func Render(src string, v Values) (string, error) {
	t, err := Parse(src)
	if err != nil {
		return "", err
	}
	return t.Render(v)
}
