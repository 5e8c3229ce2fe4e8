// Package statetest is the conformance suite of depc.StateStore: every
// backend runs Run(t, open) and so meets the same contract, method by
// method and error code by error code (ENOTFOUND for unknown teams, users,
// sources, checks, rules, config versions and runs; ECONFLICT for taken
// names and deletions of something in use; EINVALID for bad input, with
// nothing written; EUNAVAILABLE once closed or cancelled), plus the
// properties the API and the runs depend on: tokens looked up by hash only,
// immutable config versions newest first, a day's results replaced
// atomically with nothing stale left and no reader seeing half a run,
// inclusive day ranges, worst nodes below 100 lowest first, bounded
// rejections newest first, and team isolation.
package statetest
