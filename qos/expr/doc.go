// Package expr is the language of a label's "qos" setting (api.md, "The
// qos grammar"): how the nodes of one label get their QoS. Parse reads an
// expression into an Expr, Expr.String writes its canonical form, and
// Parse(e.String()) gives e back for every valid e. It imports only the
// standard library and package qos/naming (the label rule); package qos
// decodes whole configs with it and turns an Expr into the engine's
// Operation or Aggregator (qos.OperationOf, qos.AggregatorOf).
//
// The grammar:
//
//	expr      = "rule." rulename
//	          | "operation." ( "AND" | "OR" ) [ "()" ] list
//	          | "operation.ATLEAST(" count ")" list
//	          | "operation.RATIO(" ratio ")" list
//	          | "aggregation." ( "AVERAGE" | "MIN" | "MAX" ) [ "()" ] list
//	rulename  = name | "'" name "'"
//	list      = "[" { " " } label { " " } { "," { " " } label { " " } } "]"
//	label     = ^[A-Z][a-zA-Z0-9]*$, at most 64 bytes
//	count     = digit { digit }                    an integer >= 1
//	ratio     = digit { digit } [ "." digit { digit } ]
//	          | "." digit { digit }                a decimal, 0 < r <= 1
//
// The decisions the grammar leaves open, taken strictly so that a typo is an
// error on save rather than a surprise at night:
//
//   - Keywords are case-sensitive and nothing else may surround them: no
//     space before or after the expression, none inside "operation.AND()" or
//     "ATLEAST(2)". Spaces (U+0020 only) are allowed around the labels of a
//     list, as the original DepC configs write "[Filer, Apache]".
//   - A rule name is the rest of the expression after "rule.", quoted or
//     not: rule.Server Ping and rule.'Server Ping' name the same rule. A rule
//     name (see ValidateRuleName) is printable, has no "'" (there is no
//     escape, so a quote could not be read back unambiguously) and does not
//     start or end with a space, so "rule.Servers " is rejected rather than
//     silently naming a rule "Servers " that does not exist.
//   - A label may be listed only once in a list.
//   - ATLEAST's count is at most MaxInt32; leading zeros are allowed.
//   - RATIO's bounds are checked on the decimal as written, so
//     RATIO(1.0000000000000000001) is rejected even though it rounds to 1.
//
// A syntax error is a *SyntaxError saying what was expected at which
// column.
package expr
