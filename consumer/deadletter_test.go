package consumer_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/depc-dev/depc/consumer"
	"github.com/depc-dev/depc/message"
)

// headers returns a record's headers by key.
func headers(m kafka.Message) map[string]string {
	h := map[string]string{}
	for _, x := range m.Headers {
		h[x.Key] = string(x.Value)
	}
	return h
}

// TestConsumeHugeRejectedRecord is the regression test of issue 12, repro
// 1: a record just under the broker's size limit is rejected (over
// message.MaxSize); its dead letter, with the added headers, would be
// over the limit. The old consumer retried that write forever, so another
// team's valid messages after it were never written. Now the copy is cut
// to fit, says what it was, and everything goes on.
func TestConsumeHugeRejectedRecord(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 1, e.topic("big"), e.topic("other"))
	const size = 1048515 // the record: the broker takes it
	head, tail := `{"source_label": "A", "source_name": "`, `"}`
	huge := []byte(head + strings.Repeat("x", size-len(head)-len(tail)) + tail)
	e.produce(t, []kafka.Message{{Topic: e.topic("big"), Value: huge}})
	tr := newTraffic()
	tr.add(rand.New(rand.NewPCG(12, 1)), e.topic("other"), "other", 300, 0)
	e.produce(t, tr.msgs)

	store := openStore(t)
	reg := prometheus.NewRegistry()
	runConsumer(t, e.config("big", "other"), store, newTeams("big", "other"), &rejectionLog{}, reg)
	e.waitCommitted(t, e.group(), e.topic("other"), e.topic("big"))
	if d := diffGraphs(dumpGraph(t, store, "other"), expectedGraph(tr.events["other"])); d != "" {
		t.Errorf("other: graph differs from its messages:%s", d)
	}

	dead := e.readAll(t, e.topic("big")+consumer.DLQSuffix)
	if len(dead) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dead))
	}
	d := dead[0]
	h := headers(d)
	sum := sha256.Sum256(huge)
	want := map[string]string{
		consumer.HeaderError:        "message: larger than " + strconv.Itoa(message.MaxSize) + " bytes",
		consumer.HeaderTopic:        e.topic("big"),
		consumer.HeaderPartition:    "0",
		consumer.HeaderOffset:       "0",
		consumer.HeaderOriginalSize: strconv.Itoa(size),
		consumer.HeaderSHA256:       hex.EncodeToString(sum[:]),
	}
	for k, v := range want {
		if h[k] != v {
			t.Errorf("dead letter header %s = %q, want %q", k, h[k], v)
		}
	}
	if len(d.Value) == 0 || len(d.Value) > consumer.DefaultDeadLetterMaxBytes || !strings.HasPrefix(string(huge), string(d.Value)) {
		t.Errorf("dead letter value: %d bytes, want a prefix of the record of at most %d", len(d.Value), consumer.DefaultDeadLetterMaxBytes)
	}
	if got := metricValue(t, reg, "depc_consumer_dead_letters_cut_total", map[string]string{"team": "big"}); got != 1 {
		t.Errorf("depc_consumer_dead_letters_cut_total{team=big} = %v, want 1", got)
	}
	// A cut dead letter is not replayed: its value is not the record.
	if n, err := consumer.Replay(context.Background(), e.config("big"), e.topic("big"), testLogger(t)); err != nil || n != 0 {
		t.Errorf("Replay = %d, %v; want 0, nil", n, err)
	}
}

// TestConsumeDeadLetterTopicUnwritable: the dead-letter topic of one team
// refuses every record (here its max.message.bytes is too small for even
// the headers; an ACL does the same). After DeadLetterAttempts the
// partition of the rejected record pauses, the other team's records go
// on, and once the topic takes records again the partition resumes by
// itself: its dead letter is written and its valid records after it are
// applied.
func TestConsumeDeadLetterTopicUnwritable(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 1, e.topic("stuck"), e.topic("fine"))
	dlq := e.topic("stuck") + consumer.DLQSuffix
	res, err := e.client.CreateTopics(context.Background(), &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{
		Topic: dlq, NumPartitions: 1, ReplicationFactor: 1,
		ConfigEntries: []kafka.ConfigEntry{{ConfigName: "max.message.bytes", ConfigValue: "64"}},
	}}})
	if err == nil {
		err = res.Errors[dlq]
	}
	if err != nil {
		t.Fatalf("creating %s: %v", dlq, err)
	}

	rng := rand.New(rand.NewPCG(12, 2))
	stuck := newTraffic()
	invalid := kafka.Message{Topic: e.topic("stuck"), Key: []byte("1"), Value: []byte(`{"source_label": "A"}`), Time: time.Unix(baseTime, 0)}
	stuck.msgs = append(stuck.msgs, invalid)
	stuck.add(rng, e.topic("stuck"), "stuck", 100, 0)
	e.produce(t, stuck.msgs)
	fine := newTraffic()
	fine.add(rng, e.topic("fine"), "fine", 300, 0)
	e.produce(t, fine.msgs)

	cfg := e.config("stuck", "fine")
	cfg.DeadLetterAttempts = 2
	store := openStore(t)
	reg := prometheus.NewRegistry()
	c, _ := startConsumer(t, cfg, store, newTeams("stuck", "fine"), &rejectionLog{}, reg)

	// The other team is not held back.
	e.waitCommitted(t, e.group(), e.topic("fine"))
	if d := diffGraphs(dumpGraph(t, store, "fine"), expectedGraph(fine.events["fine"])); d != "" {
		t.Errorf("fine: graph differs from its messages:%s", d)
	}
	// The partition pauses, tries again after MaxBackoff, pauses again.
	labels := map[string]string{"topic": e.topic("stuck"), "partition": "0"}
	var paused []consumer.PausedPartition
	waitFor(t, time.Minute, "the stuck partition to pause", func() bool {
		paused = c.Paused()
		return len(paused) > 0 && metricValue(t, reg, "depc_consumer_paused", labels) == 1
	})
	if len(paused) != 1 || paused[0].Topic != e.topic("stuck") || paused[0].Partition != 0 || paused[0].Offset != 0 || paused[0].Reason == "" {
		t.Errorf("Paused() = %+v, want %s/0 at offset 0 with a reason", paused, e.topic("stuck"))
	}
	if got := e.committed(t, e.group(), e.topic("stuck"), []int{0})[0]; got > 0 {
		t.Errorf("the stuck partition committed offset %d past its unwritten dead letter", got)
	}

	// The topic takes records again: the partition resumes by itself.
	ares, err := e.client.AlterConfigs(context.Background(), &kafka.AlterConfigsRequest{Resources: []kafka.AlterConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: dlq,
		Configs: []kafka.AlterConfigRequestConfig{{Name: "max.message.bytes", Value: "1048588"}},
	}}})
	if err == nil {
		for _, r := range ares.Errors {
			if r != nil {
				err = r
			}
		}
	}
	if err != nil {
		t.Fatalf("AlterConfigs: %v", err)
	}
	e.waitCommitted(t, e.group(), e.topic("stuck"))
	if d := diffGraphs(dumpGraph(t, store, "stuck"), expectedGraph(stuck.events["stuck"])); d != "" {
		t.Errorf("stuck: graph differs from its messages:%s", d)
	}
	dead := e.readAll(t, dlq)
	if len(dead) != 1 || string(dead[0].Value) != string(invalid.Value) || headers(dead[0])[consumer.HeaderOffset] != "0" {
		t.Errorf("dead letters %v, want the invalid record, whole", dead)
	}
	waitFor(t, time.Minute, "the pause to be over", func() bool {
		return metricCount(t, reg, "depc_consumer_paused", labels) == 0 && len(c.Paused()) == 0
	})
}
