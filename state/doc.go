// Package state groups the state store backends (teams, users, tokens,
// sources, checks, rules, configs, runs, results): state/sqlite and its
// conformance suite state/statetest.
package state
