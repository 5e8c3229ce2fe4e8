package consumer_test

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/consumer"
	"github.com/depc-dev/depc/graph/embedded"
	"github.com/depc-dev/depc/graph/graphtest/memgraph"
	"github.com/depc-dev/depc/graph/neo4j"
	"github.com/depc-dev/depc/internal/testenv"
)

// BenchmarkConsume measures the consumer end to end: records from the real
// broker decoded and written to a graph store. Each round consumes the
// same topic from the start in a fresh group, into a fresh store.
//
//	eval "$(deploy/dev/kafka env)"
//	DEPC_BENCH_MESSAGES=300000 DEPC_BENCH_STORE=embedded \
//	  go test -run='^$' -bench=BenchmarkConsume -benchtime=1x ./consumer/
//
// DEPC_BENCH_STORE: discard (the consumer alone: a store that keeps
// nothing), memory (a map), embedded, neo4j. DEPC_BENCH_BATCH overrides
// the batch size (consumer.DefaultBatchSize). Reported: msgs/s from the
// first write to the last (the steady rate), total-s from start (joining
// the group included), and memory: peak-heap-MB (heap in use, garbage
// included, while consuming), live-heap-MB (after a GC half way through)
// and rss-MB (the process's resident memory then). In-process stores count
// in them.
func BenchmarkConsume(b *testing.B) {
	e := newKafkaEnv(b)
	n := 200_000
	if v := os.Getenv("DEPC_BENCH_MESSAGES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("DEPC_BENCH_MESSAGES=%q: want a positive integer", v)
		}
	}
	kind := os.Getenv("DEPC_BENCH_STORE")
	if kind == "" {
		kind = "discard"
	}
	topic := e.topic("bench")
	e.createTopics(b, 3, topic)
	rng := rand.New(rand.NewPCG(42, 42))
	msgs := make([]kafka.Message, n)
	events := 0
	for i := range msgs {
		at := baseTime + int64(i/100)
		v, ev := genMessageNames(rng, at, 20_000)
		msgs[i] = kafka.Message{Topic: topic, Key: []byte(strconv.Itoa(i)), Value: v, Time: time.Unix(at, 0)}
		events += len(ev)
	}
	e.produce(b, msgs)
	msgs = nil // not part of the consumer's memory
	b.Logf("%d messages (%d events) in %s, store %s", n, events, topic, kind)

	var steady, total time.Duration
	var peak, mid, rss uint64
	b.ResetTimer()
	for round := range b.N {
		store := openBenchStore(b, kind)
		counting := &countingStore{GraphStore: store, want: int64(events), done: make(chan struct{})}
		counting.half = func() {
			// Steady state: the live heap half way through, and the
			// process's resident memory (stores outside the Go heap
			// included).
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mid = max(mid, ms.HeapAlloc)
			rss = max(rss, residentBytes())
		}
		runtime.GC()
		cfg := e.config("bench")
		cfg.GroupID += "-" + strconv.Itoa(round)
		cfg.BatchSize, cfg.BatchWait = consumer.DefaultBatchSize, consumer.DefaultBatchWait
		if v := os.Getenv("DEPC_BENCH_BATCH"); v != "" {
			if cfg.BatchSize, _ = strconv.Atoi(v); cfg.BatchSize <= 0 {
				b.Fatalf("DEPC_BENCH_BATCH=%q: want a positive integer", v)
			}
		}

		sampler := startHeapSampler()
		start := time.Now()
		stop := runConsumer(b, cfg, counting, nil, nil, nil)
		select {
		case <-counting.done:
		case <-time.After(10 * time.Minute):
			b.Fatalf("consumed %d of %d events in 10 minutes", counting.applied.Load(), events)
		}
		end := time.Now()
		total += end.Sub(start)
		steady += end.Sub(time.Unix(0, counting.first.Load()))
		peak = max(peak, sampler.stop())
		stop()
		if err := store.Close(); err != nil {
			b.Error(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/steady.Seconds(), "msgs/s")
	b.ReportMetric(total.Seconds()/float64(b.N), "total-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(mid)/(1<<20), "live-heap-MB")
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
}

// residentBytes is the process's resident set size (Linux), 0 if unknown.
func residentBytes() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// openBenchStore opens a store of the kind the benchmark was asked for.
func openBenchStore(b *testing.B, kind string) depc.GraphStore {
	switch kind {
	case "discard":
		return discardStore{memgraph.New()}
	case "memory":
		return memgraph.New()
	case "embedded":
		s, err := embedded.Open(b.TempDir())
		if err != nil {
			b.Fatalf("embedded.Open: %v", err)
		}
		return s
	case "neo4j":
		s, err := neo4j.Open(context.Background(), neo4j.Config{
			URI:      testenv.RequireService(b, testenv.Neo4jURI),
			User:     testenv.Getenv(testenv.Neo4jUser, "neo4j"),
			Password: os.Getenv(testenv.Neo4jPassword),
		})
		if err != nil {
			b.Fatalf("neo4j.Open: %v", err)
		}
		return s
	}
	b.Fatalf("DEPC_BENCH_STORE=%q: want discard, memory, embedded or neo4j", kind)
	return nil
}

// discardStore accepts every batch and keeps nothing: the consumer's own
// cost.
type discardStore struct{ *memgraph.Store }

func (discardStore) Apply(ctx context.Context, team string, events []depc.Event) error {
	return ctx.Err()
}

// countingStore closes done once want events were applied, and records
// when the first write started.
type countingStore struct {
	depc.GraphStore
	want    int64
	applied atomic.Int64
	first   atomic.Int64
	done    chan struct{}
	once    sync.Once
	half    func() // called once, when half the events are applied
	halfway sync.Once
}

func (s *countingStore) Apply(ctx context.Context, team string, events []depc.Event) error {
	s.first.CompareAndSwap(0, time.Now().UnixNano())
	if err := s.GraphStore.Apply(ctx, team, events); err != nil {
		return err
	}
	applied := s.applied.Add(int64(len(events)))
	if applied >= s.want/2 && s.half != nil {
		s.halfway.Do(s.half)
	}
	if applied >= s.want {
		s.once.Do(func() { close(s.done) })
	}
	return nil
}

// heapSampler records the peak heap in use while it runs.
type heapSampler struct {
	quit chan struct{}
	peak chan uint64
}

func startHeapSampler() *heapSampler {
	h := &heapSampler{quit: make(chan struct{}), peak: make(chan uint64)}
	go func() {
		var peak uint64
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-h.quit:
				h.peak <- peak
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) stop() uint64 {
	close(h.quit)
	return <-h.peak
}
