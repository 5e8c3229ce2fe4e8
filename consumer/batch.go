package consumer

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/limits"
)

// teamBatch is the part of a batch that belongs to one team.
type teamBatch struct {
	limits   depc.Limits // the team's (limits.Guard), when it exists
	records  int
	handled  int // records written and committed (write's)
	events   []depc.Event
	rejected []rejectedRecord
	exists   bool

	// The decoded records, for limits.Guard.Admit: their events (slices
	// of events) and their index in the batch.
	decoded   [][]depc.Event
	decodedAt []int
	// written tells the Guard that the admitted events are written (or
	// will not be); nil when nothing was admitted.
	written func()
}

// rejectedRecord is a record bound for the dead-letter topic.
type rejectedRecord struct {
	m      *kafka.Message
	i      int    // its index in the batch
	reason string // the depc-error header: names the field
	class  string // the metrics label
}

// batchWork is one batch on its way: read and decoded by prepare, then
// written and committed by write.
type batchWork struct {
	records []kafka.Message
	meta    []recordMeta // of each record
	teams   map[string]*teamBatch
	now     time.Time
}

// recordMeta says where a record of a batch was read: by which
// partition's reader, in which epoch (pause.go).
type recordMeta struct {
	part  *partitionControl
	epoch uint64
	team  string // set by prepare, for the writer
}

func (w *batchWork) add(r record) {
	w.records = append(w.records, r.Message)
	w.meta = append(w.meta, recordMeta{part: r.part, epoch: r.epoch})
}

// live reports whether the batch's record i is still to be processed: its
// partition has not paused since it was read, or paused after it.
func (w *batchWork) live(i int) bool {
	return w.meta[i].part.live(w.meta[i].epoch, w.records[i].Offset)
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
		clear(tb.decoded)
		tb.records, tb.events, tb.rejected, tb.exists = 0, tb.events[:0], tb.rejected[:0], false
		tb.decoded, tb.decodedAt = tb.decoded[:0], tb.decodedAt[:0]
		if tb.written != nil {
			tb.written() // the batch was abandoned
			tb.written = nil
		}
	}

	// Teams first: the records of a team that does not exist are not
	// decoded. Records of a partition paused since they were read are
	// left alone: they will be read again.
	for i := range w.records {
		if !w.live(i) {
			continue
		}
		team := r.team(w.records[i].Topic)
		w.meta[i].team = team
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
			if tb.exists, err = r.teamExists(ctx, team); err != nil || !tb.exists || r.s.Limits == nil {
				return err
			}
			tb.limits, err = r.s.Limits.Limits(ctx, team)
			return err
		})
		if !ok {
			return false
		}
		if tb.exists {
			r.throttle(w, team, tb)
		}
	}

	for i := range w.records {
		if !w.live(i) {
			continue
		}
		m := &w.records[i]
		tb := w.teams[w.meta[i].team]
		if !tb.exists {
			tb.rejected = append(tb.rejected, rejectedRecord{m: m, i: i, reason: reasonUnknownTeam, class: ReasonUnknownTeam})
			continue
		}
		at := m.Time.Unix()
		if m.Time.IsZero() || at <= 0 {
			// A record without a timestamp (CreateTime -1): its relations
			// open when it is read.
			at = w.now.Unix()
		}
		if err := limits.CheckSize(w.meta[i].team, tb.limits, len(m.Value)); err != nil {
			tb.rejected = append(tb.rejected, rejectedRecord{m: m, i: i, reason: depc.ErrorMessage(err), class: ReasonTooLarge})
			continue
		}
		start := len(tb.events)
		var err error
		if tb.events, err = r.dec.Decode(tb.events, m.Value, at); err != nil {
			tb.rejected = append(tb.rejected, rejectedRecord{m: m, i: i, reason: depc.ErrorMessage(err), class: reasonClass(err)})
			continue
		}
		if r.s.Limits != nil {
			tb.decoded = append(tb.decoded, tb.events[start:len(tb.events):len(tb.events)])
			tb.decodedAt = append(tb.decodedAt, i)
		}
	}
	if r.s.Limits == nil {
		return true
	}
	for team, tb := range w.teams {
		if !tb.exists || len(tb.decoded) == 0 {
			continue
		}
		var errs []error
		ok := r.retry(ctx, ended, "team", func(ctx context.Context) error {
			var err error
			errs, tb.written, err = r.s.Limits.Admit(ctx, team, tb.limits, tb.decoded)
			return err
		})
		if !ok {
			return false
		}
		tb.admit(w, errs)
	}
	return true
}

// throttle holds back the team's records of this batch when the team is
// over its messages per second: their partitions pause from their first
// record of the batch until the rate allows it (pause.go). They wait in
// Kafka; nothing is rejected.
func (r *run) throttle(w *batchWork, team string, tb *teamBatch) {
	if r.s.Limits == nil || tb.limits.MessagesPerSecond <= 0 {
		return
	}
	wait := r.s.Limits.Take(team, tb.limits, tb.records)
	if wait <= 0 {
		return
	}
	now := time.Now()
	first := map[*partitionControl]int64{}
	for i := range w.records {
		if w.meta[i].team != team || !w.live(i) {
			continue
		}
		p := w.meta[i].part
		if o, ok := first[p]; !ok || w.records[i].Offset < o {
			first[p] = w.records[i].Offset
		}
	}
	for p, from := range first {
		p.pause(from, now.Add(wait), "", now)
	}
	r.m.throttled.WithLabelValues(team).Inc()
	r.log.Debug("consumer: team over its messages per second; its partitions wait",
		"team", team, "messages_per_second", tb.limits.MessagesPerSecond, "wait", wait)
}

// admit applies the verdicts of limits.Guard.Admit on the decoded records:
// those refused are rejected (reason: the limit) and their events dropped.
func (tb *teamBatch) admit(w *batchWork, errs []error) {
	kept := tb.events[:0]
	for k, evs := range tb.decoded {
		if errs[k] == nil {
			// In place: what is kept never overtakes what is read.
			kept = append(kept, evs...)
			continue
		}
		i := tb.decodedAt[k]
		tb.rejected = append(tb.rejected, rejectedRecord{m: &w.records[i], i: i, reason: depc.ErrorMessage(errs[k]), class: ReasonLimit})
	}
	clear(tb.events[len(kept):])
	tb.events = kept
}

// write writes a prepared batch: each team's events in one Apply, the
// rejected records to the dead-letter topics and the teams' rejections,
// and then commits its offsets. It gives up, uncommitted, when ctx is done
// or when a step must be retried after the generation ended (the records
// are read again from the last commit by the partitions' next owner).
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
		if tb.written != nil {
			tb.written()
			tb.written = nil
		}
	}

	if !r.deadLetters(ctx, ended, w) {
		return
	}

	// Counted and committed: the records handled, that is, still live
	// (not at or after an offset where their partition paused: they are
	// read again from there).
	handled := w.live
	for team, tb := range w.teams {
		tb.handled = 0
		for _, rj := range tb.rejected {
			if handled(rj.i) {
				r.m.rejected.WithLabelValues(team, rj.class).Inc()
			}
		}
	}
	for i := range w.records {
		if handled(i) {
			w.teams[w.meta[i].team].handled++
		}
	}
	for team, tb := range w.teams {
		if tb.handled > 0 {
			r.m.consumed.WithLabelValues(team).Add(float64(tb.handled))
		}
	}
	r.commit(gen, w, handled)
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

// commit commits the offsets after the batch's last handled record of each
// partition. A failure is logged, not retried: the next batch's commit
// covers it, and if the generation ended the records are read again.
func (r *run) commit(gen *kafka.Generation, w *batchWork, handled func(int) bool) {
	type mark struct{ next, hwm int64 }
	last := map[partitionKey]mark{}
	for i := range w.records {
		if !handled(i) {
			continue
		}
		m := &w.records[i]
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
