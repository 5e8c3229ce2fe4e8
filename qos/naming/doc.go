// Package naming holds the rules of node labels and names, in one place:
// the config language (package qos/expr) lists labels, a config (package
// qos) excludes node names, and package depc re-exports the rules for
// everything else (the decoder, the API, the graph and state stores), so a
// rule changed here changes everywhere. It sits below qos and qos/expr,
// which both need it, and imports only the standard library.
//
// The rules are plain byte loops, not regular expressions: the decoder and
// the nightly write check millions of names, and a regexp would cost as
// much as the work around it. FuzzNameRules holds them equal to the
// patterns. Quote and Set serve the messages that explain a rule: a name
// quoted and cut to a readable length, a name listed twice.
package naming
