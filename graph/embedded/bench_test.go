package embedded_test

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/embedded"
	"github.com/depc-dev/depc/workload"
)

// The benchmarks load a workload size into a store and take snapshots of
// it. The size comes from DEPC_BENCH_SIZE (default bench-100k, which runs
// in seconds; bench-1m is the one of record), the Apply batch size from
// DEPC_BENCH_BATCH (default 10 000 events):
//
//	DEPC_BENCH_SIZE=bench-1m go test -run='^$' -bench=. -benchtime=1x -timeout=60m ./graph/embedded
//
// Besides ns/op they report events/s (wall time spent inside Apply),
// events/cpu-s (the process's CPU time spent inside Apply, which does not
// depend on what else runs on the machine), and for snapshots the nodes and
// relations delivered, the heap the sink holds and the peak RSS.

const benchTeam = "bench"

func benchSize(b *testing.B) workload.Size {
	name := os.Getenv("DEPC_BENCH_SIZE")
	if name == "" {
		name = "bench-100k"
	}
	s, err := workload.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchBatch(b *testing.B) int {
	v := os.Getenv("DEPC_BENCH_BATCH")
	if v == "" {
		return 10_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("DEPC_BENCH_BATCH=%q: want a positive integer", v)
	}
	return n
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadStats is what loading a size measured.
type loadStats struct {
	events         int
	wall, cpu, all time.Duration
}

// load applies every event of a size to a store.
func load(b *testing.B, s *embedded.Store, size workload.Size, batch int) loadStats {
	var st loadStats
	ctx := context.Background()
	began := time.Now()
	err := size.Generate(batch, func(events []depc.Event) error {
		t, c := time.Now(), cpuTime()
		if err := s.Apply(ctx, benchTeam, events); err != nil {
			return err
		}
		st.wall += time.Since(t)
		st.cpu += cpuTime() - c
		st.events += len(events)
		return nil
	})
	if err != nil {
		b.Fatalf("load %s: %v", size.Name, err)
	}
	st.all = time.Since(began)
	return st
}

// BenchmarkApply loads the size into a new store.
func BenchmarkApply(b *testing.B) {
	size, batch := benchSize(b), benchBatch(b)
	for b.Loop() {
		b.StopTimer()
		s, err := embedded.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st := load(b, s, size, batch)
		b.StopTimer()
		s.Close()
		b.ReportMetric(float64(st.events)/st.wall.Seconds(), "events/s")
		b.ReportMetric(float64(st.events)/st.cpu.Seconds(), "events/cpu-s")
		b.ReportMetric(float64(st.events), "events")
		b.Logf("%s, batches of %d: %d events applied in %v (%v CPU), %v with generation",
			size.Name, batch, st.events, st.wall.Round(time.Millisecond), st.cpu.Round(time.Millisecond), st.all.Round(time.Millisecond))
		b.StartTimer()
	}
}

// BenchmarkReapply applies the size again to a loaded store: every event
// is a replay, the steady state of at-least-once ingestion.
func BenchmarkReapply(b *testing.B) {
	size, batch := benchSize(b), benchBatch(b)
	s := loaded(b, size)
	for b.Loop() {
		st := load(b, s, size, batch)
		b.ReportMetric(float64(st.events)/st.wall.Seconds(), "events/s")
		b.ReportMetric(float64(st.events)/st.cpu.Seconds(), "events/cpu-s")
	}
}

var shared struct {
	once sync.Once
	dir  string
	err  error
}

// loaded returns a store holding the size, opened afresh (cold caches, as
// a run's process finds it) on a directory built once per process.
func loaded(b *testing.B, size workload.Size) *embedded.Store {
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "depc-bench-")
		if shared.err != nil {
			return
		}
		s, err := embedded.Open(shared.dir)
		if err != nil {
			shared.err = err
			return
		}
		st := load(b, s, size, benchBatch(b))
		b.Logf("loaded %s: %d events in %v", size.Name, st.events, st.wall.Round(time.Millisecond))
		shared.err = s.Close()
	})
	if shared.err != nil {
		b.Fatal(shared.err)
	}
	s, err := embedded.Open(shared.dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// compactSink keeps a snapshot the way a run would: arrays indexed by
// snapshot ID, labels interned.
type compactSink struct {
	labels     []string
	labelOf    []uint16
	names      []string
	periods    []depc.Periods
	from, to   []int32
	relPeriods []depc.Periods
}

func (c *compactSink) Node(n depc.SnapshotNode) error {
	l := len(c.labels) - 1
	if l < 0 || c.labels[l] != n.Key.Label {
		l = -1
		for i, x := range c.labels {
			if x == n.Key.Label {
				l = i
			}
		}
		if l < 0 {
			c.labels = append(c.labels, n.Key.Label)
			l = len(c.labels) - 1
		}
	}
	c.labelOf = append(c.labelOf, uint16(l))
	c.names = append(c.names, n.Key.Name)
	c.periods = append(c.periods, n.Periods)
	return nil
}

func (c *compactSink) Relation(r depc.SnapshotRelation) error {
	c.from = append(c.from, r.From)
	c.to = append(c.to, r.To)
	c.relPeriods = append(c.relPeriods, r.Periods)
	return nil
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// resetPeakRSS starts a new peak RSS measure (Linux: clear_refs 5).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// BenchmarkSnapshot takes the snapshot of the whole team for the first
// benchmark day into a compact sink.
func BenchmarkSnapshot(b *testing.B) {
	size := benchSize(b)
	s := loaded(b, size)
	day := size.DayWindow(0)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		debug.FreeOSMemory()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		resetPeakRSS()
		c := cpuTime()
		b.StartTimer()
		sink := &compactSink{}
		if err := s.Snapshot(ctx, benchTeam, day, nil, sink); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu := cpuTime() - c
		peak := peakRSS()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		b.ReportMetric(float64(len(sink.names)), "nodes")
		b.ReportMetric(float64(len(sink.from)), "relations")
		b.ReportMetric(float64(held)/(1<<20), "sink-MiB")
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		b.ReportMetric(cpu.Seconds(), "cpu-s")
		runtime.KeepAlive(sink)
		b.StartTimer()
	}
}

// BenchmarkImpacted asks which customers depend on a filer, at an instant
// of the first day.
func BenchmarkImpacted(b *testing.B) {
	size := benchSize(b)
	s := loaded(b, size)
	at := size.DayWindow(0).Start + 3600
	ctx := context.Background()
	i := 0
	for b.Loop() {
		k := depc.NodeKey{Label: "Filer", Name: size.NodeName("Filer", i%size.Labels[0].Count)}
		if _, _, err := s.Impacted(ctx, benchTeam, k, "Customer", at, 100, ""); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkSubgraph takes the subgraph of a customer for the first day.
func BenchmarkSubgraph(b *testing.B) {
	size := benchSize(b)
	s := loaded(b, size)
	day := size.DayWindow(0)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		k := depc.NodeKey{Label: "Customer", Name: size.NodeName("Customer", i%size.Labels[3].Count)}
		if err := s.Subgraph(ctx, benchTeam, k, day, &compactSink{}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
