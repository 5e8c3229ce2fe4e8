package expr_test

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos/expr"
	"github.com/depc-dev/depc/qos/naming"
)

func rule(name string) expr.Expr { return expr.Expr{Kind: expr.Rule, Rule: name} }

func op(k expr.Kind, labels ...string) expr.Expr { return expr.Expr{Kind: k, Labels: labels} }

func atLeast(m int, labels ...string) expr.Expr {
	return expr.Expr{Kind: expr.ATLEAST, M: m, Labels: labels}
}

func ratio(r float64, labels ...string) expr.Expr {
	return expr.Expr{Kind: expr.RATIO, R: r, Labels: labels}
}

// acceptedExprs are expressions the grammar accepts, with what they mean
// and their canonical form. The first group is every accepted example of
// api.md and the original DepC tutorial.
var acceptedExprs = []struct {
	in        string
	want      expr.Expr
	canonical string
}{
	// api.md and the tutorial.
	{"rule.Servers", rule("Servers"), "rule.Servers"},
	{"rule.'Server Ping'", rule("Server Ping"), "rule.'Server Ping'"},
	{"operation.AND[Filer, Apache]", op(expr.AND, "Filer", "Apache"), "operation.AND[Filer, Apache]"},
	{"operation.RATIO(0.5)[Server]", ratio(0.5, "Server"), "operation.RATIO(0.5)[Server]"},
	{"operation.ATLEAST(2)[Server]", atLeast(2, "Server"), "operation.ATLEAST(2)[Server]"},
	{"operation.OR[A, B]", op(expr.OR, "A", "B"), "operation.OR[A, B]"},
	{"aggregation.AVERAGE[Website]", op(expr.AVERAGE, "Website"), "aggregation.AVERAGE[Website]"},
	{"operation.RATIO(0.35)[Server]", ratio(0.35, "Server"), "operation.RATIO(0.35)[Server]"},
	{"operation.RATIO(.5)[Server]", ratio(0.5, "Server"), "operation.RATIO(0.5)[Server]"},
	{"operation.RATIO(1)[Server]", ratio(1, "Server"), "operation.RATIO(1)[Server]"},
	{"operation.RATIO(1.0)[Server]", ratio(1, "Server"), "operation.RATIO(1)[Server]"},
	{"aggregation.MIN[Website]", op(expr.MIN, "Website"), "aggregation.MIN[Website]"},
	{"aggregation.MAX[Website]", op(expr.MAX, "Website"), "aggregation.MAX[Website]"},

	// Rule names: quoted or not, spaces inside, any printable character
	// but the quote.
	{"rule.Server Ping", rule("Server Ping"), "rule.'Server Ping'"},
	{"rule.'Servers'", rule("Servers"), "rule.Servers"},
	{"rule.a", rule("a"), "rule.a"},
	{"rule.x.y", rule("x.y"), "rule.x.y"},
	{"rule.rule.X", rule("rule.X"), "rule.rule.X"},
	{"rule.A  B", rule("A  B"), "rule.'A  B'"},
	{"rule.[Filer]", rule("[Filer]"), "rule.[Filer]"},
	{"rule.Réseau Ping ✓", rule("Réseau Ping ✓"), "rule.'Réseau Ping ✓'"},
	{"rule.operation.AND[A]", rule("operation.AND[A]"), "rule.operation.AND[A]"},
	{`rule."quoted"`, rule(`"quoted"`), `rule."quoted"`},
	{"rule." + strings.Repeat("r", expr.MaxRuleNameLen), rule(strings.Repeat("r", expr.MaxRuleNameLen)), "rule." + strings.Repeat("r", expr.MaxRuleNameLen)},

	// Optional () after AND, OR and the aggregations; spaces around labels.
	{"operation.AND()[Filer,Apache]", op(expr.AND, "Filer", "Apache"), "operation.AND[Filer, Apache]"},
	{"operation.OR()[A]", op(expr.OR, "A"), "operation.OR[A]"},
	{"aggregation.AVERAGE()[Website]", op(expr.AVERAGE, "Website"), "aggregation.AVERAGE[Website]"},
	{"aggregation.MIN()[A, B]", op(expr.MIN, "A", "B"), "aggregation.MIN[A, B]"},
	{"aggregation.MAX()[A]", op(expr.MAX, "A"), "aggregation.MAX[A]"},
	{"operation.AND[ Filer ,  Apache ]", op(expr.AND, "Filer", "Apache"), "operation.AND[Filer, Apache]"},
	{"operation.OR[B, A]", op(expr.OR, "B", "A"), "operation.OR[B, A]"},
	{"operation.AND[A,B,C,D]", op(expr.AND, "A", "B", "C", "D"), "operation.AND[A, B, C, D]"},
	{"operation.OR[" + manyLabels(40) + "]", op(expr.OR, strings.Split(manyLabels(40), ", ")...), "operation.OR[" + manyLabels(40) + "]"},
	{"operation.AND[AAA, AA, A]", op(expr.AND, "AAA", "AA", "A"), "operation.AND[AAA, AA, A]"},
	{"operation.AND[Filer2, HTTPServer, X9z]", op(expr.AND, "Filer2", "HTTPServer", "X9z"), "operation.AND[Filer2, HTTPServer, X9z]"},
	{"operation.AND[" + strings.Repeat("L", naming.MaxLabelLen) + "]", op(expr.AND, strings.Repeat("L", naming.MaxLabelLen)), "operation.AND[" + strings.Repeat("L", naming.MaxLabelLen) + "]"},

	// ATLEAST counts.
	{"operation.ATLEAST(1)[A]", atLeast(1, "A"), "operation.ATLEAST(1)[A]"},
	{"operation.ATLEAST(007)[A]", atLeast(7, "A"), "operation.ATLEAST(7)[A]"},
	{"operation.ATLEAST(10)[A, B]", atLeast(10, "A", "B"), "operation.ATLEAST(10)[A, B]"},
	{"operation.ATLEAST(2147483647)[A]", atLeast(math.MaxInt32, "A"), "operation.ATLEAST(2147483647)[A]"},

	// RATIO decimals.
	{"operation.RATIO(0.6)[A]", ratio(0.6, "A"), "operation.RATIO(0.6)[A]"},
	{"operation.RATIO(00.25)[A]", ratio(0.25, "A"), "operation.RATIO(0.25)[A]"},
	{"operation.RATIO(0.250)[A]", ratio(0.25, "A"), "operation.RATIO(0.25)[A]"},
	{"operation.RATIO(1.000)[A]", ratio(1, "A"), "operation.RATIO(1)[A]"},
	{"operation.RATIO(01)[A]", ratio(1, "A"), "operation.RATIO(1)[A]"},
	{"operation.RATIO(0.001)[A]", ratio(0.001, "A"), "operation.RATIO(0.001)[A]"},
	{"operation.RATIO(0.3333333333333333333333)[A]", ratio(1.0/3, "A"), "operation.RATIO(0.3333333333333333)[A]"},
	{"operation.RATIO(0.99999999999999999999)[A]", ratio(1, "A"), "operation.RATIO(1)[A]"},
}

func TestParseAccepts(t *testing.T) {
	for _, tc := range acceptedExprs {
		got, err := expr.Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
		if s := got.String(); s != tc.canonical {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, s, tc.canonical)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("Parse(%q).Validate(): %v", tc.in, err)
		}
		again, err := expr.Parse(got.String())
		if err != nil || !again.Equal(got) {
			t.Errorf("Parse(%q) = %#v, %v; want %#v", got.String(), again, err, got)
		}
	}
}

// rejectedExprs are expressions the grammar rejects, with the exact
// message: where (column, in characters) and what was expected.
var rejectedExprs = []struct{ in, want string }{
	// The whole expression.
	{"", "column 1: empty expression; expected rule.NAME, operation.OP[...] or aggregation.OP[...]"},
	{" rule.Servers", `column 1: expected "rule.", "operation." or "aggregation.", found " "`},
	{"Rule.Servers", `column 1: expected "rule.", "operation." or "aggregation.", found "Rule"`},
	{"rules.Servers", `column 1: expected "rule.", "operation." or "aggregation.", found "rules"`},
	{"RULE.Servers", `column 1: expected "rule.", "operation." or "aggregation.", found "RULE"`},
	{"Servers", `column 1: expected "rule.", "operation." or "aggregation.", found "Servers"`},
	{"[Filer]", `column 1: expected "rule.", "operation." or "aggregation.", found "["`},
	{"rule", `column 5: expected "." after "rule", found end of expression`},
	{"rule:Servers", `column 5: expected "." after "rule", found ":"`},
	{"rule Servers", `column 5: expected "." after "rule", found " "`},
	{"operation AND[A]", `column 10: expected "." after "operation", found " "`},
	{"aggregation[A]", `column 12: expected "." after "aggregation", found "["`},

	// Rule names.
	{"rule.", "column 6: expected a rule name, found end of expression"},
	{"rule.''", `column 7: expected a rule name, found "'"`},
	{"rule.'", `column 7: expected "'" closing the rule name opened at column 6, found end of expression`},
	{"rule.'Server Ping", `column 18: expected "'" closing the rule name opened at column 6, found end of expression`},
	{"rule.'Server' Ping'", `column 14: expected end of expression after the quoted rule name, found " "`},
	{"rule.'Servers' ", `column 15: expected end of expression after the quoted rule name, found " "`},
	{"rule.'a'b", `column 9: expected end of expression after the quoted rule name, found "b"`},
	{"rule.O'Brien", `column 7: rule name must not contain "'"`},
	{"rule.Servers'", `column 13: rule name must not contain "'"`},
	{"rule.Servers ", "column 13: rule name must not end with a space"},
	{"rule. Servers", "column 6: rule name must not start with a space"},
	{"rule.' Servers'", "column 7: rule name must not start with a space"},
	{"rule.'Servers '", "column 14: rule name must not end with a space"},
	{"rule. ", "column 6: rule name must not start with a space"},
	{"rule.Server\tPing", `column 12: rule name must not contain "\t"`},
	{"rule.Servers\n", `column 13: rule name must not contain "\n"`},
	{"rule.Server\u00a0Ping", `column 12: rule name must not contain "\u00a0"`},
	{"rule.é\xff", "column 7: rule name is not valid UTF-8"},
	{"rule." + strings.Repeat("r", expr.MaxRuleNameLen+1), "column 261: rule name is longer than 255 bytes"},

	// Operation and aggregation names.
	{"operation.", "column 11: expected an operation (AND, OR, ATLEAST or RATIO), found end of expression"},
	{"operation.[A]", `column 11: expected an operation (AND, OR, ATLEAST or RATIO), found "["`},
	{"operation.and[A]", `column 11: unknown operation "and"; expected AND, OR, ATLEAST or RATIO`},
	{"operation.XOR[A]", `column 11: unknown operation "XOR"; expected AND, OR, ATLEAST or RATIO`},
	{"operation.ANDOR[A]", `column 11: unknown operation "ANDOR"; expected AND, OR, ATLEAST or RATIO`},
	{"operation.AVERAGE[A]", `column 11: unknown operation "AVERAGE"; expected AND, OR, ATLEAST or RATIO (AVERAGE is aggregation.AVERAGE)`},
	{"aggregation.AND[A]", `column 13: unknown aggregation "AND"; expected AVERAGE, MIN or MAX (AND is operation.AND)`},
	{"aggregation.SUM[A]", `column 13: unknown aggregation "SUM"; expected AVERAGE, MIN or MAX`},
	{"aggregation.average[A]", `column 13: unknown aggregation "average"; expected AVERAGE, MIN or MAX`},
	{"aggregation.", "column 13: expected an aggregation (AVERAGE, MIN or MAX), found end of expression"},
	{"operation.AND2[A]", `column 14: expected "[" and a list of labels, found "2"`},

	// The optional () of AND, OR and the aggregations.
	{"operation.AND(2)[A]", `column 15: AND takes no parameter: expected ")", found "2"`},
	{"operation.OR(", `column 14: OR takes no parameter: expected ")", found end of expression`},
	{"operation.AND( )[A]", `column 15: AND takes no parameter: expected ")", found " "`},
	{"aggregation.AVERAGE(Website)", `column 21: AVERAGE takes no parameter: expected ")", found "Website"`},
	{"aggregation.MAX()()[A]", `column 18: expected "[" and a list of labels, found "("`},
	{"operation.AND ()[A]", `column 14: expected "[" and a list of labels, found " "`},

	// ATLEAST.
	{"operation.ATLEAST[A]", `column 18: expected "(" and a count after ATLEAST, found "["`},
	{"operation.ATLEAST()[A]", `column 19: expected an integer count >= 1, found ")"`},
	{"operation.ATLEAST(0)[A]", "column 19: ATLEAST count must be at least 1, found 0"},
	{"operation.ATLEAST(00)[A]", "column 19: ATLEAST count must be at least 1, found 00"},
	{"operation.ATLEAST(-1)[A]", `column 19: expected an integer count >= 1, found "-"`},
	{"operation.ATLEAST(+1)[A]", `column 19: expected an integer count >= 1, found "+"`},
	{"operation.ATLEAST( 2)[A]", `column 19: expected an integer count >= 1, found " "`},
	{"operation.ATLEAST(2 )[A]", `column 20: expected ")" after the count, found " "`},
	{"operation.ATLEAST(2.5)[A]", `column 20: ATLEAST count must be an integer, found "."`},
	{"operation.ATLEAST(2.0)[A]", `column 20: ATLEAST count must be an integer, found "."`},
	{"operation.ATLEAST(1e3)[A]", `column 20: expected ")" after the count, found "e3"`},
	{"operation.ATLEAST(two)[A]", `column 19: expected an integer count >= 1, found "two"`},
	{"operation.ATLEAST(2147483648)[A]", "column 19: ATLEAST count must be at most 2147483647, found 2147483648"},
	{"operation.ATLEAST(99999999999999999999)[A]", "column 19: ATLEAST count must be at most 2147483647, found 99999999999999999999"},
	{"operation.ATLEAST(2)", `column 21: expected "[" and a list of labels, found end of expression`},
	{"operation.ATLEAST(2", `column 20: expected ")" after the count, found end of expression`},

	// RATIO.
	{"operation.RATIO[A]", `column 16: expected "(" and a ratio after RATIO, found "["`},
	{"operation.RATIO()[A]", `column 17: expected a decimal ratio (0 < r <= 1, e.g. 0.5), found ")"`},
	{"operation.RATIO(0)[A]", "column 17: RATIO must be greater than 0, found 0"},
	{"operation.RATIO(0.0)[A]", "column 17: RATIO must be greater than 0, found 0.0"},
	{"operation.RATIO(.0)[A]", "column 17: RATIO must be greater than 0, found .0"},
	{"operation.RATIO(000)[A]", "column 17: RATIO must be greater than 0, found 000"},
	{"operation.RATIO(1.5)[A]", "column 17: RATIO must be at most 1, found 1.5"},
	{"operation.RATIO(2)[A]", "column 17: RATIO must be at most 1, found 2"},
	{"operation.RATIO(10)[A]", "column 17: RATIO must be at most 1, found 10"},
	{"operation.RATIO(1.0000000000000000001)[A]", "column 17: RATIO must be at most 1, found 1.0000000000000000001"},
	{"operation.RATIO(1.)[A]", `column 19: expected a digit after ".", found ")"`},
	{"operation.RATIO(.)[A]", `column 18: expected a digit after ".", found ")"`},
	{"operation.RATIO(-0.5)[A]", `column 17: expected a decimal ratio (0 < r <= 1, e.g. 0.5), found "-"`},
	{"operation.RATIO(+0.5)[A]", `column 17: expected a decimal ratio (0 < r <= 1, e.g. 0.5), found "+"`},
	{"operation.RATIO(50%)[A]", `column 19: expected ")" after the ratio, found "%"`},
	{"operation.RATIO(0,5)[A]", `column 18: expected ")" after the ratio, found ","`},
	{"operation.RATIO(5e-1)[A]", `column 18: expected ")" after the ratio, found "e"`},
	{"operation.RATIO(0.5.1)[A]", `column 20: expected ")" after the ratio, found "."`},
	{"operation.RATIO(NaN)[A]", `column 17: expected a decimal ratio (0 < r <= 1, e.g. 0.5), found "NaN"`},
	{"operation.RATIO(0x1p-1)[A]", `column 18: expected ")" after the ratio, found "x1p"`},
	{"operation.RATIO(0.5 )[A]", `column 20: expected ")" after the ratio, found " "`},
	{"operation.RATIO(0." + strings.Repeat("0", 400) + "1)[A]", "column 17: RATIO 0." + strings.Repeat("0", 62) + "... is too small"},
	{"operation.ATLEAST(" + strings.Repeat("9", 100) + ")[A]", "column 19: ATLEAST count must be at most 2147483647, found " + strings.Repeat("9", 64) + "..."},
	{"operation." + strings.Repeat("X", 100) + "[A]", `column 11: unknown operation "` + strings.Repeat("X", 64) + `"...; expected AND, OR, ATLEAST or RATIO`},

	// Label lists.
	{"operation.AND", `column 14: expected "[" and a list of labels, found end of expression`},
	{"operation.AND Filer", `column 14: expected "[" and a list of labels, found " "`},
	{"operation.AND(Filer, Apache)", `column 15: AND takes no parameter: expected ")", found "Filer"`},
	{"operation.AND[", "column 15: expected a label, found end of expression"},
	{"operation.AND[]", `column 15: expected a label, found "]"`},
	{"operation.AND[ ]", `column 16: expected a label, found "]"`},
	{"operation.AND[,A]", `column 15: expected a label, found ","`},
	{"operation.AND[A,]", `column 17: expected a label, found "]"`},
	{"operation.AND[A,,B]", `column 17: expected a label, found ","`},
	{"operation.AND[A", `column 16: expected "," or "]" after label A, found end of expression`},
	{"operation.AND[A B]", `column 17: expected "," or "]" after label A, found "B"`},
	{"operation.AND[A;B]", `column 16: expected "," or "]" after label A, found ";"`},
	{"operation.AND[A-1]", `column 16: expected "," or "]" after label A, found "-"`},
	{"operation.AND[A_b]", `column 16: expected "," or "]" after label A, found "_"`},
	{"operation.AND[A\tB]", `column 16: expected "," or "]" after label A, found "\t"`},
	{"operation.AND[\tA]", `column 15: expected a label, found "\t"`},
	{"operation.AND[filer]", `column 15: label "filer" must start with an uppercase letter (labels match ^[A-Z]+[a-zA-Z0-9]*$)`},
	{"operation.AND[Filer, 2Apache]", `column 22: label "2Apache" must start with an uppercase letter (labels match ^[A-Z]+[a-zA-Z0-9]*$)`},
	{"operation.AND['Filer']", `column 15: expected a label, found "'"`},
	{"operation.AND[Élan]", `column 15: expected a label, found "É"`},
	{"operation.AND[A, A]", "column 18: label A is listed twice"},
	{"operation.AND[A, B, A]", "column 21: label A is listed twice"},
	{"operation.AND[" + manyLabels(40) + ", L17]", "column 205: label L17 is listed twice"},
	{"operation.AND[" + strings.Repeat("L", naming.MaxLabelLen+1) + "]", `column 15: label "` + strings.Repeat("L", 64) + `"... is longer than 64 bytes`},
	{"operation.AND[[A]]", `column 15: expected a label, found "["`},
	{"operation.AND[A][B]", `column 17: expected end of expression after "]", found "["`},
	{"operation.AND[A] ", `column 17: expected end of expression after "]", found " "`},
	{"operation.AND[A]\n", `column 17: expected end of expression after "]", found "\n"`},
	{"operation.AND[A]\xff", `column 17: expected end of expression after "]", found invalid UTF-8 byte 0xff`},
	{"aggregation.AVERAGE[Website", `column 28: expected "," or "]" after label Website, found end of expression`},
	{"aggregation.AVERAGE()", `column 22: expected "[" and a list of labels, found end of expression`},

	// Columns count characters, not bytes.
	{"rule.Réseau\tPing", `column 12: rule name must not contain "\t"`},
}

// manyLabels returns "L0, L1, …" with n labels.
func manyLabels(n int) string {
	ls := make([]string, n)
	for i := range ls {
		ls[i] = "L" + strconv.Itoa(i)
	}
	return strings.Join(ls, ", ")
}

func TestParseRejects(t *testing.T) {
	for _, tc := range rejectedExprs {
		got, err := expr.Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want error %q", tc.in, got, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Parse(%q):\n got %s\nwant %s", tc.in, err, tc.want)
		}
		var ee *expr.SyntaxError
		if !errors.As(err, &ee) || ee.Column < 1 {
			t.Errorf("Parse(%q): error %T %v is not a *SyntaxError with a column", tc.in, err, err)
		}
		if !got.Equal(expr.Expr{}) {
			t.Errorf("Parse(%q) returned %#v with its error, want the zero Expr", tc.in, got)
		}
	}
}

func TestKind(t *testing.T) {
	tests := []struct {
		kind                        expr.Kind
		name                        string
		operation, aggregation, tln bool
	}{
		{expr.Rule, "rule", false, false, true},
		{expr.AND, "operation.AND", true, false, true},
		{expr.OR, "operation.OR", true, false, true},
		{expr.ATLEAST, "operation.ATLEAST", true, false, true},
		{expr.RATIO, "operation.RATIO", true, false, true},
		{expr.AVERAGE, "aggregation.AVERAGE", false, true, false},
		{expr.MIN, "aggregation.MIN", false, true, false},
		{expr.MAX, "aggregation.MAX", false, true, false},
		{0, "expr.Kind(0)", false, false, false},
		{99, "expr.Kind(99)", false, false, false},
	}
	for _, tc := range tests {
		if got := tc.kind.String(); got != tc.name {
			t.Errorf("Kind(%d).String() = %q, want %q", tc.kind, got, tc.name)
		}
		if got := tc.kind.IsOperation(); got != tc.operation {
			t.Errorf("%s.IsOperation() = %v", tc.name, got)
		}
		if got := tc.kind.IsAggregation(); got != tc.aggregation {
			t.Errorf("%s.IsAggregation() = %v", tc.name, got)
		}
		if got := tc.kind.HasTimeline(); got != tc.tln {
			t.Errorf("%s.HasTimeline() = %v", tc.name, got)
		}
	}
}

func TestExprValidate(t *testing.T) {
	tests := []struct {
		e    expr.Expr
		want string // "" for valid
	}{
		{rule("Servers"), ""},
		{rule("Server Ping"), ""},
		{atLeast(1, "A"), ""},
		{ratio(1, "A"), ""},
		{ratio(math.SmallestNonzeroFloat64, "A"), ""},
		{op(expr.AVERAGE, "A", "B"), ""},
		{expr.Expr{}, "unknown expression kind 0"},
		{expr.Expr{Kind: 42, Labels: []string{"A"}}, "unknown expression kind 42"},
		{rule(""), "rule name is empty"},
		{rule("Servers "), "rule name must not end with a space"},
		{rule("O'Brien"), `rule name must not contain "'"`},
		{rule("a\x00b"), `rule name must not contain "\x00"`},
		{rule("\xff"), "rule name is not valid UTF-8"},
		{expr.Expr{Kind: expr.Rule, Rule: "R", Labels: []string{"A"}}, "a rule expression has no labels and no parameter"},
		{expr.Expr{Kind: expr.Rule, Rule: "R", M: 1}, "a rule expression has no labels and no parameter"},
		{expr.Expr{Kind: expr.AND, Rule: "R", Labels: []string{"A"}}, "operation.AND has no rule name"},
		{op(expr.AND), "operation.AND lists no label"},
		{op(expr.MAX, []string{}...), "aggregation.MAX lists no label"},
		{op(expr.OR, "A", "a"), `label "a" must start with an uppercase letter (labels match ^[A-Z]+[a-zA-Z0-9]*$)`},
		{op(expr.OR, ""), `label "" is empty`},
		{op(expr.OR, "A-B"), `label "A-B" must match ^[A-Z]+[a-zA-Z0-9]*$`},
		{op(expr.OR, "A", "B", "A"), "label A is listed twice"},
		{atLeast(0, "A"), "ATLEAST count must be between 1 and 2147483647, found 0"},
		{atLeast(-3, "A"), "ATLEAST count must be between 1 and 2147483647, found -3"},
		{atLeast(math.MaxInt32+1, "A"), "ATLEAST count must be between 1 and 2147483647, found 2147483648"},
		{ratio(0, "A"), "RATIO must be greater than 0 and at most 1, found 0"},
		{ratio(-0.5, "A"), "RATIO must be greater than 0 and at most 1, found -0.5"},
		{ratio(1.5, "A"), "RATIO must be greater than 0 and at most 1, found 1.5"},
		{ratio(math.NaN(), "A"), "RATIO must be greater than 0 and at most 1, found NaN"},
		{ratio(math.Inf(1), "A"), "RATIO must be greater than 0 and at most 1, found +Inf"},
		{expr.Expr{Kind: expr.AND, M: 2, Labels: []string{"A"}}, "operation.AND has no count"},
		{expr.Expr{Kind: expr.ATLEAST, M: 2, R: 0.5, Labels: []string{"A"}}, "operation.ATLEAST has no ratio"},
		{expr.Expr{Kind: expr.AVERAGE, R: 0.5, Labels: []string{"A"}}, "aggregation.AVERAGE has no ratio"},
	}
	for _, tc := range tests {
		err := tc.e.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%#v.Validate(): %v", tc.e, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%#v.Validate() = %v, want %q", tc.e, err, tc.want)
		}
		// MarshalText refuses exactly what Validate refuses.
		_, merr := tc.e.MarshalText()
		if (merr == nil) != (err == nil) {
			t.Errorf("%#v: MarshalText error %v, Validate error %v", tc.e, merr, err)
		}
		// What validates is what parses back from its canonical form.
		if err == nil {
			back, perr := expr.Parse(tc.e.String())
			if perr != nil || !back.Equal(tc.e) {
				t.Errorf("Parse(%q) = %#v, %v; want %#v", tc.e.String(), back, perr, tc.e)
			}
		}
	}
}

func TestValidateRuleName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Servers", ""},
		{"Server Ping", ""},
		{"http 2xx (EU)", ""},
		{"Réseau", ""},
		{"a", ""},
		{strings.Repeat("é", expr.MaxRuleNameLen/2), ""},
		{"", "rule name is empty"},
		{" ", "rule name must not start with a space"},
		{" Servers", "rule name must not start with a space"},
		{"Servers ", "rule name must not end with a space"},
		{"Serv'ers", `rule name must not contain "'"`},
		{"Servers\r", `rule name must not contain "\r"`},
		{"Serv\u2028ers", `rule name must not contain "\u2028"`},
		{"\xc3", "rule name is not valid UTF-8"},
		{strings.Repeat("x", expr.MaxRuleNameLen+1), "rule name is longer than 255 bytes"},
	}
	for _, tc := range tests {
		err := expr.ValidateRuleName(tc.name)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("ValidateRuleName(%q): %v", tc.name, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("ValidateRuleName(%q) = %v, want %q", tc.name, err, tc.want)
		}
		// A name is valid iff a rule expression can name it.
		_, perr := expr.Parse("rule.'" + tc.name + "'")
		if (perr == nil) != (err == nil) {
			t.Errorf("ValidateRuleName(%q) = %v but Parse of it quoted: %v", tc.name, err, perr)
		}
	}
}

func TestExprJSON(t *testing.T) {
	var v struct{ Q expr.Expr }
	if err := json.Unmarshal([]byte(`{"Q": "operation.AND()[Filer,Apache]"}`), &v); err != nil {
		t.Fatal(err)
	}
	if want := op(expr.AND, "Filer", "Apache"); !v.Q.Equal(want) {
		t.Errorf("got %#v, want %#v", v.Q, want)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Q":"operation.AND[Filer, Apache]"}`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	err = json.Unmarshal([]byte(`{"Q": "operation.AND[]"}`), &v)
	var ee *expr.SyntaxError
	if !errors.As(err, &ee) || ee.Column != 15 {
		t.Errorf("Unmarshal of a bad expression: %v, want a *SyntaxError at column 15", err)
	}
	if _, err := json.Marshal(struct{ Q expr.Expr }{}); err == nil {
		t.Error("Marshal of the zero Expr succeeded")
	}
}

func TestExprEqual(t *testing.T) {
	a := op(expr.AND, "A", "B")
	for _, b := range []expr.Expr{
		op(expr.OR, "A", "B"),
		op(expr.AND, "B", "A"),
		op(expr.AND, "A"),
		op(expr.AND, "A", "B", "C"),
		{Kind: expr.AND, Labels: []string{"A", "B"}, M: 1},
		{Kind: expr.AND, Labels: []string{"A", "B"}, R: 1},
		{Kind: expr.AND, Labels: []string{"A", "B"}, Rule: "x"},
	} {
		if a.Equal(b) || b.Equal(a) {
			t.Errorf("%#v.Equal(%#v) = true", a, b)
		}
	}
	if !a.Equal(op(expr.AND, "A", "B")) {
		t.Error("equal expressions are not Equal")
	}
}
