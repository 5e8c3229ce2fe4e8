// Package sourcetest is the conformance suite of depc.Source: every source
// plugin runs Run against sources it opens, so that a computation can rely
// on the contract written on depc.Source whatever database is behind.
//
// The suite holds the Fetch contract to real data, described by a Fixture
// (a check, a window, names with data and names without): exactly one
// result per distinct name asked for, in any order, from the calling
// goroutine and never two at once; an empty result, not an error, for a
// name with no data; points before the window's end and no further before
// its start than the lookback, sorted by time; a name's result independent
// of the names fetched with it; a check the source refuses or an empty
// window given to every name as EINVALID while Fetch itself succeeds;
// Fetch failing only when its context ends; concurrent fetches; Close.
//
// The Fake source runs it always; the Prometheus source runs it against
// the real Prometheus of deploy/dev loaded with deploy/dev/prometheus-fixture
// (required in CI).
package sourcetest
