// Package state groups the backends of depc.StateStore (teams, users,
// tokens, grants, sources, checks, rules, configs, runs, results):
// state/sqlite, the embedded default for one machine; state/postgres, for
// processes on several machines; and state/statetest, the conformance suite
// every backend runs.
package state
