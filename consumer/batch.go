package consumer

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/message"
)

// teamBatch is the part of a batch that belongs to one team.
type teamBatch struct {
	records  int
	events   []depc.Event
	rejected []rejectedRecord
	exists   bool
}

// rejectedRecord is a record bound for the dead-letter topic.
type rejectedRecord struct {
	m      *kafka.Message
	reason string // the depc-error header: names the field
	class  string // the metrics label
}

// batchWork is one batch on its way: read and decoded by prepare, then
// written and committed by write.
type batchWork struct {
	records []kafka.Message
	teams   map[string]*teamBatch
	now     time.Time
}

// prepare groups a batch by team, looks the teams up and decodes the
// records of those that exist (spec/messages.md §4). It reports false
// when it gave up because ctx is done or the generation ended.
func (r *run) prepare(ctx context.Context, ended <-chan struct{}, w *batchWork) bool {
	w.now = time.Now()
	for team, tb := range w.teams {
		if tb.records == 0 {
			// Not in the last batch: free its space.
			delete(w.teams, team)
			continue
		}
		clear(tb.events) // drop the names the last batch held
		clear(tb.rejected)
		tb.records, tb.events, tb.rejected, tb.exists = 0, tb.events[:0], tb.rejected[:0], false
	}

	// Teams first: the records of a team that does not exist are not
	// decoded.
	for i := range w.records {
		team := r.team(w.records[i].Topic)
		tb := w.teams[team]
		if tb == nil {
			tb = &teamBatch{}
			w.teams[team] = tb
		}
		tb.records++
	}
	for team, tb := range w.teams {
		if tb.records == 0 {
			continue
		}
		ok := r.retry(ctx, ended, "team", func(ctx context.Context) error {
			var err error
			tb.exists, err = r.teamExists(ctx, team)
			return err
		})
		if !ok {
			return false
		}
	}

	for i := range w.records {
		m := &w.records[i]
		tb := w.teams[r.team(m.Topic)]
		if !tb.exists {
			tb.rejected = append(tb.rejected, rejectedRecord{m: m, reason: reasonUnknownTeam, class: ReasonUnknownTeam})
			continue
		}
		at := m.Time.Unix()
		if m.Time.IsZero() || at <= 0 {
			// A record without a timestamp (CreateTime -1): its relations
			// open when it is read.
			at = w.now.Unix()
		}
		var err error
		if tb.events, err = r.dec.Decode(tb.events, m.Value, at); err != nil {
			tb.rejected = append(tb.rejected, rejectedRecord{m: m, reason: depc.ErrorMessage(err), class: reasonClass(err)})
		}
	}
	return true
}

// write writes a prepared batch: each team's events in one Apply, the
// rejected records to the dead-letter topics and the teams' rejections,
// and then commits its offsets. It gives up, uncommitted, when ctx is done
// or the generation ended (another member may now own the partitions; the
// records are read again from the last commit).
func (r *run) write(ctx context.Context, gen *kafka.Generation, ended <-chan struct{}, w *batchWork) {
	for team, tb := range w.teams {
		if len(tb.events) == 0 {
			continue
		}
		ok := r.retry(ctx, ended, "graph", func(ctx context.Context) error {
			start := time.Now()
			if err := r.graph.Apply(ctx, team, tb.events); err != nil {
				return err
			}
			r.m.writeSeconds.Observe(time.Since(start).Seconds())
			return nil
		})
		if !ok {
			return
		}
	}

	if !r.deadLetters(ctx, ended, w) {
		return
	}

	for team, tb := range w.teams {
		if tb.records == 0 {
			continue
		}
		r.m.consumed.WithLabelValues(team).Add(float64(tb.records))
		for _, rj := range tb.rejected {
			r.m.rejected.WithLabelValues(team, rj.class).Inc()
		}
	}
	r.commit(gen, w.records)
}

// team is the team of a topic ("" when the topic is not a team topic,
// which the topic listing prevents).
func (r *run) team(topic string) string {
	team, ok := r.teamOf[topic]
	if !ok {
		team = r.s.topicTeam(topic)
		r.teamOf[topic] = team
	}
	return team
}

// teamExists asks the Teams store; an error other than ENOTFOUND is
// returned, to be retried.
func (r *run) teamExists(ctx context.Context, team string) (bool, error) {
	if team == "" {
		return false, nil
	}
	if r.teams == nil {
		return true, nil
	}
	_, err := r.teams.Team(ctx, team)
	switch depc.ErrorCode(err) {
	case "":
		return true, nil
	case depc.ENOTFOUND:
		return false, nil
	}
	return false, err
}

// deadLetters produces the batch's rejected records to their dead-letter
// topics and records them as their team's rejections.
func (r *run) deadLetters(ctx context.Context, ended <-chan struct{}, w *batchWork) bool {
	var msgs []kafka.Message
	for _, tb := range w.teams {
		for _, rj := range tb.rejected {
			m := rj.m
			headers := make([]kafka.Header, 0, len(m.Headers)+4)
			for _, h := range m.Headers {
				if !isDepcHeader(h.Key) {
					headers = append(headers, h)
				}
			}
			headers = append(headers,
				kafka.Header{Key: HeaderError, Value: []byte(rj.reason)},
				kafka.Header{Key: HeaderTopic, Value: []byte(m.Topic)},
				kafka.Header{Key: HeaderPartition, Value: []byte(strconv.Itoa(m.Partition))},
				kafka.Header{Key: HeaderOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
			)
			msgs = append(msgs, kafka.Message{Topic: m.Topic + DLQSuffix, Key: m.Key, Value: m.Value, Headers: headers, Time: m.Time})
		}
	}
	if len(msgs) == 0 {
		return true
	}
	ok := r.retry(ctx, ended, "dlq", func(ctx context.Context) error {
		if err := r.ensureDLQ(ctx, msgs); err != nil {
			return err
		}
		return r.dlq.WriteMessages(ctx, msgs...)
	})
	if !ok {
		return false
	}

	if r.rejections == nil {
		return true
	}
	for team, tb := range w.teams {
		if len(tb.rejected) == 0 || !tb.exists {
			// The rejections of an unknown team have nowhere to go.
			continue
		}
		rjs := tb.rejected[max(0, len(tb.rejected)-maxRejectionsPerBatch):]
		rs := make([]depc.Rejection, len(rjs))
		for i, rj := range rjs {
			rs[i] = depc.Rejection{At: w.now.Unix(), Source: "kafka", Error: rj.reason, Message: message.Excerpt(rj.m.Value)}
		}
		// Best effort: the rejections are a debugging aid, the dead-letter
		// topic is the record; a state store that is down must not stop
		// the graph from being fed.
		actx, cancel := context.WithTimeout(ctx, r.s.WriteTimeout)
		err := r.rejections.AddRejections(actx, team, rs)
		cancel()
		if err != nil && ctx.Err() == nil {
			r.log.Warn("recording rejected messages", "team", team, "count", len(rs), "err", err)
		}
	}
	return true
}

// isDepcHeader reports whether a header is one the dead-letter topic adds.
func isDepcHeader(k string) bool {
	switch k {
	case HeaderError, HeaderTopic, HeaderPartition, HeaderOffset:
		return true
	}
	return false
}

// ensureDLQ creates the dead-letter topics that msgs go to, once each, with
// the broker's default partitions and replication: a broker that does not
// create topics automatically would otherwise refuse them forever.
func (r *run) ensureDLQ(ctx context.Context, msgs []kafka.Message) error {
	var create []kafka.TopicConfig
	for _, m := range msgs {
		if !r.dlqReady[m.Topic] && !containsTopic(create, m.Topic) {
			create = append(create, kafka.TopicConfig{Topic: m.Topic, NumPartitions: -1, ReplicationFactor: -1})
		}
	}
	if len(create) == 0 {
		return nil
	}
	res, err := r.client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: create})
	if err != nil {
		return err
	}
	for _, t := range create {
		if err := res.Errors[t.Topic]; err != nil && !isTopicExists(err) {
			// Not allowed to create topics, say: the write will tell
			// whether the topic exists anyway.
			r.log.Warn("kafka: cannot create the dead-letter topic", "topic", t.Topic, "err", err)
		}
		r.dlqReady[t.Topic] = true
	}
	return nil
}

func containsTopic(ts []kafka.TopicConfig, topic string) bool {
	for _, t := range ts {
		if t.Topic == topic {
			return true
		}
	}
	return false
}

func isTopicExists(err error) bool { return errors.Is(err, kafka.TopicAlreadyExists) }

// retry calls fn until it succeeds, each attempt within WriteTimeout
// (a store or broker that hangs is retried like one that fails), waiting
// between attempts with exponential backoff capped at MaxBackoff. It
// reports false, giving up, when ctx is done or the generation ended first.
func (r *run) retry(ctx context.Context, ended <-chan struct{}, stage string, fn func(context.Context) error) bool {
	delay := minBackoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, r.s.WriteTimeout)
		err := fn(actx)
		cancel()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		r.m.retries.WithLabelValues(stage).Inc()
		r.log.Warn("consumer: batch not written; retrying", "stage", stage, "attempt", attempt, "retry_in", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-ended:
			t.Stop()
			return false
		case <-t.C:
		}
		delay = min(delay*2, r.s.MaxBackoff)
	}
}

// commit commits the offsets after the batch's last record of each
// partition. A failure is logged, not retried: the next batch's commit
// covers it, and if the generation ended the records are read again.
func (r *run) commit(gen *kafka.Generation, batch []kafka.Message) {
	type mark struct{ next, hwm int64 }
	last := map[partitionKey]mark{}
	for i := range batch {
		m := &batch[i]
		k := partitionKey{m.Topic, m.Partition}
		mk := last[k]
		mk.next = max(mk.next, m.Offset+1)
		mk.hwm = max(mk.hwm, m.HighWaterMark)
		last[k] = mk
	}
	offsets := map[string]map[int]int64{}
	for k, mk := range last {
		if offsets[k.topic] == nil {
			offsets[k.topic] = map[int]int64{}
		}
		offsets[k.topic][k.partition] = mk.next
	}
	if err := gen.CommitOffsets(offsets); err != nil {
		r.m.commitErrors.Inc()
		r.log.Warn("kafka: committing offsets", "generation", gen.ID, "err", err)
		return
	}
	for k, mk := range last {
		r.m.lag.WithLabelValues(k.topic, strconv.Itoa(k.partition)).Set(float64(max(0, mk.hwm-mk.next)))
	}
}
