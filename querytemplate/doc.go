// Package querytemplate renders the variables of a check's query, written
// with the original DepC's syntax: {{ depc.name }}, {{ depc.start }},
// {{ depc.end }}, {{ depc.team.VAR }}, {{ depc.source.VAR }},
// {{ depc.rule.VAR }} and {{ depc.check.VAR }}, each optionally followed by
// filters ({{ depc.team.env | upper }}, {{ depc.check.re | regex_escape }},
// {{ depc.rule.job | default "api" }}).
//
// It is separate because it is the one place that turns team-written text
// into a query: the API renders a check when it is saved (an unknown
// variable is EINVALID naming the field), compute renders it before each
// fetch, and a source parses only what was rendered.
//
// The parser is the standard library's text/template/parse, a maintained
// parser whose action syntax is the original's ({{ a.b.c | f }}). Its
// executor is not used: the tree is checked node by node and only text and
// actions made of one variable path under depc followed by whitelisted
// filters (string literals as their only arguments) are accepted; every
// other node — if, range, with, template, define, block, pipelines with
// declarations, functions, method calls, comments, numbers — is refused
// with its position. Rendering is then a walk of that checked tree:
// substitution and string filters, never code. (pongo2, the maintained
// Jinja-like library, was considered: it can ban tags and filters, but its
// AST is unexported, so an unknown variable cannot be refused by name —
// it renders as "" — and its autoescaping is global state.)
package querytemplate
