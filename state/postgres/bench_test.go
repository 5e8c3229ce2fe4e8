package postgres_test

import (
	"testing"

	"github.com/depc-dev/depc/state/statetest"
)

// BenchmarkReplaceDayResults writes one day of the 1M-node benchmark
// (1.12 million node results; DEPC_BENCH_SERVERS sets the number of
// servers, default 1e6) into a new day, then replaces that day, with the
// nodes in key order and in random order (statetest.BenchReplaceDayResults),
// on the server of DEPC_TEST_POSTGRES_URL.
//
//	go test -run '^$' -bench BenchmarkReplaceDayResults -benchtime 1x ./state/postgres
func BenchmarkReplaceDayResults(b *testing.B) {
	s, _ := MustOpen(b)
	statetest.BenchReplaceDayResults(b, s)
}

// BenchmarkReads measures the API's result reads on 30 days of results
// (statetest.BenchReads; DEPC_BENCH_SERVERS and DEPC_BENCH_DAYS size the
// data, see statetest.BenchFill).
//
//	go test -run '^$' -bench BenchmarkReads ./state/postgres
func BenchmarkReads(b *testing.B) {
	s, _ := MustOpen(b)
	statetest.BenchReads(b, s, statetest.BenchFill(b, s))
}
