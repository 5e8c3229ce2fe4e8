package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/state/sqlite"
)

// benchDay builds the results of one day shaped like the 1M-node
// benchmark graph: servers (rule nodes with a few minutes of downtime),
// websites (AND of 10 servers) and offers (AVERAGE of 5 websites). With
// servers = 1e6 that is 1.12 million node results.
func benchDay(servers int, day string) []depc.NodeDayResult {
	websites, offers := servers/10, servers/50
	start := mustDay(day)
	out := make([]depc.NodeDayResult, 0, servers+websites+offers)
	ok, ko, unknown := int64(86220), int64(180), int64(0)
	for i := range servers {
		q := 100 * float64(ok) / float64(ok+ko)
		out = append(out, depc.NodeDayResult{Label: "Server", Name: serverName(i), QoS: &q, OK: &ok, KO: &ko, Unknown: &unknown,
			Downtime: []depc.Period{{From: start + int64(i%1300)*60, To: start + int64(i%1300)*60 + 120}, {From: start + 80000, To: start + 80060}}})
	}
	for i := range websites {
		q := 100 * float64(ok) / float64(ok+ko)
		children := make([]depc.NodeKey, 10)
		for c := range children {
			children[c] = depc.NodeKey{Label: "Server", Name: serverName(i*10 + c)}
		}
		out = append(out, depc.NodeDayResult{Label: "Website", Name: fmt.Sprintf("www.site%06d.example.com", i), QoS: &q, OK: &ok, KO: &ko, Unknown: &unknown,
			Downtime: []depc.Period{{From: start + 600, To: start + 720}, {From: start + 5000, To: start + 5060}, {From: start + 80000, To: start + 80060}},
			Children: children})
	}
	for i := range offers {
		q := 99.5 + float64(i%50)/100
		children := make([]depc.NodeKey, 5)
		for c := range children {
			children[c] = depc.NodeKey{Label: "Website", Name: fmt.Sprintf("www.site%06d.example.com", i*5+c)}
		}
		out = append(out, depc.NodeDayResult{Label: "Offer", Name: fmt.Sprintf("offer-%06d", i), QoS: &q, Children: children})
	}
	return out
}

func serverName(i int) string { return fmt.Sprintf("srv%07d.dc%d.example.net", i, i%4) }

func mustDay(day string) int64 {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	return t.Unix()
}

func benchWorst(nodes []depc.NodeDayResult) map[string][]depc.WorstNode {
	w := map[string][]depc.WorstNode{}
	for _, n := range nodes {
		if n.QoS != nil && *n.QoS < 100 && len(w[n.Label]) < 2*depc.MaxWorstNodes {
			w[n.Label] = append(w[n.Label], depc.WorstNode{Name: n.Name, QoS: *n.QoS})
		}
	}
	return w
}

func benchLabels(nodes []depc.NodeDayResult) []depc.LabelDayResult {
	sum, count := map[string]float64{}, map[string]int{}
	for _, n := range nodes {
		count[n.Label]++
		if n.QoS != nil {
			sum[n.Label] += *n.QoS
		}
	}
	var out []depc.LabelDayResult
	for l, c := range count {
		q := sum[l] / float64(c)
		out = append(out, depc.LabelDayResult{Label: l, QoS: &q, Nodes: c})
	}
	return out
}

// envInt reads a size from the environment, so that the benchmarks run at
// full scale on demand and smaller by default.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func slice(ns []depc.NodeDayResult) func(func(depc.NodeDayResult) bool) {
	return func(yield func(depc.NodeDayResult) bool) {
		for _, n := range ns {
			if !yield(n) {
				return
			}
		}
	}
}

// BenchmarkReplaceDayResults writes one day of the 1M-node benchmark
// (1.12 million node results; DEPC_BENCH_SERVERS sets the number of
// servers, default 1e6) into a new day, then replaces that day, with the
// nodes in key order and in random order.
//
//	go test -run '^$' -bench BenchmarkReplaceDayResults -benchtime 1x ./state/sqlite
func BenchmarkReplaceDayResults(b *testing.B) {
	servers := envInt("DEPC_BENCH_SERVERS", 1_000_000)
	ctx := context.Background()
	s, path := MustOpen(b)
	defer s.Close()
	if _, err := s.CreateTeam(ctx, depc.Team{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	nodes := benchDay(servers, "2026-01-01")
	labels, worst := benchLabels(nodes), benchWorst(nodes)
	day := 0
	b.Run(fmt.Sprintf("new-day/nodes=%d", len(nodes)), func(b *testing.B) {
		for b.Loop() {
			day++
			if err := s.ReplaceDayResults(ctx, "bench", fmt.Sprintf("2026-01-%02d", day), slice(nodes), labels, worst); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(nodes))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run(fmt.Sprintf("replace/nodes=%d", len(nodes)), func(b *testing.B) {
		for b.Loop() {
			if err := s.ReplaceDayResults(ctx, "bench", "2026-01-01", slice(nodes), labels, worst); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(nodes))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	// Nodes in random order: the store sorts them into key order first.
	shuffled := slices.Clone(nodes)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b.Run(fmt.Sprintf("replace-unordered/nodes=%d", len(nodes)), func(b *testing.B) {
		for b.Loop() {
			if err := s.ReplaceDayResults(ctx, "bench", "2026-01-01", slice(shuffled), labels, worst); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(nodes))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	if fi, err := os.Stat(path); err == nil {
		b.Logf("database file: %.1f MiB for %d days", float64(fi.Size())/(1<<20), day)
	}
}

// readStore returns a store holding DEPC_BENCH_DAYS days (default 30) of
// DEPC_BENCH_SERVERS servers (default 100 000, i.e. 112 000 node results a
// day; 1e6 for the full benchmark graph, which takes minutes to set up).
func readStore(b *testing.B) (*sqlite.Store, []depc.NodeDayResult) {
	b.Helper()
	servers := envInt("DEPC_BENCH_SERVERS", 100_000)
	days := envInt("DEPC_BENCH_DAYS", 30)
	ctx := context.Background()
	s, _ := MustOpen(b)
	if _, err := s.CreateTeam(ctx, depc.Team{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	var nodes []depc.NodeDayResult
	for d := range days {
		day := time.Date(2026, 1, 1+d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		nodes = benchDay(servers, day)
		if err := s.ReplaceDayResults(ctx, "bench", day, slice(nodes), benchLabels(nodes), benchWorst(nodes)); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d days of %d node results", days, len(nodes))
	return s, nodes
}

// BenchmarkReads measures the API's result reads on 30 days of results:
// one node's 30 days, a label's worst nodes, a label's 30 days, the
// results of a 1000-node subgraph (root cause), serially and with
// concurrent readers.
//
//	go test -run '^$' -bench BenchmarkReads ./state/sqlite
func BenchmarkReads(b *testing.B) {
	s, nodes := readStore(b)
	defer s.Close()
	ctx := context.Background()
	const start, end = "2026-01-01", "2026-01-30"
	key := func(i int) depc.NodeKey {
		n := nodes[(i*7919)%len(nodes)]
		return depc.NodeKey{Label: n.Label, Name: n.Name}
	}
	sub := make([]depc.NodeKey, 1000)
	for i := range sub {
		sub[i] = key(i)
	}
	reads := []struct {
		name string
		fn   func(i int) error
	}{
		{"NodeQoS30Days", func(i int) error {
			r, err := s.NodeQoS(ctx, "bench", key(i), start, end)
			if err == nil && len(r) != 30 {
				err = fmt.Errorf("%d days", len(r))
			}
			return err
		}},
		{"Worst15", func(i int) error {
			r, err := s.Worst(ctx, "bench", "Server", "2026-01-15", 15)
			if err == nil && len(r) != 15 {
				err = fmt.Errorf("%d nodes", len(r))
			}
			return err
		}},
		{"LabelQoS30Days", func(i int) error {
			_, err := s.LabelQoS(ctx, "bench", "Website", start, end)
			return err
		}},
		{"TeamQoS30Days", func(i int) error {
			_, err := s.TeamQoS(ctx, "bench", start, end)
			return err
		}},
		{"DayResults1000", func(i int) error {
			r, err := s.DayResults(ctx, "bench", "2026-01-15", sub)
			if err == nil && len(r) != len(sub) {
				err = fmt.Errorf("%d results", len(r))
			}
			return err
		}},
	}
	for _, r := range reads {
		b.Run(r.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if err := r.fn(i); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(r.name+"/parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if err := r.fn(i); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkNodeQoS30Days is the read the API's node QoS endpoint makes:
// one node over 30 days.
//
//	go test -run '^$' -bench BenchmarkNodeQoS30Days ./state/sqlite
func BenchmarkNodeQoS30Days(b *testing.B) {
	s, nodes := readStore(b)
	defer s.Close()
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
