package neo4j_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/neo4j"
	"github.com/depc-dev/depc/workload"
)

// Benchmarks against the real server. DEPC_BENCH_SIZE picks the workload
// (default "small"; "bench-1m" for the record: loading it takes minutes
// and is done once, into the team of that name, which is kept;
// DEPC_BENCH_RELOAD=1 loads it again, in batches of DEPC_BENCH_LOAD_BATCH
// events, default 10000). DEPC_BENCH_BATCHES lists the batch sizes of
// BenchmarkApplyRelations, DEPC_BENCH_BATCH_ROWS sets Config.BatchRows.

func benchSize(b *testing.B) workload.Size {
	name := benchEnv("DEPC_BENCH_SIZE", "small")
	size, err := workload.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	return size
}

func benchEnv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func benchStore(b *testing.B, batchRows int) *neo4j.Store {
	cfg := config(b)
	cfg.BatchRows = batchRows
	s, err := neo4j.Open(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// relationEvents returns up to max relation events of a size, as the
// workload generates them.
func relationEvents(b *testing.B, size workload.Size, max int) []depc.Event {
	var out []depc.Event
	err := size.Generate(10000, func(events []depc.Event) error {
		for _, e := range events {
			if e.IsRelation() && len(out) < max {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func batchRows(b *testing.B) int {
	n, err := strconv.Atoi(benchEnv("DEPC_BENCH_BATCH_ROWS", "0"))
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkApplyRelations applies relation events in batches of the given
// size to a fresh team: new relations (with their nodes), then the same
// events again (relations that exist: what replays and periodic
// re-declarations cost). One op is one batch; events/s is the figure.
func BenchmarkApplyRelations(b *testing.B) {
	size := benchSize(b)
	events := relationEvents(b, size, 500_000)
	for _, batch := range benchBatches(b) {
		for _, phase := range []string{"new", "existing"} {
			b.Run(fmt.Sprintf("batch=%d/%s", batch, phase), func(b *testing.B) {
				s := benchStore(b, batchRows(b))
				team := fmt.Sprintf("bench-apply-%d", time.Now().UnixNano())
				b.Cleanup(func() { s.DeleteTeam(context.Background(), team) })
				ctx := context.Background()
				next := 0
				take := func() []depc.Event {
					if next+batch > len(events) {
						next = 0
						if phase == "new" {
							// Out of new events: start a fresh team.
							team = fmt.Sprintf("bench-apply-%d", time.Now().UnixNano())
							b.Cleanup(func() { s.DeleteTeam(context.Background(), team) })
						}
					}
					out := events[next : next+batch]
					next += batch
					return out
				}
				if phase == "existing" {
					// Preload what the timed loop will replay.
					for i := 0; i < min(len(events), batch*max(b.N, 1)); i += batch {
						if err := s.Apply(ctx, team, events[i:min(i+batch, len(events))]); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ResetTimer()
				for range b.N {
					if err := s.Apply(ctx, team, take()); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// loadTeam loads the whole size into the team named after it unless it is
// there already (DEPC_BENCH_RELOAD=1 loads it again), and reports how long
// the load took.
func loadTeam(b *testing.B, s *neo4j.Store, size workload.Size) string {
	ctx := context.Background()
	team := "bench-" + strings.TrimPrefix(size.Name, "bench-")
	labels, err := s.Labels(ctx, team)
	if err != nil {
		b.Fatal(err)
	}
	nodes := 0
	for _, l := range labels {
		nodes += l.Nodes
	}
	if nodes == size.Nodes() && (benchEnv("DEPC_BENCH_RELOAD", "") == "" || reloaded[team]) {
		return team
	}
	reloaded[team] = true
	if nodes > 0 {
		if err := s.DeleteTeam(ctx, team); err != nil {
			b.Fatal(err)
		}
	}
	t0 := time.Now()
	events := 0
	loadBatch, err := strconv.Atoi(benchEnv("DEPC_BENCH_LOAD_BATCH", "10000"))
	if err != nil {
		b.Fatal(err)
	}
	err = size.Generate(loadBatch, func(batch []depc.Event) error {
		events += len(batch)
		return s.Apply(ctx, team, batch)
	})
	if err != nil {
		b.Fatal(err)
	}
	d := time.Since(t0)
	b.Logf("loaded %s into team %s in batches of %d: %d events (%d nodes, %d relations) in %v: %.0f events/s",
		size.Name, team, loadBatch, events, size.Nodes(), size.Relations(), d.Round(time.Second), float64(events)/d.Seconds())
	return team
}

// reloaded records the teams loaded by this process: the benchmark
// framework calls a benchmark more than once, DEPC_BENCH_RELOAD means once.
var reloaded = map[string]bool{}

// countSink counts what a snapshot delivers and keeps what a run keeps:
// nothing here, so that the figure is the store's own cost.
type countSink struct{ nodes, rels int }

func (c *countSink) Node(depc.SnapshotNode) error         { c.nodes++; return nil }
func (c *countSink) Relation(depc.SnapshotRelation) error { c.rels++; return nil }

// BenchmarkSnapshot streams the whole team for one benchmark day. peak-MiB
// is the process's peak resident memory (VmHWM), which includes the load
// if it ran in this process.
func BenchmarkSnapshot(b *testing.B) {
	size := benchSize(b)
	s := benchStore(b, batchRows(b))
	team := loadTeam(b, s, size)
	day := size.DayWindow(size.Days / 2)
	runtime.GC()
	b.ResetTimer()
	var sink countSink
	for range b.N {
		sink = countSink{}
		if err := s.Snapshot(context.Background(), team, day, nil, &sink); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(sink.nodes), "nodes")
	b.ReportMetric(float64(sink.rels), "relations")
	b.ReportMetric(float64(sink.nodes+sink.rels)/(b.Elapsed().Seconds()/float64(b.N)), "records/s")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-MiB")
}

// peakRSS reads the process's peak resident set size from /proc.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchBatches are the batch sizes to measure: DEPC_BENCH_BATCHES, a
// comma-separated list (default 1000,10000).
func benchBatches(b *testing.B) []int {
	var out []int
	for _, f := range strings.Split(benchEnv("DEPC_BENCH_BATCHES", "1000,10000"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("DEPC_BENCH_BATCHES: %q is not a batch size", f)
		}
		out = append(out, n)
	}
	return out
}
