package consumer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/consumer"
	"github.com/depc-dev/depc/internal/testenv"
	"github.com/depc-dev/depc/message"
)

// kafkaEnv is a connection to the test broker (deploy/dev/kafka) and a
// name space for one test: topics and groups are named after a fresh id
// so that reruns never see each other's data.
type kafkaEnv struct {
	brokers []string
	id      string
	client  *kafka.Client
}

func newKafkaEnv(t testing.TB) *kafkaEnv {
	t.Helper()
	brokers := strings.Split(testenv.RequireService(t, testenv.KafkaBrokers), ",")
	tr := &kafka.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	e := &kafkaEnv{
		brokers: brokers,
		id:      fmt.Sprintf("t%d%04d", time.Now().Unix()%1000000, rand.IntN(10000)),
		client:  &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second, Transport: tr},
	}
	t.Cleanup(func() { e.deleteTopics(t) })
	return e
}

// deleteTopics deletes the test's topics, so that test runs do not fill
// the broker.
func (e *kafkaEnv) deleteTopics(t testing.TB) {
	md, err := e.metadata()
	if err != nil {
		t.Logf("listing topics to delete: %v", err)
		return
	}
	var topics []string
	for _, tp := range md.Topics {
		if strings.HasPrefix(tp.Name, e.prefix()+".") {
			topics = append(topics, tp.Name)
		}
	}
	if len(topics) == 0 {
		return
	}
	res, err := e.client.DeleteTopics(context.Background(), &kafka.DeleteTopicsRequest{Topics: topics})
	if err != nil {
		t.Logf("deleting topics: %v", err)
		return
	}
	for tp, err := range res.Errors {
		if err != nil {
			t.Logf("deleting %s: %v", tp, err)
		}
	}
}

// prefix is the topic prefix of the test: its team topics are prefix.team.
func (e *kafkaEnv) prefix() string { return "depctest-" + e.id }

func (e *kafkaEnv) topic(team string) string { return e.prefix() + "." + team }

func (e *kafkaEnv) group() string { return "depctest-" + e.id }

// config is a consumer configuration for the test's teams, with short
// waits so that tests run fast.
func (e *kafkaEnv) config(teams ...string) consumer.Config {
	return consumer.Config{
		Brokers:      e.brokers,
		GroupID:      e.group(),
		TopicPrefix:  e.prefix(),
		Teams:        teams,
		TopicRefresh: time.Second,
		BatchSize:    500,
		BatchWait:    20 * time.Millisecond,
		MaxBackoff:   500 * time.Millisecond,
	}
}

func (e *kafkaEnv) createTopics(t testing.TB, partitions int, topics ...string) {
	t.Helper()
	req := &kafka.CreateTopicsRequest{}
	for _, tp := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: tp, NumPartitions: partitions, ReplicationFactor: 1})
	}
	res, err := e.client.CreateTopics(context.Background(), req)
	if err != nil {
		t.Fatalf("CreateTopics: %v", err)
	}
	for tp, err := range res.Errors {
		if err != nil {
			t.Fatalf("CreateTopics %s: %v", tp, err)
		}
	}
	// Wait until the broker serves them.
	waitFor(t, 30*time.Second, "topics to exist", func() bool {
		md, err := e.metadata(topics...)
		if err != nil {
			return false
		}
		for _, tp := range md.Topics {
			if tp.Error != nil || len(tp.Partitions) != partitions {
				return false
			}
		}
		return len(md.Topics) == len(topics)
	})
}

// produce writes msgs (each names its topic) and fails the test on error.
func (e *kafkaEnv) produce(t testing.TB, msgs []kafka.Message) {
	t.Helper()
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	w := &kafka.Writer{
		Addr:         kafka.TCP(e.brokers...),
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchSize:    1000,
		BatchBytes:   4 << 20,
		BatchTimeout: 5 * time.Millisecond,
		Transport:    tr,
	}
	defer w.Close()
	for chunk := range slices.Chunk(msgs, 5000) {
		if err := w.WriteMessages(context.Background(), chunk...); err != nil {
			t.Fatalf("producing: %v", err)
		}
	}
}

// metadata asks the broker for the metadata of topics. A Client answers
// Metadata from its Transport's cache, hence the fresh Transport.
func (e *kafkaEnv) metadata(topics ...string) (*kafka.MetadataResponse, error) {
	tr := &kafka.Transport{}
	defer tr.CloseIdleConnections()
	c := &kafka.Client{Addr: kafka.TCP(e.brokers...), Timeout: 30 * time.Second, Transport: tr}
	return c.Metadata(context.Background(), &kafka.MetadataRequest{Topics: topics})
}

// endOffsets returns a topic's partitions with their next offsets.
func (e *kafkaEnv) endOffsets(t testing.TB, topic string) map[int]int64 {
	t.Helper()
	md, err := e.metadata(topic)
	if err != nil || len(md.Topics) != 1 || md.Topics[0].Error != nil {
		t.Fatalf("Metadata %s: %v %+v", topic, err, md)
	}
	var reqs []kafka.OffsetRequest
	for _, p := range md.Topics[0].Partitions {
		reqs = append(reqs, kafka.LastOffsetOf(p.ID))
	}
	res, err := e.client.ListOffsets(context.Background(), &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatalf("ListOffsets %s: %v", topic, err)
	}
	end := map[int]int64{}
	for _, po := range res.Topics[topic] {
		if po.Error != nil {
			t.Fatalf("ListOffsets %s/%d: %v", topic, po.Partition, po.Error)
		}
		end[po.Partition] = po.LastOffset
	}
	return end
}

// committed returns the group's committed offsets on topic (-1: none).
func (e *kafkaEnv) committed(t testing.TB, group, topic string, partitions []int) map[int]int64 {
	t.Helper()
	out, err := e.committedErr(group, topic, partitions)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// committedErr is committed for goroutines other than the test's.
func (e *kafkaEnv) committedErr(group, topic string, partitions []int) (map[int]int64, error) {
	res, err := e.client.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: partitions}})
	if err != nil {
		return nil, fmt.Errorf("OffsetFetch: %w", err)
	}
	out := map[int]int64{}
	for _, p := range res.Topics[topic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out, nil
}

// waitCommitted waits until the group committed every record of topics.
func (e *kafkaEnv) waitCommitted(t testing.TB, group string, topics ...string) {
	t.Helper()
	end := map[string]map[int]int64{}
	for _, tp := range topics {
		end[tp] = e.endOffsets(t, tp)
	}
	waitFor(t, 3*time.Minute, "the consumer to commit every record", func() bool {
		for _, tp := range topics {
			got := e.committed(t, group, tp, slices.Collect(maps.Keys(end[tp])))
			if !maps.Equal(got, end[tp]) {
				return false
			}
		}
		return true
	})
}

// readAll reads every record of a topic, partition by partition.
func (e *kafkaEnv) readAll(t testing.TB, topic string) []kafka.Message {
	t.Helper()
	var out []kafka.Message
	for p, end := range e.endOffsets(t, topic) {
		if end == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: e.brokers, Topic: topic, Partition: p, MaxWait: 3 * time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		for {
			m, err := r.FetchMessage(ctx)
			if err != nil {
				t.Fatalf("reading %s/%d: %v", topic, p, err)
			}
			out = append(out, m)
			if m.Offset+1 >= end {
				break
			}
		}
		cancel()
		r.Close()
	}
	return out
}

// waitFor polls cond until it holds; it fails the test after timeout. The
// timeout only bounds a broken test; nothing is asserted about speed.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			// What every goroutine was doing, to tell a hang from a slow
			// machine.
			var b strings.Builder
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Fatalf("gave up waiting for %s after %v; goroutines:\n%s", what, timeout, b.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// testLogger logs warnings and errors into the test's output, and nothing
// once the test is over.
func testLogger(t testing.TB) *slog.Logger {
	w := &testWriter{w: t.Output()}
	t.Cleanup(func() {
		w.mu.Lock()
		w.w = io.Discard
		w.mu.Unlock()
	})
	level := slog.LevelWarn
	if os.Getenv("DEPC_TEST_CONSUMER_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

type testWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

// runConsumer starts a consumer; the returned stop cancels it and waits
// for Run to return (it also runs at the end of the test).
func runConsumer(t testing.TB, cfg consumer.Config, store depc.GraphStore, teams consumer.Teams, rejections consumer.Rejections, reg prometheus.Registerer) (stop func()) {
	t.Helper()
	_, stop = startConsumer(t, cfg, store, teams, rejections, reg)
	return stop
}

// startConsumer is runConsumer that also returns the Consumer.
func startConsumer(t testing.TB, cfg consumer.Config, store depc.GraphStore, teams consumer.Teams, rejections consumer.Rejections, reg prometheus.Registerer) (_ *consumer.Consumer, stop func()) {
	t.Helper()
	logger := testLogger(t)
	c, err := consumer.New(cfg, store, teams, rejections, reg, logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(2 * time.Minute):
				t.Errorf("Run did not return after its context was cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return c, stop
}

// knownTeams is a Teams with a fixed set of teams.
type knownTeams struct {
	mu    sync.Mutex
	teams map[string]bool
}

func newTeams(names ...string) *knownTeams {
	k := &knownTeams{teams: map[string]bool{}}
	for _, n := range names {
		k.teams[n] = true
	}
	return k
}

func (k *knownTeams) add(name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.teams[name] = true
}

func (k *knownTeams) Team(_ context.Context, name string) (depc.Team, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.teams[name] {
		return depc.Team{}, depc.Errorf(depc.ENOTFOUND, "team %q not found", name)
	}
	return depc.Team{Name: name, Timezone: "UTC"}, nil
}

// rejectionLog is a Rejections that keeps everything.
type rejectionLog struct {
	mu sync.Mutex
	by map[string][]depc.Rejection
}

func (l *rejectionLog) AddRejections(_ context.Context, team string, rs []depc.Rejection) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[string][]depc.Rejection{}
	}
	l.by[team] = append(l.by[team], rs...)
	return nil
}

func (l *rejectionLog) of(team string) []depc.Rejection {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.by[team])
}

// baseTime is the record time of the first generated message: half a day
// ago, so that every record time is in the past but within the broker's
// retention (a record older than log.retention.hours is deleted under the
// consumer's feet).
var baseTime = time.Now().Add(-12*time.Hour).Unix() / 1000 * 1000

// traffic is generated messages for some team topics and what they should
// do.
type traffic struct {
	msgs    []kafka.Message           // in production order
	events  map[string][]depc.Event   // team -> events of its valid messages
	invalid map[string]map[string]int // team -> "reason\x00value" -> count
}

func newTraffic() *traffic {
	return &traffic{events: map[string][]depc.Event{}, invalid: map[string]map[string]int{}}
}

var (
	genLabels = []string{"Offer", "Website", "Filer", "Server"}
	// invalidMessages break one rule each (their reason comes from Decode).
	invalidMessages = []string{
		`{"source": {"label": "website", "name": "foo"}}`,
		`{"source_label": "Website", "source_name": "foo bar"}`,
		`{"source": {"label": "A", "name": "a", "props": {"from": 10, "to": 10}}}`,
		`{"source": {"label": "A", "name": "a"}, "extra": 1}`,
		`this is not JSON`,
		`{"source": {"label": "A", "name": "a"}, "rel": {"from": 1}}`,
		`{"source_label": "A", "source_name": "a", "target_label": "B"}`,
		`{"source_label": "A", "source_name": "a", "source_from": "1"}`,
		``,
		"{\"source_label\": \"A\", \"source_name\": \"caf\xe9\"}",
		`[{"source_label": "A", "source_name": "a"}]`,
	}
)

// add generates n messages for team's topic, one in every invalidEvery
// invalid (0: none), with record times from baseTime.
func (tr *traffic) add(rng *rand.Rand, topic, team string, n, invalidEvery int) {
	if tr.invalid[team] == nil {
		tr.invalid[team] = map[string]int{}
	}
	for i := range n {
		at := baseTime + int64(i)
		m := kafka.Message{Topic: topic, Key: []byte(strconv.Itoa(rng.IntN(1000))), Time: time.Unix(at, 0)}
		if invalidEvery > 0 && i%invalidEvery == invalidEvery-1 {
			m.Value = []byte(invalidMessages[rng.IntN(len(invalidMessages))])
			if i == invalidEvery-1 {
				// One message over the size limit per team.
				m.Value = []byte(`{"source_label": "A", "source_name": "` + strings.Repeat("x", message.MaxSize) + `"}`)
			}
			_, err := message.Decode(nil, m.Value, at)
			if err == nil {
				panic("an invalid message was accepted: " + string(m.Value))
			}
			tr.invalid[team][depc.ErrorMessage(err)+"\x00"+string(m.Value)]++
		} else {
			var events []depc.Event
			m.Value, events = genMessage(rng, at)
			tr.events[team] = append(tr.events[team], events...)
		}
		tr.msgs = append(tr.msgs, m)
	}
}

// genMessage makes a random valid message about a small graph (600
// nodes), in a random format, and the events it should record.
func genMessage(rng *rand.Rand, at int64) ([]byte, []depc.Event) {
	return genMessageNames(rng, at, 150)
}

// genMessageNames is genMessage over names nodes of each label.
func genMessageNames(rng *rand.Rand, at int64, names int) ([]byte, []depc.Event) {
	node := func() depc.NodeKey {
		return depc.NodeKey{Label: genLabels[rng.IntN(len(genLabels))], Name: fmt.Sprintf("n%03d.example", rng.IntN(names))}
	}
	// times picks what a message says of an entity: nothing, from, to, or
	// both; it returns the props and the event.
	times := func(e depc.Event, relation bool) (map[string]any, depc.Event) {
		from := baseTime - 500_000 + rng.Int64N(1_000_000)
		to := from + 1 + int64(rng.IntN(100_000))
		switch rng.IntN(4) {
		case 0:
			if relation {
				e.Kind, e.From = depc.EventOpen, at
			} else {
				e.Kind = depc.EventExists
			}
			return nil, e
		case 1:
			e.Kind, e.From = depc.EventOpen, from
			return map[string]any{"from": from}, e
		case 2:
			e.Kind, e.To = depc.EventClose, to
			return map[string]any{"to": to}, e
		}
		e.Kind, e.From, e.To = depc.EventSpan, from, to
		return map[string]any{"from": from, "to": to}, e
	}
	src, tgt := node(), node()
	srcProps, srcEvent := times(depc.Event{Node: src}, false)
	events := []depc.Event{srcEvent}
	hasTarget := rng.IntN(3) > 0
	var tgtProps, relProps map[string]any
	if hasTarget {
		var tgtEvent, relEvent depc.Event
		tgtProps, tgtEvent = times(depc.Event{Node: tgt}, false)
		relProps, relEvent = times(depc.Event{Node: src, Target: tgt}, true)
		events = append(events, tgtEvent, relEvent)
	}
	var msg map[string]any
	if rng.IntN(2) == 0 {
		nodeObj := func(k depc.NodeKey, props map[string]any) map[string]any {
			o := map[string]any{"label": k.Label, "name": k.Name}
			if props != nil {
				o["props"] = props
			}
			return o
		}
		msg = map[string]any{"source": nodeObj(src, srcProps)}
		if hasTarget {
			msg["target"] = nodeObj(tgt, tgtProps)
			if relProps != nil {
				msg["rel"] = relProps
			}
		}
	} else {
		msg = map[string]any{"source_label": src.Label, "source_name": src.Name}
		flat := func(prefix string, props map[string]any) {
			for k, v := range props {
				msg[prefix+"_"+k] = v
			}
		}
		flat("source", srcProps)
		if hasTarget {
			msg["target_label"], msg["target_name"] = tgt.Label, tgt.Name
			flat("target", tgtProps)
			flat("rel", relProps)
		}
	}
	if rng.IntN(5) == 0 {
		msg = map[string]any{"metadata": msg, "producer": "consumer_test"}
	}
	b, err := json.Marshal(msg)
	if err != nil {
		panic(err)
	}
	return b, events
}

// checkDLQ checks that the dead-letter topic of a team holds exactly its
// invalid records, each with its reason, key and origin. With
// atLeastOnce, a record may be there more than once (a consumer was
// stopped between producing to the DLQ and committing).
func checkDLQ(t *testing.T, e *kafkaEnv, team string, want map[string]int, atLeastOnce bool) {
	t.Helper()
	topic := e.topic(team)
	got := map[string]int{}
	origins := map[string]bool{}
	for _, m := range e.readAll(t, topic+consumer.DLQSuffix) {
		h := map[string]string{}
		for _, x := range m.Headers {
			h[x.Key] = string(x.Value)
		}
		got[h[consumer.HeaderError]+"\x00"+string(m.Value)]++
		if h[consumer.HeaderTopic] != topic || h[consumer.HeaderPartition] == "" || h[consumer.HeaderOffset] == "" {
			t.Errorf("dead letter without its origin: headers %v", h)
		}
		if _, err := strconv.Atoi(string(m.Key)); err != nil {
			t.Errorf("dead letter lost its key: %q", m.Key)
		}
		origins[h[consumer.HeaderPartition]+"/"+h[consumer.HeaderOffset]] = true
	}
	if atLeastOnce {
		for k := range got {
			got[k] = min(got[k], want[k])
		}
		if n := sum(want); len(origins) != n {
			t.Errorf("%s: %d distinct dead letters, want %d", team, len(origins), n)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s: dead letters differ from the invalid messages:\n got %s\nwant %s", team, fmtReasons(got), fmtReasons(want))
	}
}

func sum[K comparable, V int | int64](m map[K]V) V {
	var n V
	for _, v := range m {
		n += v
	}
	return n
}

func fmtReasons(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		reason, value, _ := strings.Cut(k, "\x00")
		if len(value) > 40 {
			value = value[:40] + "…"
		}
		parts = append(parts, fmt.Sprintf("%d× %q (%s)", m[k], value, reason))
	}
	return strings.Join(parts, "\n     ")
}

// metricCount is the number of series of a metric matching labels.
func metricCount(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) int {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metrics
				}
			}
			n++
		}
	}
	return n
}

// metricValue reads a counter or gauge from a registry (0 when absent).
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metrics
				}
			}
			switch {
			case m.GetCounter() != nil:
				total += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				total += m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				total += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return total
}

// TestConsume is the main path: two teams, three partitions each, valid
// messages interleaved with invalid ones.
func TestConsume(t *testing.T) {
	e := newKafkaEnv(t)
	teams := []string{"alpha", "beta"}
	e.createTopics(t, 3, e.topic("alpha"), e.topic("beta"))
	tr := newTraffic()
	rng := rand.New(rand.NewPCG(1, 2))
	tr.add(rng, e.topic("alpha"), "alpha", 3000, 9)
	tr.add(rng, e.topic("beta"), "beta", 2000, 13)
	rng.Shuffle(len(tr.msgs), func(i, j int) { tr.msgs[i], tr.msgs[j] = tr.msgs[j], tr.msgs[i] })
	e.produce(t, tr.msgs)

	store := openStore(t)
	rejections := &rejectionLog{}
	reg := prometheus.NewRegistry()
	stop := runConsumer(t, e.config(teams...), store, newTeams(teams...), rejections, reg)
	e.waitCommitted(t, e.group(), e.topic("alpha"), e.topic("beta"))
	// Every partition reports its lag, nothing left once all is committed.
	waitFor(t, time.Minute, "a lag of 0 on the 6 partitions", func() bool {
		n := 0
		for _, tp := range []string{e.topic("alpha"), e.topic("beta")} {
			for p := range 3 {
				labels := map[string]string{"topic": tp, "partition": strconv.Itoa(p)}
				if metricCount(t, reg, "depc_consumer_lag", labels) == 1 && metricValue(t, reg, "depc_consumer_lag", labels) == 0 {
					n++
				}
			}
		}
		return n == 6
	})
	stop()

	for _, team := range teams {
		if d := diffGraphs(dumpGraph(t, store, team), expectedGraph(tr.events[team])); d != "" {
			t.Errorf("%s: graph differs from its valid messages:%s", team, d)
		}
		checkDLQ(t, e, team, tr.invalid[team], false)
		// Every invalid message is recorded as a rejection, as kept: at
		// most depc.MaxRejectedMessage bytes of valid UTF-8.
		wantRejections := map[string]int{}
		for k, n := range tr.invalid[team] {
			reason, value, _ := strings.Cut(k, "\x00")
			value = strings.ToValidUTF8(value[:min(len(value), depc.MaxRejectedMessage)], "\uFFFD")
			wantRejections[reason+"\x00"+value] += n
		}
		gotRejections := map[string]int{}
		for _, r := range rejections.of(team) {
			if r.Source != "kafka" || r.At <= 0 {
				t.Errorf("%s: rejection %+v: want source kafka and a time", team, r)
			}
			gotRejections[r.Error+"\x00"+r.Message]++
		}
		if !maps.Equal(gotRejections, wantRejections) {
			t.Errorf("%s: rejections differ from the invalid messages:\n got %s\nwant %s", team, fmtReasons(gotRejections), fmtReasons(wantRejections))
		}
		records := 3000
		if team == "beta" {
			records = 2000
		}
		if got := metricValue(t, reg, "depc_consumer_records_total", map[string]string{"team": team}); got != float64(records) {
			t.Errorf("%s: depc_consumer_records_total %v, want %d", team, got, records)
		}
		if got, want := metricValue(t, reg, "depc_consumer_rejected_total", map[string]string{"team": team}), sum(tr.invalid[team]); got != float64(want) {
			t.Errorf("%s: depc_consumer_rejected_total %v, want %d", team, got, want)
		}
	}
	if got := metricValue(t, reg, "depc_consumer_rejected_total", map[string]string{"reason": consumer.ReasonTooLarge}); got != 2 {
		t.Errorf("too_large rejections %v, want 2", got)
	}
	if got := metricValue(t, reg, "depc_consumer_batch_write_seconds", nil); got == 0 {
		t.Errorf("no batch write observed")
	}
}

// TestConsumeRestart stops the consumer in the middle of the stream and
// starts another: nothing is lost, and the graph is the one an
// uninterrupted run gives.
func TestConsumeRestart(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 3, e.topic("alpha"))
	tr := newTraffic()
	tr.add(rand.New(rand.NewPCG(3, 4)), e.topic("alpha"), "alpha", 6000, 17)
	e.produce(t, tr.msgs)

	// The first consumer is stopped from inside its third write: mid-batch,
	// with earlier batches committed and later ones not read.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := openStore(t)
	interrupted := &flakyStore{GraphStore: store, down: func(call int64) bool {
		if call == 3 {
			cancel()
			return true
		}
		return false
	}}
	cfg := e.config("alpha")
	cfg.BatchSize = 400
	c, err := consumer.New(cfg, interrupted, newTeams("alpha"), nil, nil, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Two batches were written and committed before the third write.
	parts := slices.Collect(maps.Keys(e.endOffsets(t, e.topic("alpha"))))
	first := e.committed(t, e.group(), e.topic("alpha"), parts)
	var done int64
	for _, off := range first {
		done += max(off, 0)
	}
	if done == 0 || done >= 6000 {
		t.Errorf("the first consumer committed %d records (%v), want some but not all", done, first)
	}

	stop := runConsumer(t, cfg, store, newTeams("alpha"), nil, nil)
	e.waitCommitted(t, e.group(), e.topic("alpha"))
	stop()
	if d := diffGraphs(dumpGraph(t, store, "alpha"), expectedGraph(tr.events["alpha"])); d != "" {
		t.Errorf("graph after a restart differs from its valid messages:%s", d)
	}
	checkDLQ(t, e, "alpha", tr.invalid["alpha"], true)
}

// TestConsumeStoreDown makes the graph store unavailable for a while: the
// consumer commits nothing meanwhile, then catches up.
func TestConsumeStoreDown(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 3, e.topic("alpha"))
	tr := newTraffic()
	tr.add(rand.New(rand.NewPCG(5, 6)), e.topic("alpha"), "alpha", 2000, 0)
	e.produce(t, tr.msgs)
	parts := slices.Collect(maps.Keys(e.endOffsets(t, e.topic("alpha"))))

	const failures = 6
	var committedWhileDown []map[int]int64
	var errs []error
	flaky := &flakyStore{GraphStore: openStore(t), down: func(call int64) bool {
		if call > failures {
			return false
		}
		c, err := e.committedErr(e.group(), e.topic("alpha"), parts)
		committedWhileDown, errs = append(committedWhileDown, c), append(errs, err)
		return true
	}}
	reg := prometheus.NewRegistry()
	stop := runConsumer(t, e.config("alpha"), flaky, newTeams("alpha"), nil, reg)
	e.waitCommitted(t, e.group(), e.topic("alpha"))
	stop()

	if n := flaky.failures.Load(); n != failures {
		t.Errorf("%d failed writes, want %d", n, failures)
	}
	for i, c := range committedWhileDown {
		if errs[i] != nil {
			t.Errorf("failure %d: %v", i+1, errs[i])
		}
		for p, off := range c {
			if off >= 0 {
				t.Errorf("failure %d: partition %d committed at %d while the store was down", i+1, p, off)
			}
		}
	}
	if got := metricValue(t, reg, "depc_consumer_retries_total", map[string]string{"stage": "graph"}); got != failures {
		t.Errorf("depc_consumer_retries_total{stage=graph} %v, want %d", got, failures)
	}
	if d := diffGraphs(dumpGraph(t, flaky.GraphStore, "alpha"), expectedGraph(tr.events["alpha"])); d != "" {
		t.Errorf("graph after the outage differs from its valid messages:%s", d)
	}
}

// TestConsumeOrder sends the same messages to two teams in two orders,
// with the late corrections of spec/messages.md §3: both graphs are equal.
func TestConsumeOrder(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 3, e.topic("alpha"), e.topic("beta"))
	tr := newTraffic()
	rng := rand.New(rand.NewPCG(7, 8))
	tr.add(rng, e.topic("alpha"), "alpha", 1500, 0)
	// The example of §3 on one relation, sent last so that the close at
	// 150 comes after everything.
	for i, rel := range []string{`{"from": 100}`, `{"to": 200}`, `{"from": 300, "to": 400}`, `{"from": 500}`, `{"to": 600}`, `{"to": 150}`} {
		tr.msgs = append(tr.msgs, kafka.Message{Topic: e.topic("alpha"), Key: []byte("spec"), Time: time.Unix(baseTime+10_000+int64(i), 0),
			Value: []byte(`{"source": {"label": "Website", "name": "spec.example"}, "target": {"label": "Filer", "name": "spec-filer"}, "rel": ` + rel + `}`)})
	}
	shuffled := slices.Clone(tr.msgs)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for i := range shuffled {
		shuffled[i].Topic = e.topic("beta")
		shuffled[i].Key = []byte(strconv.Itoa(i)) // other partitions, too
	}
	e.produce(t, append(tr.msgs, shuffled...))

	store := openStore(t)
	stop := runConsumer(t, e.config("alpha", "beta"), store, newTeams("alpha", "beta"), nil, nil)
	e.waitCommitted(t, e.group(), e.topic("alpha"), e.topic("beta"))
	stop()
	alpha, beta := dumpGraph(t, store, "alpha"), dumpGraph(t, store, "beta")
	if d := diffGraphs(beta, alpha); d != "" {
		t.Errorf("the same messages in another order give another graph:%s", d)
	}
	const spec = "Website/spec.example -> Filer/spec-filer"
	if got, want := alpha[spec], fmt.Sprint(depc.Periods{{From: 100, To: 150}, {From: 300, To: 400}, {From: 500, To: 600}}); got != want {
		t.Errorf("%s: periods %s, want %s", spec, got, want)
	}
}

// TestConsumeUnknownTeam consumes by pattern: the records of a topic whose
// team does not exist go to its dead-letter topic; once the team exists,
// Replay sends them back and they are consumed.
func TestConsumeUnknownTeam(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 3, e.topic("alpha"), e.topic("ghost"))
	tr := newTraffic()
	rng := rand.New(rand.NewPCG(9, 10))
	tr.add(rng, e.topic("alpha"), "alpha", 500, 0)
	tr.add(rng, e.topic("ghost"), "ghost", 300, 0)
	e.produce(t, tr.msgs)

	cfg := e.config()
	cfg.TopicPattern = `^` + strings.ReplaceAll(e.prefix(), "-", `\-`) + `\.`
	store := openStore(t)
	teams := newTeams("alpha")
	rejections := &rejectionLog{}
	reg := prometheus.NewRegistry()
	runConsumer(t, cfg, store, teams, rejections, reg)
	e.waitCommitted(t, e.group(), e.topic("alpha"), e.topic("ghost"))

	if d := diffGraphs(dumpGraph(t, store, "alpha"), expectedGraph(tr.events["alpha"])); d != "" {
		t.Errorf("alpha: graph differs from its messages:%s", d)
	}
	if got := dumpGraph(t, store, "ghost"); len(got) != 0 {
		t.Errorf("ghost, an unknown team, has a graph: %d entries", len(got))
	}
	want := map[string]int{}
	for _, m := range tr.msgs {
		if m.Topic == e.topic("ghost") {
			want["unknown team\x00"+string(m.Value)]++
		}
	}
	checkDLQ(t, e, "ghost", want, false)
	if got := metricValue(t, reg, "depc_consumer_rejected_total", map[string]string{"team": "ghost", "reason": consumer.ReasonUnknownTeam}); got != 300 {
		t.Errorf("unknown_team rejections %v, want 300", got)
	}
	if rs := rejections.of("ghost"); len(rs) != 0 {
		t.Errorf("rejections recorded for a team that does not exist: %d", len(rs))
	}

	// The team is created: replaying its dead letters feeds its graph.
	teams.add("ghost")
	n, err := consumer.Replay(context.Background(), cfg, e.topic("ghost"), testLogger(t))
	if err != nil || n != 300 {
		t.Fatalf("Replay = %d, %v; want 300, nil", n, err)
	}
	waitFor(t, 2*time.Minute, "the replayed records to be consumed", func() bool {
		return diffGraphs(dumpGraph(t, store, "ghost"), expectedGraph(tr.events["ghost"])) == ""
	})
	// Everything was replayed once: a second call has nothing to do.
	if n, err := consumer.Replay(context.Background(), cfg, e.topic("ghost")+consumer.DLQSuffix, nil); err != nil || n != 0 {
		t.Errorf("second Replay = %d, %v; want 0, nil", n, err)
	}
	if _, err := consumer.Replay(context.Background(), cfg, e.topic("nothing"), nil); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("Replay of a topic without dead letters: %v, want not_found", err)
	}
}

// TestConsumeSecured consumes through the broker's SASL and TLS listeners
// (deploy/dev/kafka starts them).
func TestConsumeSecured(t *testing.T) {
	e := newKafkaEnv(t)
	saslBrokers := testenv.RequireService(t, "DEPC_TEST_KAFKA_SASL_BROKERS")
	user := testenv.RequireService(t, "DEPC_TEST_KAFKA_SASL_USER")
	password := testenv.RequireService(t, "DEPC_TEST_KAFKA_SASL_PASSWORD")
	tlsBrokers := testenv.RequireService(t, "DEPC_TEST_KAFKA_TLS_BROKERS")
	ca := testenv.RequireService(t, "DEPC_TEST_KAFKA_TLS_CA")

	tests := []struct {
		name    string
		brokers string
		sasl    consumer.SASL
		tls     consumer.TLS
	}{
		{"plain", saslBrokers, consumer.SASL{Mechanism: "PLAIN", Username: user, Password: password}, consumer.TLS{}},
		{"scram-sha-256", saslBrokers, consumer.SASL{Mechanism: "SCRAM-SHA-256", Username: user, Password: password}, consumer.TLS{}},
		{"scram-sha-512", saslBrokers, consumer.SASL{Mechanism: "scram-sha-512", Username: user, Password: password}, consumer.TLS{}},
		{"tls", tlsBrokers, consumer.SASL{}, consumer.TLS{Enabled: true, CAFile: ca}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			team := fmt.Sprintf("secured%d", i)
			e.createTopics(t, 1, e.topic(team))
			tr := newTraffic()
			tr.add(rand.New(rand.NewPCG(11, uint64(i))), e.topic(team), team, 100, 10)
			e.produce(t, tr.msgs)

			cfg := e.config(team)
			cfg.Brokers, cfg.SASL, cfg.TLS = []string{tt.brokers}, tt.sasl, tt.tls
			cfg.GroupID += "-" + team
			store := openStore(t)
			stop := runConsumer(t, cfg, store, newTeams(team), nil, nil)
			e.waitCommitted(t, cfg.GroupID, e.topic(team))
			stop()
			if d := diffGraphs(dumpGraph(t, store, team), expectedGraph(tr.events[team])); d != "" {
				t.Errorf("graph differs from the messages:%s", d)
			}
			checkDLQ(t, e, team, tr.invalid[team], false)

			// Replay is synchronous: it tells a refused login from one
			// that works.
			if n, err := consumer.Replay(context.Background(), cfg, e.topic(team), testLogger(t)); err != nil || n != sum(tr.invalid[team]) {
				t.Errorf("Replay = %d, %v; want %d, nil", n, err, sum(tr.invalid[team]))
			}
			bad := cfg
			if bad.SASL.Mechanism != "" {
				bad.SASL.Password += "-wrong"
			} else {
				bad.TLS.CAFile = ""
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := consumer.Replay(ctx, bad, e.topic(team), nil); err == nil {
				t.Errorf("Replay with wrong credentials succeeded")
			}
		})
	}
}

// TestConsumeTwoMembers runs two consumers in one group: the partitions
// are shared, the second one joining mid-stream rebalances the group, and
// the graph is still exactly the messages' effect.
func TestConsumeTwoMembers(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 3, e.topic("alpha"), e.topic("beta"))
	tr := newTraffic()
	rng := rand.New(rand.NewPCG(13, 14))
	tr.add(rng, e.topic("alpha"), "alpha", 4000, 11)
	tr.add(rng, e.topic("beta"), "beta", 4000, 0)
	e.produce(t, tr.msgs)

	store := openStore(t)
	cfg := e.config("alpha", "beta")
	cfg.BatchSize = 200
	// The first member's third write waits until the second member has
	// written: the second must have joined, and the group rebalanced, while
	// the first holds a batch of a generation that has ended. The group
	// waits for the first to join again until the rebalance timeout, then
	// goes on without it: the first's batch is not committed and its
	// records are read again (TestConsumeRebalanceAppliesOnce is the
	// rebalance that the first member's write does not outlast).
	var firstWrites atomic.Int64
	secondWrote := make(chan struct{})
	var once sync.Once
	first := &flakyStore{GraphStore: store, down: func(int64) bool {
		if firstWrites.Add(1) == 3 {
			select {
			case <-secondWrote:
			case <-time.After(2 * time.Minute):
			}
		}
		return false
	}}
	second := &flakyStore{GraphStore: store, down: func(int64) bool {
		once.Do(func() { close(secondWrote) })
		return false
	}}
	runConsumer(t, cfg, first, newTeams("alpha", "beta"), nil, nil)
	waitFor(t, time.Minute, "the first member to write", func() bool { return firstWrites.Load() >= 3 })
	runConsumer(t, cfg, second, newTeams("alpha", "beta"), nil, nil)
	e.waitCommitted(t, e.group(), e.topic("alpha"), e.topic("beta"))
	select {
	case <-secondWrote:
	default:
		t.Error("the second member wrote nothing")
	}

	for _, team := range []string{"alpha", "beta"} {
		if d := diffGraphs(dumpGraph(t, store, team), expectedGraph(tr.events[team])); d != "" {
			t.Errorf("%s: graph differs from its messages:%s", team, d)
		}
	}
	checkDLQ(t, e, "alpha", tr.invalid["alpha"], true)
}

// TestConsumeNewTopic creates a team topic while the consumer runs: the
// next topic listing picks it up.
func TestConsumeNewTopic(t *testing.T) {
	e := newKafkaEnv(t)
	e.createTopics(t, 1, e.topic("alpha"))
	store := openStore(t)
	cfg := e.config()
	reg := prometheus.NewRegistry()
	runConsumer(t, cfg, store, nil, nil, reg)
	waitFor(t, time.Minute, "the consumer to read alpha", func() bool {
		return metricValue(t, reg, "depc_consumer_records_total", nil) > 0 || e.groupHasMember(t)
	})

	e.createTopics(t, 2, e.topic("late"))
	tr := newTraffic()
	tr.add(rand.New(rand.NewPCG(15, 16)), e.topic("late"), "late", 300, 0)
	e.produce(t, tr.msgs)
	e.waitCommitted(t, e.group(), e.topic("late"))
	if d := diffGraphs(dumpGraph(t, store, "late"), expectedGraph(tr.events["late"])); d != "" {
		t.Errorf("late: graph differs from its messages:%s", d)
	}
}

// groupHasMember reports whether the test's group has a member.
func (e *kafkaEnv) groupHasMember(t testing.TB) bool {
	res, err := e.client.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{e.group()}})
	if err != nil || len(res.Groups) != 1 {
		return false
	}
	return len(res.Groups[0].Members) > 0
}
