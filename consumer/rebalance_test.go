package consumer_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/consumer"
)

// applyCounter counts the events applied, to tell a record applied twice
// (its events counted twice) from one applied once.
type applyCounter struct {
	depc.GraphStore
	events atomic.Int64
	// before, when set, runs before each Apply (call counts from 1).
	before func(call int64)
	calls  atomic.Int64
}

func (s *applyCounter) Apply(ctx context.Context, team string, events []depc.Event) error {
	if s.before != nil {
		s.before(s.calls.Add(1))
	}
	if err := s.GraphStore.Apply(ctx, team, events); err != nil {
		return err
	}
	s.events.Add(int64(len(events)))
	return nil
}

// signalHandler is a slog.Handler that closes a channel the first time a
// message containing a text is logged at any level (kafka-go's own logs
// are at debug), and passes warnings and errors on to the test's log.
type signalHandler struct {
	slog.Handler
	text string
	once *sync.Once
	seen chan struct{}
}

func (h signalHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h signalHandler) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.text) {
		h.once.Do(func() { close(h.seen) })
	}
	if r.Level >= slog.LevelWarn {
		return h.Handler.Handle(ctx, r)
	}
	return nil
}

// TestConsumeRebalanceAppliesOnce: a member applies a batch while the
// group rebalances (a second member joined), and its generation ends
// before the batch is committed. The batch's offsets must still be
// committed in that generation, before its partitions go to the other
// member, so that every record is applied once (issue 11: messages
// produced are each applied once), not applied again by the partition's
// next owner.
func TestConsumeRebalanceAppliesOnce(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 2, e.topic("alpha"))
	tr := newTraffic()
	tr.add(rand.New(rand.NewPCG(21, 22)), e.topic("alpha"), "alpha", 3000, 0)
	e.produce(t, tr.msgs)

	graph := openStore(t)
	cfg := e.config("alpha")
	cfg.BatchSize = 100

	// The first member's third write waits for its generation to end: the
	// second member joined, the group is rebalancing, and the first's
	// heartbeat was told so ("stopped heartbeat", in kafka-go's log).
	// Then it waits for the group to settle with both members, which it
	// cannot before the first member has left its generation (a fixed
	// while at most: the group waits for every member to join again).
	ended := signalHandler{Handler: testLogger(t).Handler(), text: "stopped heartbeat", once: &sync.Once{}, seen: make(chan struct{})}
	third := make(chan struct{})
	first := &applyCounter{GraphStore: graph, before: func(call int64) {
		if call != 3 {
			return
		}
		close(third)
		select {
		case <-ended.seen:
		case <-time.After(2 * time.Minute):
			return
		}
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) && !e.groupStable(2) {
			time.Sleep(100 * time.Millisecond)
		}
	}}
	second := &applyCounter{GraphStore: graph}
	regFirst, regSecond := prometheus.NewRegistry(), prometheus.NewRegistry()

	c, err := consumer.New(cfg, first, newTeams("alpha"), nil, regFirst, slog.New(ended))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-third:
	case <-time.After(2 * time.Minute):
		t.Fatal("the first member did not write three batches")
	}
	runConsumer(t, cfg, second, newTeams("alpha"), nil, regSecond)
	e.waitCommitted(t, e.group(), e.topic("alpha"))

	want := int64(len(tr.events["alpha"]))
	if got := first.events.Load() + second.events.Load(); got != want {
		t.Errorf("%d events applied (first member %d, second %d) for %d in the messages: records applied more than once",
			got, first.events.Load(), second.events.Load(), want)
	}
	records := metricValue(t, regFirst, "depc_consumer_records_total", nil) + metricValue(t, regSecond, "depc_consumer_records_total", nil)
	if int(records) != len(tr.msgs) {
		t.Errorf("%v records consumed for %d produced", records, len(tr.msgs))
	}
	if n := metricValue(t, regFirst, "depc_consumer_commit_errors_total", nil); n != 0 {
		t.Errorf("the first member failed %v commits", n)
	}
	if d := diffGraphs(dumpGraph(t, graph, "alpha"), expectedGraph(tr.events["alpha"])); d != "" {
		t.Errorf("alpha: graph differs from its messages:%s", d)
	}
}

// groupStable reports whether the test's group is stable with n members.
func (e *kafkaEnv) groupStable(n int) bool {
	res, err := e.client.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{e.group()}})
	if err != nil || len(res.Groups) != 1 {
		return false
	}
	g := res.Groups[0]
	return g.GroupState == "Stable" && len(g.Members) == n
}
