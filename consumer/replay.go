package consumer

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/depc-dev/depc"
)

// ReplayGroupSuffix is appended to Config.GroupID to name the consumer
// group whose offsets on a dead-letter topic say what Replay has already
// replayed.
const ReplayGroupSuffix = ".replay"

// replayChunk is how many records Replay writes, then commits, at a time.
const replayChunk = 1000

// Replay re-publishes the records of a dead-letter topic to the team
// topic they were rejected from, once the cause is fixed (a producer
// corrected, a team created): `depc dlq replay --topic T`. topic is the
// team topic ("depc.acme") or its dead-letter topic ("depc.acme.dlq").
// Each record keeps its key, value and headers, less those the dead-letter
// topic added.
//
// Replay replays the records present when it starts and returns how many
// it replayed. It remembers where it stopped as the offsets of the group
// "<GroupID>.replay" on the dead-letter topic, committed after each chunk,
// so a record is replayed once even across interrupted calls; a record that
// is still invalid comes back to the dead-letter topic as a new record, for
// a later call. A dead letter whose value was cut to fit (header
// depc-original-size) is skipped with a warning: its value is not the
// record, which is on the team topic at the offset depc-offset names.
// ENOTFOUND when the dead-letter topic does not exist.
func Replay(ctx context.Context, cfg Config, topic string, logger *slog.Logger) (int, error) {
	s, err := cfg.validate()
	if err != nil {
		return 0, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	target := strings.TrimSuffix(topic, DLQSuffix)
	dlq := target + DLQSuffix
	if target == "" || strings.ContainsAny(target, " /\\") {
		return 0, depc.Errorf(depc.EINVALID, "topic: %q is not a topic name", topic)
	}
	group := s.GroupID + ReplayGroupSuffix

	clientTransport, writerTransport := s.transport(), s.transport()
	defer clientTransport.CloseIdleConnections()
	defer writerTransport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(s.Brokers...), Timeout: 30 * time.Second, Transport: clientTransport}
	w := &kafka.Writer{
		Addr:         kafka.TCP(s.Brokers...),
		Topic:        target,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond,
		BatchSize:    replayChunk,
		Transport:    writerTransport,
		ErrorLogger:  kafkaLogger(logger, slog.LevelWarn),
	}
	defer w.Close()

	partitions, err := topicPartitions(ctx, client, dlq)
	if err != nil {
		return 0, err
	}
	bounds, err := offsetBounds(ctx, client, dlq, partitions)
	if err != nil {
		return 0, err
	}
	committed, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{dlq: partitions}})
	if err == nil {
		err = committed.Error
	}
	if err != nil {
		return 0, depc.WrapError(depc.EUNAVAILABLE, err, "kafka: reading the replay offsets of %s", dlq)
	}
	start := map[int]int64{}
	for _, p := range committed.Topics[dlq] {
		if p.Error == nil && p.CommittedOffset >= 0 {
			start[p.Partition] = p.CommittedOffset
		}
	}

	total := 0
	for _, p := range partitions {
		b, ok := bounds[p]
		if !ok {
			return total, depc.Errorf(depc.EUNAVAILABLE, "kafka: no offsets for %s partition %d", dlq, p)
		}
		from := max(start[p], b.FirstOffset)
		if from >= b.LastOffset {
			continue
		}
		n, err := replayPartition(ctx, s, client, w, group, dlq, p, from, b.LastOffset, logger)
		total += n
		if err != nil {
			return total, err
		}
		logger.Info("kafka: replayed dead letters", "topic", dlq, "partition", p, "records", n)
	}
	return total, nil
}

// topicPartitions lists the partitions of a topic.
func topicPartitions(ctx context.Context, client *kafka.Client, topic string) ([]int, error) {
	md, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, depc.WrapError(depc.EUNAVAILABLE, err, "kafka: reading the metadata of %s", topic)
	}
	for _, t := range md.Topics {
		if t.Name != topic {
			continue
		}
		if errors.Is(t.Error, kafka.UnknownTopicOrPartition) {
			break
		}
		if t.Error != nil {
			return nil, depc.WrapError(depc.EUNAVAILABLE, t.Error, "kafka: reading the metadata of %s", topic)
		}
		if len(t.Partitions) == 0 {
			return nil, depc.Errorf(depc.EUNAVAILABLE, "kafka: %s has no partition yet", topic)
		}
		ps := make([]int, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			ps = append(ps, p.ID)
		}
		slices.Sort(ps)
		return ps, nil
	}
	return nil, depc.Errorf(depc.ENOTFOUND, "topic %s does not exist", topic)
}

// offsetBounds returns the first and next offsets of each partition.
func offsetBounds(ctx context.Context, client *kafka.Client, topic string, partitions []int) (map[int]kafka.PartitionOffsets, error) {
	reqs := make([]kafka.OffsetRequest, 0, 2*len(partitions))
	for _, p := range partitions {
		reqs = append(reqs, kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	res, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, depc.WrapError(depc.EUNAVAILABLE, err, "kafka: listing the offsets of %s", topic)
	}
	bounds := map[int]kafka.PartitionOffsets{}
	for _, po := range res.Topics[topic] {
		if po.Error != nil {
			return nil, depc.WrapError(depc.EUNAVAILABLE, po.Error, "kafka: listing the offsets of %s partition %d", topic, po.Partition)
		}
		bounds[po.Partition] = po
	}
	return bounds, nil
}

// replayPartition replays the records [from, end) of one partition of the
// dead-letter topic, committing after each chunk.
func replayPartition(ctx context.Context, s *settings, client *kafka.Client, w *kafka.Writer, group, dlq string, partition int, from, end int64, logger *slog.Logger) (int, error) {
	rd := kafka.NewReader(kafka.ReaderConfig{
		Brokers:         s.Brokers,
		Topic:           dlq,
		Partition:       partition,
		Dialer:          s.dialer(),
		MinBytes:        1,
		MaxBytes:        8 << 20,
		MaxWait:         3 * time.Second,
		ReadLagInterval: -1,
	})
	defer rd.Close()
	if err := rd.SetOffset(from); err != nil {
		return 0, depc.WrapError(depc.EINTERNAL, err, "kafka: reading %s partition %d", dlq, partition)
	}
	done := 0
	chunk := make([]kafka.Message, 0, replayChunk)
	next, committed := from, from
	flush := func() error {
		if next == committed {
			return nil
		}
		if err := w.WriteMessages(ctx, chunk...); err != nil {
			return depc.WrapError(depc.EUNAVAILABLE, err, "kafka: writing to %s", w.Topic)
		}
		res, err := client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
			GroupID:      group,
			GenerationID: -1, // a group with no member: plain offset storage
			Topics:       map[string][]kafka.OffsetCommit{dlq: {{Partition: partition, Offset: next}}},
		})
		if err == nil {
			for _, p := range res.Topics[dlq] {
				if p.Error != nil {
					err = p.Error
				}
			}
		}
		if err != nil {
			return depc.WrapError(depc.EUNAVAILABLE, err, "kafka: committing the replay offsets of %s (records up to offset %d were replayed and will be again)", dlq, next)
		}
		done += len(chunk)
		chunk = chunk[:0]
		committed = next
		return nil
	}
	for next < end {
		// A fetch that waits long means the partition holds no more record
		// before end (the last offsets may be transaction markers).
		fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		m, err := rd.FetchMessage(fctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				break
			}
			return done, depc.WrapError(depc.EUNAVAILABLE, err, "kafka: reading %s partition %d", dlq, partition)
		}
		if m.Offset >= end {
			break
		}
		next = m.Offset + 1
		if isCut(m.Headers) {
			h := map[string]string{}
			for _, x := range m.Headers {
				h[x.Key] = string(x.Value)
			}
			logger.Warn("kafka: dead letter cut to fit, not replayed; the record is on its team topic",
				"dlq", dlq, "partition", partition, "offset", m.Offset,
				"topic", h[HeaderTopic], "record_partition", h[HeaderPartition], "record_offset", h[HeaderOffset],
				"original_size", h[HeaderOriginalSize], "sha256", h[HeaderSHA256])
			continue
		}
		headers := make([]kafka.Header, 0, len(m.Headers))
		for _, h := range m.Headers {
			if !isDepcHeader(h.Key) {
				headers = append(headers, h)
			}
		}
		// The record keeps its time: a relation without times opens then.
		chunk = append(chunk, kafka.Message{Key: m.Key, Value: m.Value, Headers: headers, Time: m.Time})
		if len(chunk) == replayChunk {
			if err := flush(); err != nil {
				return done, err
			}
		}
	}
	return done, flush()
}
