package expr

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/depc-dev/depc/qos/naming"
)

// Kind is what a label's qos expression computes.
type Kind uint8

// The kinds of expression. The zero Kind is invalid.
const (
	Rule    Kind = iota + 1 // rule.NAME: the node's rule timeline
	AND                     // operation.AND[…]
	OR                      // operation.OR[…]
	ATLEAST                 // operation.ATLEAST(m)[…]
	RATIO                   // operation.RATIO(r)[…]
	AVERAGE                 // aggregation.AVERAGE[…]
	MIN                     // aggregation.MIN[…]
	MAX                     // aggregation.MAX[…]
)

// String returns the kind as written in an expression: "rule",
// "operation.AND", …, "aggregation.MAX".
func (k Kind) String() string {
	switch k {
	case Rule:
		return "rule"
	case AND, OR, ATLEAST, RATIO:
		return "operation." + kindWords[k]
	case AVERAGE, MIN, MAX:
		return "aggregation." + kindWords[k]
	}
	return fmt.Sprintf("expr.Kind(%d)", uint8(k))
}

// IsOperation reports whether k combines its children's timelines into a
// timeline (AND, OR, ATLEAST, RATIO).
func (k Kind) IsOperation() bool { return k >= AND && k <= RATIO }

// IsAggregation reports whether k combines its children's QoS into a QoS
// (AVERAGE, MIN, MAX). An aggregation has no timeline, so only another
// aggregation may list its label.
func (k Kind) IsAggregation() bool { return k >= AVERAGE && k <= MAX }

// HasTimeline reports whether a label of kind k computes a timeline per
// node (a rule or an operation), which is what an operation needs from the
// labels it lists.
func (k Kind) HasTimeline() bool { return k == Rule || k.IsOperation() }

var kindWords = [...]string{
	AND: "AND", OR: "OR", ATLEAST: "ATLEAST", RATIO: "RATIO",
	AVERAGE: "AVERAGE", MIN: "MIN", MAX: "MAX",
}

// Limits of the expression language.
const (
	// MaxRuleNameLen is the longest rule name, in bytes, an expression may
	// name.
	MaxRuleNameLen = 255
	// MaxATLEAST is the largest count ATLEAST accepts.
	MaxATLEAST = math.MaxInt32
)

// Expr is a parsed qos expression: how the nodes of one label get their QoS.
// Which fields are meaningful depends on Kind.
type Expr struct {
	Kind Kind
	// Rule is the rule's name (kind Rule), without quotes.
	Rule string
	// Labels are the labels listed (operations and aggregations), in the
	// order written; never empty, no duplicates.
	Labels []string
	// M is ATLEAST's count, >= 1.
	M int
	// R is RATIO's ratio, in (0, 1]: the float64 nearest the
	// decimal written. Computing k/n >= R as float64(k)/float64(n) >= R
	// keeps the equality cases (7 OK of 20 for RATIO(0.35)): both sides
	// are the same real number rounded the same way.
	R float64
}

// Equal reports whether e and f are the same expression.
func (e Expr) Equal(f Expr) bool {
	if e.Kind != f.Kind || e.Rule != f.Rule || e.M != f.M || e.R != f.R || len(e.Labels) != len(f.Labels) {
		return false
	}
	for i := range e.Labels {
		if e.Labels[i] != f.Labels[i] {
			return false
		}
	}
	return true
}

// String returns the canonical form of e: "rule.Servers",
// "rule.'Server Ping'" (quoted when the name holds a space),
// "operation.AND[Filer, Apache]", "operation.ATLEAST(2)[Server]",
// "operation.RATIO(0.35)[Server]", "aggregation.AVERAGE[Website]". The
// result of an invalid e is not meant to parse.
func (e Expr) String() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	switch e.Kind {
	case Rule:
		b.WriteByte('.')
		if strings.Contains(e.Rule, " ") {
			b.WriteString("'" + e.Rule + "'")
		} else {
			b.WriteString(e.Rule)
		}
		return b.String()
	case ATLEAST:
		b.WriteString("(" + strconv.Itoa(e.M) + ")")
	case RATIO:
		// The shortest decimal that reads back as the same float64.
		b.WriteString("(" + strconv.FormatFloat(e.R, 'f', -1, 64) + ")")
	}
	b.WriteByte('[')
	for i, l := range e.Labels {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l)
	}
	b.WriteByte(']')
	return b.String()
}

// MarshalText writes the canonical form, so an Expr is a JSON string.
func (e Expr) MarshalText() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return []byte(e.String()), nil
}

// UnmarshalText parses an expression.
func (e *Expr) UnmarshalText(text []byte) error {
	x, err := Parse(string(text))
	if err != nil {
		return err
	}
	*e = x
	return nil
}

// Validate checks what Parse guarantees, for an Expr built in code: a
// known kind, a valid rule name, a non-empty list of valid distinct labels,
// M >= 1, 0 < R <= 1, and no field that the kind does not use.
func (e Expr) Validate() error {
	switch {
	case e.Kind == Rule:
		if err := ValidateRuleName(e.Rule); err != nil {
			return err
		}
		if len(e.Labels) > 0 || e.M != 0 || e.R != 0 {
			return errors.New("a rule expression has no labels and no parameter")
		}
		return nil
	case e.Kind.IsOperation() || e.Kind.IsAggregation():
	default:
		return fmt.Errorf("unknown expression kind %d", uint8(e.Kind))
	}
	if e.Rule != "" {
		return fmt.Errorf("%s has no rule name", e.Kind)
	}
	if e.Kind == ATLEAST {
		if e.M < 1 || e.M > MaxATLEAST {
			return fmt.Errorf("ATLEAST count must be between 1 and %d, found %d", MaxATLEAST, e.M)
		}
	} else if e.M != 0 {
		return fmt.Errorf("%s has no count", e.Kind)
	}
	if e.Kind == RATIO {
		if !(e.R > 0 && e.R <= 1) { // also catches NaN
			return fmt.Errorf("RATIO must be greater than 0 and at most 1, found %v", e.R)
		}
	} else if e.R != 0 {
		return fmt.Errorf("%s has no ratio", e.Kind)
	}
	if len(e.Labels) == 0 {
		return fmt.Errorf("%s lists no label", e.Kind)
	}
	var seen naming.Set
	for _, l := range e.Labels {
		if msg := naming.LabelProblem(l); msg != "" {
			return fmt.Errorf("label %s %s", naming.Quote(l), msg)
		}
		if seen.Add(l) {
			return fmt.Errorf("label %s is listed twice", l)
		}
	}
	return nil
}

// ValidateRuleName reports why name cannot be named by a rule expression:
// it must be 1 to MaxRuleNameLen bytes of valid UTF-8, printable
// (unicode.IsPrint: letters, digits, punctuation, symbols and the ASCII
// space), without "'", and must not start or end with a space. The rules
// API should apply it to rule names on save so every rule can be
// configured.
func ValidateRuleName(name string) error {
	if _, msg := ruleNameProblem(name); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// ruleNameProblem returns the byte offset in name of the first problem
// and its description, or "" when name is valid.
func ruleNameProblem(name string) (int, string) {
	if name == "" {
		return 0, "rule name is empty"
	}
	if len(name) > MaxRuleNameLen {
		return MaxRuleNameLen, fmt.Sprintf("rule name is longer than %d bytes", MaxRuleNameLen)
	}
	if name[0] == ' ' {
		return 0, "rule name must not start with a space"
	}
	for i, r := range name {
		switch {
		case r == utf8.RuneError && invalidAt(name, i):
			return i, "rule name is not valid UTF-8"
		case r == '\'':
			return i, `rule name must not contain "'"`
		case !unicode.IsPrint(r):
			return i, "rule name must not contain " + strconv.Quote(string(r))
		}
	}
	if name[len(name)-1] == ' ' {
		return len(name) - 1, "rule name must not end with a space"
	}
	return 0, ""
}

func invalidAt(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 1
}

// clip cuts digits, which need no quoting, to a readable length.
func clip(digits string) string {
	const max = 64
	if len(digits) > max {
		return digits[:max] + "..."
	}
	return digits
}

// SyntaxError is a syntax error in a qos expression.
type SyntaxError struct {
	// Column is the 1-based position, in characters, where the problem
	// was found; one past the last character when the expression ended
	// too early.
	Column int
	// Msg says what was expected or what is wrong.
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("column %d: %s", e.Column, e.Msg) }

// Parse parses a label's qos expression. Its errors are *SyntaxError
// saying what was expected at which column.
func Parse(s string) (Expr, error) {
	p := parser{s: s}
	e, err := p.parse()
	if err != nil {
		return Expr{}, err
	}
	return e, nil
}

type parser struct {
	s string
	i int // byte offset of the next character
}

func (p *parser) errAt(i int, format string, args ...any) error {
	return &SyntaxError{Column: utf8.RuneCountInString(p.s[:i]) + 1, Msg: fmt.Sprintf(format, args...)}
}

// found describes what is at byte offset i, for "expected X, found Y"
// messages: a whole word when one starts there, else one character.
func (p *parser) found(i int) string {
	if i >= len(p.s) {
		return "end of expression"
	}
	if isAlnum(p.s[i]) {
		j := i
		for j < len(p.s) && isAlnum(p.s[j]) && j-i < 32 {
			j++
		}
		return strconv.Quote(p.s[i:j])
	}
	r, size := utf8.DecodeRuneInString(p.s[i:])
	if r == utf8.RuneError && size == 1 {
		return fmt.Sprintf("invalid UTF-8 byte %#x", p.s[i])
	}
	return strconv.Quote(string(r))
}

func (p *parser) expected(what string) error {
	return p.errAt(p.i, "expected %s, found %s", what, p.found(p.i))
}

// word reads [a-zA-Z]* at the current position.
func (p *parser) word() string {
	j := p.i
	for j < len(p.s) && (isUpper(p.s[j]) || isLower(p.s[j])) {
		j++
	}
	w := p.s[p.i:j]
	p.i = j
	return w
}

func (p *parser) peek(c byte) bool { return p.i < len(p.s) && p.s[p.i] == c }

func (p *parser) parse() (Expr, error) {
	if p.s == "" {
		return Expr{}, p.errAt(0, "empty expression; expected rule.NAME, operation.OP[...] or aggregation.OP[...]")
	}
	start := p.i
	family := p.word()
	switch family {
	case "rule", "operation", "aggregation":
	default:
		p.i = start
		return Expr{}, p.expected(`"rule.", "operation." or "aggregation."`)
	}
	if !p.peek('.') {
		return Expr{}, p.expected(fmt.Sprintf(`"." after %q`, family))
	}
	p.i++
	if family == "rule" {
		return p.rule()
	}

	nameAt := p.i
	name := p.word()
	var e Expr
	switch {
	case family == "operation" && name == "AND":
		e.Kind = AND
	case family == "operation" && name == "OR":
		e.Kind = OR
	case family == "operation" && name == "ATLEAST":
		e.Kind = ATLEAST
	case family == "operation" && name == "RATIO":
		e.Kind = RATIO
	case family == "aggregation" && name == "AVERAGE":
		e.Kind = AVERAGE
	case family == "aggregation" && name == "MIN":
		e.Kind = MIN
	case family == "aggregation" && name == "MAX":
		e.Kind = MAX
	default:
		p.i = nameAt
		names := "AND, OR, ATLEAST or RATIO"
		if family == "aggregation" {
			names = "AVERAGE, MIN or MAX"
		}
		if name != "" {
			hint := ""
			for k := AND; k <= MAX; k++ {
				if kindWords[k] == name {
					hint = fmt.Sprintf(" (%s is %s)", name, k)
				}
			}
			return Expr{}, p.errAt(nameAt, "unknown %s %s; expected %s%s", family, naming.Quote(name), names, hint)
		}
		return Expr{}, p.expected("an " + family + " (" + names + ")")
	}

	var err error
	switch e.Kind {
	case ATLEAST:
		e.M, err = p.count()
	case RATIO:
		e.R, err = p.ratio()
	default:
		if p.peek('(') {
			p.i++
			if !p.peek(')') {
				return Expr{}, p.errAt(p.i, "%s takes no parameter: expected \")\", found %s", name, p.found(p.i))
			}
			p.i++
		}
	}
	if err != nil {
		return Expr{}, err
	}
	if e.Labels, err = p.list(); err != nil {
		return Expr{}, err
	}
	if p.i < len(p.s) {
		return Expr{}, p.errAt(p.i, "expected end of expression after \"]\", found %s", p.found(p.i))
	}
	return e, nil
}

func (p *parser) rule() (Expr, error) {
	nameAt := p.i
	name := p.s[p.i:]
	if strings.HasPrefix(name, "'") {
		end := strings.IndexByte(name[1:], '\'')
		if end < 0 {
			return Expr{}, p.errAt(len(p.s), "expected \"'\" closing the rule name opened at column %d, found end of expression",
				utf8.RuneCountInString(p.s[:nameAt])+1)
		}
		name = name[1 : 1+end]
		nameAt++
		if after := nameAt + end + 1; after < len(p.s) {
			return Expr{}, p.errAt(after, "expected end of expression after the quoted rule name, found %s", p.found(after))
		}
	}
	if name == "" {
		return Expr{}, p.errAt(nameAt, "expected a rule name, found %s", p.found(nameAt))
	}
	if i, msg := ruleNameProblem(name); msg != "" {
		return Expr{}, p.errAt(nameAt+i, "%s", msg)
	}
	return Expr{Kind: Rule, Rule: name}, nil
}

// count reads ATLEAST's "(m)".
func (p *parser) count() (int, error) {
	if !p.peek('(') {
		return 0, p.expected(`"(" and a count after ATLEAST`)
	}
	p.i++
	at := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	if p.i == at {
		return 0, p.expected("an integer count >= 1")
	}
	digits := p.s[at:p.i]
	if p.peek('.') {
		return 0, p.errAt(p.i, "ATLEAST count must be an integer, found %s", p.found(p.i))
	}
	if !p.peek(')') {
		return 0, p.expected(`")" after the count`)
	}
	p.i++
	m, err := strconv.Atoi(digits)
	if err != nil || m > MaxATLEAST {
		return 0, p.errAt(at, "ATLEAST count must be at most %d, found %s", MaxATLEAST, clip(digits))
	}
	if m < 1 {
		return 0, p.errAt(at, "ATLEAST count must be at least 1, found %s", clip(digits))
	}
	return m, nil
}

// ratio reads RATIO's "(r)".
func (p *parser) ratio() (float64, error) {
	if !p.peek('(') {
		return 0, p.expected(`"(" and a ratio after RATIO`)
	}
	p.i++
	at := p.i
	intEnd := p.i
	for intEnd < len(p.s) && isDigit(p.s[intEnd]) {
		intEnd++
	}
	p.i = intEnd
	fracAt := intEnd
	if p.peek('.') {
		p.i++
		fracAt = p.i
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
		if p.i == fracAt {
			return 0, p.expected(`a digit after "."`)
		}
	}
	if p.i == at {
		return 0, p.expected("a decimal ratio (0 < r <= 1, e.g. 0.5)")
	}
	text := p.s[at:p.i]
	if !p.peek(')') {
		return 0, p.expected(`")" after the ratio`)
	}
	p.i++
	// Check the bounds on the digits as written: the float64 of
	// 1.0000000000000000001 is 1, but the ratio is above 1.
	intPart := strings.TrimLeft(p.s[at:intEnd], "0")
	fracNonZero := strings.Trim(p.s[fracAt:p.i-1], "0") != ""
	switch {
	case intPart == "" && !fracNonZero:
		return 0, p.errAt(at, "RATIO must be greater than 0, found %s", clip(text))
	case intPart != "" && (intPart != "1" || fracNonZero):
		return 0, p.errAt(at, "RATIO must be at most 1, found %s", clip(text))
	}
	r, err := strconv.ParseFloat(text, 64)
	if err != nil || r == 0 {
		// Only a ratio below the smallest float64 gets here.
		return 0, p.errAt(at, "RATIO %s is too small", clip(text))
	}
	return r, nil
}

// list reads "[L1, L2, …]".
func (p *parser) list() ([]string, error) {
	if !p.peek('[') {
		return nil, p.expected(`"[" and a list of labels`)
	}
	p.i++
	var labels []string
	var seen naming.Set
	for {
		p.spaces()
		at := p.i
		for p.i < len(p.s) && isAlnum(p.s[p.i]) {
			p.i++
		}
		l := p.s[at:p.i]
		if l == "" {
			return nil, p.expected("a label")
		}
		if msg := naming.LabelProblem(l); msg != "" {
			return nil, p.errAt(at, "label %s %s", naming.Quote(l), msg)
		}
		if seen.Add(l) {
			return nil, p.errAt(at, "label %s is listed twice", l)
		}
		labels = append(labels, l)
		p.spaces()
		switch {
		case p.peek(','):
			p.i++
		case p.peek(']'):
			p.i++
			return labels, nil
		default:
			return nil, p.expected(fmt.Sprintf(`"," or "]" after label %s`, l))
		}
	}
}

func (p *parser) spaces() {
	for p.peek(' ') {
		p.i++
	}
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool { return isUpper(c) || isLower(c) || isDigit(c) }
