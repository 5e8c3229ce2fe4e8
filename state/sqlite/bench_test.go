package sqlite_test

import (
	"context"
	"os"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/state/statetest"
)

// BenchmarkReplaceDayResults writes one day of the 1M-node benchmark
// (1.12 million node results; DEPC_BENCH_SERVERS sets the number of
// servers, default 1e6) into a new day, then replaces that day, with the
// nodes in key order and in random order (statetest.BenchReplaceDayResults).
//
//	go test -run '^$' -bench BenchmarkReplaceDayResults -benchtime 1x ./state/sqlite
func BenchmarkReplaceDayResults(b *testing.B) {
	s, path := MustOpen(b)
	defer s.Close()
	statetest.BenchReplaceDayResults(b, s)
	if fi, err := os.Stat(path); err == nil {
		b.Logf("database file: %.1f MiB", float64(fi.Size())/(1<<20))
	}
}

// BenchmarkReads measures the API's result reads on 30 days of results:
// one node's 30 days, a label's worst nodes, a label's 30 days, the
// results of a 1000-node subgraph (root cause), serially and with
// concurrent readers (statetest.BenchReads; DEPC_BENCH_SERVERS and
// DEPC_BENCH_DAYS size the data, see statetest.BenchFill).
//
//	go test -run '^$' -bench BenchmarkReads ./state/sqlite
func BenchmarkReads(b *testing.B) {
	s, _ := MustOpen(b)
	defer s.Close()
	statetest.BenchReads(b, s, statetest.BenchFill(b, s))
}

// BenchmarkNodeQoS30Days is the read the API's node QoS endpoint makes:
// one node over 30 days.
//
//	go test -run '^$' -bench BenchmarkNodeQoS30Days ./state/sqlite
func BenchmarkNodeQoS30Days(b *testing.B) {
	s, _ := MustOpen(b)
	defer s.Close()
	nodes := statetest.BenchFill(b, s)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		n := nodes[(i*7919)%len(nodes)]
		if r, err := s.NodeQoS(ctx, "bench", depc.NodeKey{Label: n.Label, Name: n.Name}, "2026-01-01", "2026-01-30"); err != nil || len(r) != 30 {
			b.Fatal(len(r), err)
		}
		i++
	}
}
