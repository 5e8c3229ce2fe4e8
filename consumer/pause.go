package consumer

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
)

// A partition whose dead letters cannot be written, after
// DeadLetterAttempts, pauses: its reader stops, its records already read
// from the stuck offset on are dropped as if never read (not committed,
// not dead-lettered, not counted; their events may have been applied,
// which reading them again makes harmless), and after MaxBackoff the
// reader rewinds to the stuck offset and tries again. Every other
// partition goes on meanwhile. The pause ends by itself once the
// dead-letter topic takes the records; nothing is skipped.
//
// Records carry the epoch of their partition's reader when they were
// read; a pause starts a new epoch, so that records read before it are
// recognised wherever they are in the pipeline (the hand-over channel,
// the batch being decoded, the batch waiting to be written): those before
// the pause's offset are still processed, the others are not.
//
// A team over its messages per second pauses the same way (throttle in
// batch.go), without being listed by Paused: its records wait in Kafka.

// partitionControl is the pause state of one assigned partition, shared by
// its reader, the batcher and the writer.
type partitionControl struct {
	key   partitionKey
	epoch atomic.Uint64 // the current epoch; records of another are stale

	mu sync.Mutex
	// cutoffs: the records of these past epochs before the offset are
	// still to be processed (the most recent few epochs).
	cutoffs []cutoff
	paused  bool
	from    int64     // the first offset to read again
	until   time.Time // when to read it again
	reason  string
	since   time.Time
	// cancelFetch interrupts the reader's fetch in progress, so that a
	// reader waiting for new records rewinds on time.
	cancelFetch context.CancelFunc
}

// record is a record on its way from its reader to the batcher.
type record struct {
	kafka.Message
	part  *partitionControl
	epoch uint64
}

// cutoff says which records of a past epoch are still to be processed.
type cutoff struct {
	epoch  uint64
	before int64 // offsets before this one
}

// maxCutoffs bounds the past epochs remembered: a record of an older one
// has long left the pipeline.
const maxCutoffs = 8

// live reports whether a record read in epoch at offset is still to be
// processed.
func (p *partitionControl) live(epoch uint64, offset int64) bool {
	if p.epoch.Load() == epoch {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.cutoffs {
		if c.epoch == epoch {
			return offset < c.before
		}
	}
	return false
}

// pause holds the partition back from offset from until the given time (a
// pause already on keeps its earlier offset and its later end): a new
// epoch starts, the reader's fetch is interrupted.
func (p *partitionControl) pause(from int64, until time.Time, reason string, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		from = min(from, p.from)
		if p.until.After(until) {
			until = p.until
		}
		if reason == "" {
			reason = p.reason
		}
	} else {
		p.since = now
	}
	for i := range p.cutoffs {
		p.cutoffs[i].before = min(p.cutoffs[i].before, from)
	}
	p.cutoffs = append(p.cutoffs, cutoff{epoch: p.epoch.Load(), before: from})
	if len(p.cutoffs) > maxCutoffs {
		p.cutoffs = slices.Delete(p.cutoffs, 0, len(p.cutoffs)-maxCutoffs)
	}
	p.paused, p.from, p.until, p.reason = true, from, until, reason
	p.epoch.Add(1)
	if p.cancelFetch != nil {
		p.cancelFetch()
	}
}

// pausedUntil returns the offset to rewind to and when, if paused.
func (p *partitionControl) pausedUntil() (from int64, until time.Time, paused bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.from, p.until, p.paused
}

// resume ends the pause once the reader rewound, and returns the epoch of
// the records it reads from now on.
func (p *partitionControl) resume() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = false
	return p.epoch.Load()
}

// fetchContext is the context of one fetch of the reader: canceled by a
// pause (at once if the partition is paused already).
func (p *partitionControl) fetchContext(ctx context.Context) (context.Context, context.CancelFunc) {
	fctx, cancel := context.WithCancel(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		cancel()
	}
	p.cancelFetch = cancel
	return fctx, cancel
}

// PausedPartition is a partition the consumer holds back because the
// dead letters of its records cannot be written.
type PausedPartition struct {
	Topic     string
	Partition int
	// Offset is the first record not yet handled: it is read again when
	// the pause ends.
	Offset int64
	// Since is when the pause began; Until when the next attempt is.
	Since, Until time.Time
	// Reason is the last error of the dead-letter topic.
	Reason string
}

func (p PausedPartition) String() string {
	return fmt.Sprintf("kafka partition %s/%d paused at offset %d since %s: dead letters cannot be written (%s); next attempt at %s",
		p.Topic, p.Partition, p.Offset, p.Since.UTC().Format(time.RFC3339), p.Reason, p.Until.UTC().Format(time.RFC3339))
}

// Paused lists the partitions held back now, by topic and partition: for
// /readyz, which reports them without failing (every other partition and
// the API work).
func (c *Consumer) Paused() []PausedPartition {
	c.pausedMu.Lock()
	defer c.pausedMu.Unlock()
	out := make([]PausedPartition, 0, len(c.paused))
	for _, p := range c.paused {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b PausedPartition) int {
		if a.Topic != b.Topic {
			if a.Topic < b.Topic {
				return -1
			}
			return 1
		}
		return a.Partition - b.Partition
	})
	return out
}

// setPaused records a pause (p non-nil) or its end, for Paused and the
// metric.
func (c *Consumer) setPaused(k partitionKey, p *PausedPartition) {
	c.pausedMu.Lock()
	defer c.pausedMu.Unlock()
	labels := []string{k.topic, strconv.Itoa(k.partition)}
	if p == nil {
		if _, ok := c.paused[k]; ok {
			delete(c.paused, k)
			c.m.paused.DeleteLabelValues(labels...)
		}
		return
	}
	if c.paused == nil {
		c.paused = map[partitionKey]PausedPartition{}
	}
	c.paused[k] = *p
	c.m.paused.WithLabelValues(labels...).Set(1)
}
