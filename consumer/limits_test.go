package consumer_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/consumer"
	"github.com/depc-dev/depc/limits"
	"github.com/depc-dev/depc/message"
)

// teamLimits is a limits.Store of fixed overrides.
type teamLimits map[string]depc.Limits

func (o teamLimits) TeamLimits(_ context.Context, team string) (depc.Limits, error) {
	return o[team], nil
}

// TestConsumeLimits: a team's records over its message size, or that
// would add a label or a node beyond its limits, go to its dead-letter
// topic with the limit as reason; its records within them, and another
// team's, are applied.
func TestConsumeLimits(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 1, e.topic("capped"), e.topic("free"))
	rel := func(a, b string) string {
		la, na, _ := strings.Cut(a, "/")
		lb, nb, _ := strings.Cut(b, "/")
		return fmt.Sprintf(`{"source_label": %q, "source_name": %q, "target_label": %q, "target_name": %q}`, la, na, lb, nb)
	}
	big := `{"source_label": "A", "source_name": "` + strings.Repeat("x", 400) + `"}`
	capped := []struct{ value, reason string }{
		{rel("A/a1", "B/b1"), ""},
		{rel("A/a2", "B/b2"), ""},
		{rel("A/a1", "C/c1"), "limit: team capped may have at most 2 labels (limits.labels); label C would be one more"},
		{rel("A/a3", "B/b1"), "limit: team capped may have at most 4 nodes (limits.nodes); it has 4, A/a3 would be one more"},
		{rel("A/a1", "B/b2"), ""},
		{big, "message: larger than 300 bytes, the limit of team capped (limits.message_bytes)"},
	}
	var msgs []kafka.Message
	wantDLQ := map[string]int{}
	for i, c := range capped {
		msgs = append(msgs, kafka.Message{Topic: e.topic("capped"), Key: []byte(fmt.Sprint(i)), Value: []byte(c.value), Time: time.Unix(baseTime, 0)})
		if c.reason != "" {
			wantDLQ[c.reason+"\x00"+c.value]++
		}
	}
	e.produce(t, msgs)
	free := newTraffic()
	free.add(rand.New(rand.NewPCG(12, 3)), e.topic("free"), "free", 200, 0)
	e.produce(t, free.msgs)

	store := openStore(t)
	cfg := e.config("capped", "free")
	cfg.Limits = limits.New(depc.Limits{}, teamLimits{"capped": {Labels: 2, Nodes: 4, MessageBytes: 300}}, store, limits.Options{})
	reg := prometheus.NewRegistry()
	rejections := &rejectionLog{}
	runConsumer(t, cfg, store, newTeams("capped", "free"), rejections, reg)
	e.waitCommitted(t, e.group(), e.topic("capped"), e.topic("free"))

	checkDLQ(t, e, "capped", wantDLQ, false)
	var admitted []depc.Event
	for _, c := range capped {
		if c.reason == "" {
			evs, err := message.Decode(nil, []byte(c.value), baseTime)
			if err != nil {
				t.Fatal(err)
			}
			admitted = append(admitted, evs...)
		}
	}
	if d := diffGraphs(dumpGraph(t, store, "capped"), expectedGraph(admitted)); d != "" {
		t.Errorf("capped: graph differs from its messages within the limits:%s", d)
	}
	if d := diffGraphs(dumpGraph(t, store, "free"), expectedGraph(free.events["free"])); d != "" {
		t.Errorf("free: graph differs from its messages:%s", d)
	}
	if got := metricValue(t, reg, "depc_consumer_rejected_total", map[string]string{"team": "capped", "reason": consumer.ReasonLimit}); got != 2 {
		t.Errorf("limit rejections %v, want 2", got)
	}
	if got := metricValue(t, reg, "depc_consumer_rejected_total", map[string]string{"team": "capped", "reason": consumer.ReasonTooLarge}); got != 1 {
		t.Errorf("too_large rejections %v, want 1", got)
	}
	if n := len(rejections.of("capped")); n != 3 {
		t.Errorf("%d rejections recorded for capped, want 3", n)
	}
}

// TestConsumeThrottle: a team over its messages per second is held back,
// not rejected: its records wait in Kafka and are all applied, while
// another team's go on.
func TestConsumeThrottle(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 2, e.topic("flood"), e.topic("calm"))
	rng := rand.New(rand.NewPCG(12, 4))
	tr := newTraffic()
	tr.add(rng, e.topic("flood"), "flood", 600, 0)
	tr.add(rng, e.topic("calm"), "calm", 100, 0)
	e.produce(t, tr.msgs)

	store := openStore(t)
	cfg := e.config("flood", "calm")
	cfg.Limits = limits.New(depc.Limits{}, teamLimits{"flood": {MessagesPerSecond: 200}}, store, limits.Options{})
	reg := prometheus.NewRegistry()
	runConsumer(t, cfg, store, newTeams("flood", "calm"), nil, reg)
	e.waitCommitted(t, e.group(), e.topic("flood"), e.topic("calm"))
	for _, team := range []string{"flood", "calm"} {
		if d := diffGraphs(dumpGraph(t, store, team), expectedGraph(tr.events[team])); d != "" {
			t.Errorf("%s: graph differs from its messages:%s", team, d)
		}
	}
	if got := metricValue(t, reg, "depc_consumer_throttled_total", map[string]string{"team": "flood"}); got == 0 {
		t.Error("flood was never held back")
	}
	if got := metricValue(t, reg, "depc_consumer_throttled_total", map[string]string{"team": "calm"}); got != 0 {
		t.Errorf("calm was held back %v times", got)
	}
	if got := metricValue(t, reg, "depc_consumer_rejected_total", nil); got != 0 {
		t.Errorf("%v records rejected, want none", got)
	}
}
