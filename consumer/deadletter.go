package consumer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/message"
)

// A dead letter is the copy of a rejected record on the team's
// dead-letter topic: the record's key, value and headers, plus the
// depc-error, depc-topic, depc-partition and depc-offset headers. A copy
// that would exceed DeadLetterMaxBytes (the broker refuses records over
// its max.message.bytes, and a record just under the limit is over it
// once the headers are added) is cut: its value keeps its first bytes,
// up to the limit, and depc-original-size and depc-sha256 say what the
// whole value was; the original is still on the team topic at the offset
// depc-offset names, for as long as the topic's retention keeps it. If
// the broker still refuses the copy as too large (its limit is below
// DeadLetterMaxBytes), the copy is sent bare: the depc headers alone.
// Replay skips cut copies: their value is not the record.

// deadLetterOverhead is what a record and its batch add to the key,
// value and headers on the wire, at most: a batch header of 61 bytes
// and a few varints.
const deadLetterOverhead = 128

// deadLetter is one rejected record on its way to the dead-letter topic.
type deadLetter struct {
	rj   *rejectedRecord
	msg  kafka.Message
	bare bool // only the depc headers are left
	done bool // written
}

// deadLetters produces the batch's rejected records to their dead-letter
// topics and records them as their team's rejections. A copy that cannot
// be written after DeadLetterAttempts pauses its partition (pause.go)
// from its record on; the other partitions of the batch go on. It
// reports false, giving up uncommitted, when ctx is done or the
// generation ended first.
func (r *run) deadLetters(ctx context.Context, ended <-chan struct{}, w *batchWork) bool {
	var pending []*deadLetter
	for _, tb := range w.teams {
		for k := range tb.rejected {
			rj := &tb.rejected[k]
			if w.live(rj.i) {
				pending = append(pending, r.newDeadLetter(rj))
			}
		}
	}
	var all []*deadLetter
	all = append(all, pending...)
	var lastErr error
	delay := minBackoff
	for attempt := 1; len(pending) > 0; attempt++ {
		actx, cancel := context.WithTimeout(ctx, r.s.WriteTimeout)
		pending, lastErr = r.writeDeadLetters(actx, pending)
		cancel()
		if ctx.Err() != nil {
			return false
		}
		if len(pending) == 0 {
			break
		}
		r.m.retries.WithLabelValues("dlq").Inc()
		if attempt >= r.s.DeadLetterAttempts {
			break
		}
		r.log.Warn("consumer: dead letters not written; retrying", "stage", "dlq", "attempt", attempt,
			"records", len(pending), "retry_in", delay, "err", lastErr)
		if !wait(ctx, ended, delay) {
			return false
		}
		delay = min(delay*2, r.s.MaxBackoff)
	}

	// Each partition stops at its first record whose dead letter could
	// not be written.
	stuck := map[*partitionControl]int64{}
	for _, d := range pending {
		at := w.meta[d.rj.i]
		if from, ok := stuck[at.part]; !ok || d.rj.m.Offset < from {
			stuck[at.part] = d.rj.m.Offset
		}
	}
	now := time.Now()
	for pc, from := range stuck {
		until := now.Add(r.s.MaxBackoff)
		reason := errorText(lastErr)
		pc.pause(from, until, reason, now)
		r.setPaused(pc.key, &PausedPartition{Topic: pc.key.topic, Partition: pc.key.partition, Offset: from, Since: now, Until: until, Reason: reason})
		r.log.Error("consumer: dead letters cannot be written; partition paused, the others go on",
			"topic", pc.key.topic, "partition", pc.key.partition, "offset", from,
			"dlq", pc.key.topic+DLQSuffix, "retry_in", r.s.MaxBackoff, "err", lastErr)
	}
	for _, d := range all {
		if d.done && d.msg.Headers != nil && isCut(d.msg.Headers) {
			r.m.deadLettersCut.WithLabelValues(w.meta[d.rj.i].team).Inc()
		}
	}
	r.recordRejections(ctx, w)
	return true
}

// recordRejections records the batch's rejected records that were
// handled (live: not at or after where their partition paused) as their
// teams' recent rejections.
func (r *run) recordRejections(ctx context.Context, w *batchWork) {
	if r.rejections == nil {
		return
	}
	for team, tb := range w.teams {
		if len(tb.rejected) == 0 || !tb.exists {
			// The rejections of an unknown team have nowhere to go.
			continue
		}
		var rs []depc.Rejection
		for _, rj := range tb.rejected {
			if w.live(rj.i) {
				rs = append(rs, depc.Rejection{At: w.now.Unix(), Source: "kafka", Error: rj.reason, Message: message.Excerpt(rj.m.Value)})
			}
		}
		rs = rs[max(0, len(rs)-maxRejectionsPerBatch):]
		if len(rs) == 0 {
			continue
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
}

// newDeadLetter makes the dead-letter copy of a rejected record, cut if
// it would exceed DeadLetterMaxBytes.
func (r *run) newDeadLetter(rj *rejectedRecord) *deadLetter {
	m := rj.m
	headers := make([]kafka.Header, 0, len(m.Headers)+6)
	for _, h := range m.Headers {
		if !isDepcHeader(h.Key) {
			headers = append(headers, h)
		}
	}
	headers = append(headers, originHeaders(rj)...)
	d := &deadLetter{rj: rj, msg: kafka.Message{Topic: m.Topic + DLQSuffix, Key: m.Key, Value: m.Value, Headers: headers, Time: m.Time}}
	budget := r.s.DeadLetterMaxBytes - deadLetterOverhead
	if messageSize(&d.msg) <= budget {
		return d
	}
	d.msg.Headers = append(d.msg.Headers, cutHeaders(m.Value)...)
	d.msg.Value = nil
	room := budget - messageSize(&d.msg)
	if room < 0 {
		// The key and headers alone are too large.
		d.makeBare()
		return d
	}
	d.msg.Value = cutUTF8(m.Value, room)
	return d
}

// originHeaders are the headers every dead letter gets.
func originHeaders(rj *rejectedRecord) []kafka.Header {
	m := rj.m
	return []kafka.Header{
		{Key: HeaderError, Value: []byte(rj.reason)},
		{Key: HeaderTopic, Value: []byte(m.Topic)},
		{Key: HeaderPartition, Value: []byte(strconv.Itoa(m.Partition))},
		{Key: HeaderOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
	}
}

// cutHeaders say what a cut value was.
func cutHeaders(value []byte) []kafka.Header {
	sum := sha256.Sum256(value)
	return []kafka.Header{
		{Key: HeaderOriginalSize, Value: []byte(strconv.Itoa(len(value)))},
		{Key: HeaderSHA256, Value: []byte(hex.EncodeToString(sum[:]))},
	}
}

// makeBare leaves the depc headers alone: no key, no value, none of the
// record's own headers.
func (d *deadLetter) makeBare() {
	d.bare = true
	d.msg.Key, d.msg.Value = nil, nil
	d.msg.Headers = append(originHeaders(d.rj), cutHeaders(d.rj.m.Value)...)
}

// isCut reports whether a dead letter's value was cut (or dropped).
func isCut(headers []kafka.Header) bool {
	for _, h := range headers {
		if h.Key == HeaderOriginalSize {
			return true
		}
	}
	return false
}

// messageSize is the size of a record's key, value and headers.
func messageSize(m *kafka.Message) int {
	n := len(m.Key) + len(m.Value)
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value) + 10 // two varint lengths
	}
	return n
}

// cutUTF8 returns the first bytes of b, at most n, not ending inside a
// UTF-8 sequence (a cut JSON body stays readable).
func cutUTF8(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n:n]
}

// writeDeadLetters makes one attempt to produce the pending dead letters
// and returns those that failed, with the error. A copy the broker refuses
// as too large is made bare for the next attempt.
func (r *run) writeDeadLetters(ctx context.Context, pending []*deadLetter) ([]*deadLetter, error) {
	msgs := make([]kafka.Message, len(pending))
	for i, d := range pending {
		msgs[i] = d.msg
	}
	if err := r.ensureDLQ(ctx, msgs); err != nil {
		return pending, err
	}
	err := r.dlq.WriteMessages(ctx, msgs...)
	if err == nil {
		for _, d := range pending {
			d.done = true
		}
		return nil, nil
	}
	var werrs kafka.WriteErrors
	if !errors.As(err, &werrs) || len(werrs) != len(pending) {
		var tooLarge kafka.MessageTooLargeError
		if errors.As(err, &tooLarge) {
			// Refused before sending (over the writer's BatchBytes): only
			// key and headers can do that, after the cut.
			for _, d := range pending {
				if messageSize(&d.msg) > r.s.DeadLetterMaxBytes-deadLetterOverhead {
					d.makeBare()
				}
			}
		}
		return pending, err
	}
	var failed []*deadLetter
	for i, e := range werrs {
		d := pending[i]
		if e == nil {
			d.done = true
			continue
		}
		if errors.Is(e, kafka.MessageSizeTooLarge) && !d.bare {
			d.makeBare()
		}
		failed = append(failed, d)
	}
	return failed, werrs
}

// errorText is a short form of the last error, for /readyz.
func errorText(err error) string {
	if err == nil {
		return "unknown error"
	}
	var werrs kafka.WriteErrors
	if errors.As(err, &werrs) {
		for _, e := range werrs {
			if e != nil {
				return e.Error()
			}
		}
	}
	return err.Error()
}

// wait waits for d; it reports false when ctx is done or the generation
// ended first.
func wait(ctx context.Context, ended <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-ended:
		return false
	case <-t.C:
		return true
	}
}

// isDepcHeader reports whether a header is one the dead-letter topic adds.
func isDepcHeader(k string) bool {
	switch k {
	case HeaderError, HeaderTopic, HeaderPartition, HeaderOffset, HeaderOriginalSize, HeaderSHA256:
		return true
	}
	return false
}
