package statetest

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
)

// The benchmarks of depc.ResultStore that every backend runs, so that their
// figures in BENCHMARKS.md measure the same work: the nightly write of a
// team's day and the API's reads of results.

// BenchDay builds the results of one day shaped like the 1M-node
// benchmark graph: servers (rule nodes with a few minutes of downtime),
// websites (AND of 10 servers) and offers (AVERAGE of 5 websites). With
// servers = 1e6 that is 1.12 million node results.
func BenchDay(servers int, day string) []depc.NodeDayResult {
	websites, offers := servers/10, servers/50
	t, err := depc.ParseDay("day", day)
	if err != nil {
		panic(err)
	}
	start := t.Unix()
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

// BenchWorst is the worst nodes a run would pass with nodes: up to twice
// MaxWorstNodes per label, so that the store has to keep the lowest.
func BenchWorst(nodes []depc.NodeDayResult) map[string][]depc.WorstNode {
	w := map[string][]depc.WorstNode{}
	for _, n := range nodes {
		if n.QoS != nil && *n.QoS < 100 && len(w[n.Label]) < 2*depc.MaxWorstNodes {
			w[n.Label] = append(w[n.Label], depc.WorstNode{Name: n.Name, QoS: *n.QoS})
		}
	}
	return w
}

// BenchLabels is the label averages of nodes.
func BenchLabels(nodes []depc.NodeDayResult) []depc.LabelDayResult {
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

// BenchSize reads a size from the environment, so that the benchmarks run
// at full scale on demand and smaller by default.
func BenchSize(env string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(env)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchReplaceDayResults writes one day of the 1M-node benchmark (1.12
// million node results; DEPC_BENCH_SERVERS sets the number of servers,
// default 1e6) into new days, then replaces a day, with the nodes in key
// order and in random order. s must be empty; it is not closed.
func BenchReplaceDayResults[S Results](b *testing.B, s S) {
	servers := BenchSize("DEPC_BENCH_SERVERS", 1_000_000)
	ctx := context.Background()
	if _, err := s.CreateTeam(ctx, depc.Team{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	nodes := BenchDay(servers, "2026-01-01")
	labels, worst := BenchLabels(nodes), BenchWorst(nodes)
	day := 0
	b.Run(fmt.Sprintf("new-day/nodes=%d", len(nodes)), func(b *testing.B) {
		for b.Loop() {
			day++
			if err := s.ReplaceDayResults(ctx, "bench", fmt.Sprintf("2026-01-%02d", day), slices.Values(nodes), labels, worst); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(nodes))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run(fmt.Sprintf("replace/nodes=%d", len(nodes)), func(b *testing.B) {
		for b.Loop() {
			if err := s.ReplaceDayResults(ctx, "bench", "2026-01-01", slices.Values(nodes), labels, worst); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(nodes))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	// Nodes in random order: a store that writes in key order sorts them
	// first.
	shuffled := slices.Clone(nodes)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b.Run(fmt.Sprintf("replace-unordered/nodes=%d", len(nodes)), func(b *testing.B) {
		for b.Loop() {
			if err := s.ReplaceDayResults(ctx, "bench", "2026-01-01", slices.Values(shuffled), labels, worst); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(nodes))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchFill writes DEPC_BENCH_DAYS days (default 30) of DEPC_BENCH_SERVERS
// servers (default 100 000, i.e. 112 000 node results a day; 1e6 for the
// full benchmark graph, which takes minutes to set up) into the empty store
// s for team "bench", from 2026-01-01, and returns the last day's nodes.
func BenchFill[S Results](b *testing.B, s S) []depc.NodeDayResult {
	b.Helper()
	servers := BenchSize("DEPC_BENCH_SERVERS", 100_000)
	days := BenchSize("DEPC_BENCH_DAYS", 30)
	ctx := context.Background()
	if _, err := s.CreateTeam(ctx, depc.Team{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	var nodes []depc.NodeDayResult
	for d := range days {
		day := depc.FormatDay(time.Date(2026, 1, 1+d, 0, 0, 0, 0, time.UTC))
		nodes = BenchDay(servers, day)
		if err := s.ReplaceDayResults(ctx, "bench", day, slices.Values(nodes), BenchLabels(nodes), BenchWorst(nodes)); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d days of %d node results", days, len(nodes))
	return nodes
}

// BenchReads measures the API's result reads on the days BenchFill wrote
// (nodes are its last day's): one node's 30 days, a label's worst nodes, a
// label's 30 days, every label's 30 days, the results of a 1000-node
// subgraph (root cause), serially and with concurrent readers.
func BenchReads[S Results](b *testing.B, s S, nodes []depc.NodeDayResult) {
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
