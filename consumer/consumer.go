package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/message"
)

// Teams tells which teams exist.
type Teams interface {
	// Team returns the team, or an error with code ENOTFOUND when it does
	// not exist. Any other error is taken as the store being unavailable:
	// the consumer retries.
	Team(ctx context.Context, name string) (depc.Team, error)
}

// Rejections keeps the last rejected messages of each team, for
// GET /teams/{team}/messages/rejected.
type Rejections interface {
	AddRejections(ctx context.Context, team string, rs []depc.Rejection) error
}

// The state store's parts are these.
var (
	_ Teams      = depc.TeamStore(nil)
	_ Rejections = depc.RejectionStore(nil)
)

// maxRejectionsPerBatch bounds how many rejections of one team and batch
// are recorded (the last ones): the store keeps only the
// depc.MaxRejections newest, and a producer gone wrong may send thousands
// per second. The DLQ keeps them all.
const maxRejectionsPerBatch = depc.MaxRejections

// Consumer consumes the team topics of a Kafka cluster into a graph store
// (spec/messages.md §4).
type Consumer struct {
	s          *settings
	graph      depc.GraphStore
	teams      Teams
	rejections Rejections
	m          *metrics
	log        *slog.Logger
	running    atomic.Bool

	pausedMu sync.Mutex
	paused   map[partitionKey]PausedPartition // see pause.go
}

// New returns a Consumer of the team topics that cfg selects, which
// writes to graph. teams (nil: every team exists) says whether the team of
// a topic exists; rejections (nil: not recorded) receives the messages that
// fail validation. Metrics are registered on reg (nil: not registered),
// logs go to logger (nil: discarded). New checks cfg (errors are EINVALID
// and name the setting) but does not connect: Run does.
func New(cfg Config, graph depc.GraphStore, teams Teams, rejections Rejections, reg prometheus.Registerer, logger *slog.Logger) (*Consumer, error) {
	s, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if graph == nil {
		return nil, depc.Errorf(depc.EINVALID, "consumer: a graph store is required")
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, depc.WrapError(depc.EINTERNAL, err, "consumer: registering metrics")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Consumer{s: s, graph: graph, teams: teams, rejections: rejections, m: m, log: logger}, nil
}

// Run consumes until ctx is done, then returns nil. It joins the consumer
// group, reads every assigned partition, and for each batch: decodes the
// records, writes the valid events of each team in one GraphStore.Apply,
// produces the invalid records to their dead-letter topics, records them
// as the team's rejections, and only then commits the batch's offsets.
// Batches are written one at a time, in order; the next one is read and
// decoded meanwhile.
//
// Nothing makes Run give up: an unreachable broker, graph store or state
// store is retried with capped exponential backoff, without committing,
// so no valid record is skipped. When ctx is done the batch in flight is
// abandoned uncommitted: it is read again later (writes are idempotent).
// A Consumer runs once at a time.
func (c *Consumer) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return depc.Errorf(depc.ECONFLICT, "consumer: already running")
	}
	defer c.running.Store(false)

	clientTransport, dlqTransport := c.s.transport(), c.s.transport()
	defer clientTransport.CloseIdleConnections()
	defer dlqTransport.CloseIdleConnections()
	r := &run{
		Consumer: c,
		dialer:   c.s.dialer(),
		client:   &kafka.Client{Addr: kafka.TCP(c.s.Brokers...), Timeout: 30 * time.Second, Transport: clientTransport},
		dlq: &kafka.Writer{
			Addr:                   kafka.TCP(c.s.Brokers...),
			Balancer:               &kafka.Hash{},
			RequiredAcks:           kafka.RequireAll,
			BatchTimeout:           5 * time.Millisecond,
			BatchSize:              1000,
			AllowAutoTopicCreation: true,
			// A batch of dead letters to one partition stays within the
			// limit a single one is cut to.
			BatchBytes:  int64(c.s.DeadLetterMaxBytes),
			Transport:   dlqTransport,
			ErrorLogger: kafkaLogger(c.log, slog.LevelWarn),
		},
		dlqReady: map[string]bool{},
		teamOf:   map[string]string{},
	}
	defer r.dlq.Close()

	delay := minBackoff
	for ctx.Err() == nil {
		topics, err := r.listTopics(ctx)
		switch {
		case err != nil:
			c.log.Warn("kafka: listing topics", "err", err, "retry_in", delay)
		case len(topics) == 0:
			c.log.Info("kafka: no team topic to consume yet", "retry_in", c.s.TopicRefresh)
			delay = c.s.TopicRefresh
		default:
			r.group(ctx, topics)
			delay = minBackoff
			continue
		}
		if !sleep(ctx, delay) {
			break
		}
		delay = min(delay*2, max(c.s.MaxBackoff, c.s.TopicRefresh))
	}
	return nil
}

// minBackoff is the first wait before retrying.
const minBackoff = 100 * time.Millisecond

// run is the state of one Run.
type run struct {
	*Consumer
	dialer *kafka.Dialer
	client *kafka.Client
	dlq    *kafka.Writer
	// The batcher's (prepare) and the writer's (write) own state.
	teamOf   map[string]string // topic -> team ("" for none); prepare's
	dec      message.Decoder   // prepare's
	dlqReady map[string]bool   // dead-letter topics known to exist; write's
}

// listTopics returns the sorted team topics to consume.
func (r *run) listTopics(ctx context.Context) ([]string, error) {
	md, err := r.client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return nil, err
	}
	var want map[string]bool
	if len(r.s.Teams) > 0 {
		want = make(map[string]bool, len(r.s.Teams))
		for _, t := range r.s.Teams {
			want[r.s.teamTopic(t)] = true
		}
	}
	var topics []string
	for _, t := range md.Topics {
		switch {
		case t.Internal || t.Error != nil:
		case want != nil:
			if want[t.Name] {
				topics = append(topics, t.Name)
			}
		case r.s.pattern.MatchString(t.Name):
			if r.s.topicTeam(t.Name) == "" {
				r.log.Debug("kafka: topic matches the pattern but is not a team topic", "topic", t.Name)
				continue
			}
			topics = append(topics, t.Name)
		}
	}
	slices.Sort(topics)
	return topics, nil
}

// group consumes topics in the consumer group until ctx is done or the
// topics to consume change.
func (r *run) group(ctx context.Context, topics []string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                    r.s.GroupID,
		Brokers:               r.s.Brokers,
		Dialer:                r.dialer,
		Topics:                topics,
		WatchPartitionChanges: true,
		StartOffset:           kafka.FirstOffset,
		Logger:                kafkaLogger(r.log, slog.LevelDebug),
		ErrorLogger:           kafkaLogger(r.log, slog.LevelWarn),
	})
	if err != nil {
		r.log.Error("kafka: consumer group", "err", err)
		sleep(ctx, r.s.MaxBackoff)
		return
	}
	defer cg.Close()
	r.log.Info("kafka: consuming", "group", r.s.GroupID, "topics", topics)
	go r.watchTopics(ctx, cancel, topics)
	for ctx.Err() == nil {
		gen, err := cg.Next(ctx)
		if errors.Is(err, kafka.ErrGroupClosed) {
			return
		}
		if err != nil {
			if ctx.Err() == nil {
				r.log.Warn("kafka: joining the consumer group", "group", r.s.GroupID, "err", err)
			}
			continue
		}
		r.generation(ctx, gen)
	}
}

// watchTopics lists the topics every TopicRefresh and cancels the group
// when the topics to consume changed.
func (r *run) watchTopics(ctx context.Context, cancel context.CancelFunc, topics []string) {
	t := time.NewTicker(r.s.TopicRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now, err := r.listTopics(ctx)
		if err != nil {
			r.log.Warn("kafka: listing topics", "err", err)
			continue
		}
		if !slices.Equal(now, topics) {
			r.log.Info("kafka: team topics changed; joining again", "topics", now)
			cancel()
			return
		}
	}
}

// partitionKey names a partition.
type partitionKey struct {
	topic     string
	partition int
}

// generation consumes the partitions one generation of the group assigned
// to this consumer, until the generation ends or ctx is done.
func (r *run) generation(ctx context.Context, gen *kafka.Generation) {
	ended := make(chan struct{})
	gen.Start(func(gctx context.Context) {
		<-gctx.Done()
		close(ended)
	})
	// Records in memory: the readers' queues (one batch in all, whatever
	// the number of partitions), this small hand-over channel, the batch
	// being filled and the batch being written.
	records := make(chan record, min(r.s.BatchSize, 4096))
	n := 0
	for _, parts := range gen.Assignments {
		n += len(parts)
	}
	queue := max(100, r.s.BatchSize/max(n, 1))
	var assigned []partitionKey
	for topic, parts := range gen.Assignments {
		for _, p := range parts {
			pc := &partitionControl{key: partitionKey{topic, p.ID}}
			assigned = append(assigned, pc.key)
			gen.Start(func(gctx context.Context) {
				r.readPartition(gctx, pc, p.Offset, queue, records)
			})
		}
	}
	r.log.Info("kafka: generation", "group", r.s.GroupID, "generation", gen.ID, "partitions", len(assigned))
	defer func() {
		for _, p := range assigned {
			r.m.lag.DeleteLabelValues(p.topic, strconv.Itoa(p.partition))
			// Whoever reads the partition next starts from its last
			// commit, before the record that paused it.
			r.setPaused(p, nil)
		}
	}()

	// Two stages: this goroutine collects and decodes a batch while the
	// writer writes and commits the one before, in order. Two buffers go
	// round between them.
	free := make(chan *batchWork, 2)
	for range 2 {
		free <- &batchWork{
			records: make([]kafka.Message, 0, r.s.BatchSize),
			meta:    make([]recordMeta, 0, r.s.BatchSize),
			teams:   map[string]*teamBatch{},
		}
	}
	work := make(chan *batchWork)
	writerDone := make(chan struct{})
	// The writer is one of the generation's goroutines: when the group
	// rebalances, kafka-go waits for it before leaving the generation
	// (and closing the connection its commits go through), and nobody
	// is given the partitions before this member has joined again. So a
	// batch being written when the generation ends is written to the end
	// and committed in the generation that read it (the coordinator
	// takes commits of the current generation while the group prepares
	// the rebalance); the next owner starts after it, and no record is
	// applied twice.
	gen.Start(func(context.Context) {
		defer close(writerDone)
		for w := range work {
			select {
			case <-ctx.Done():
			case <-ended:
				// Not started: the batch is read again from the last
				// commit by whoever owns its partitions next.
			default:
				r.write(ctx, gen, ended, w)
			}
			free <- w
		}
	})
	defer func() {
		close(work)
		<-writerDone
	}()

	timer := time.NewTimer(r.s.BatchWait)
	timer.Stop()
	for {
		var w *batchWork
		select {
		case w = <-free:
		case <-ctx.Done():
			return
		case <-ended:
			return
		}
		w.records, w.meta = w.records[:0], w.meta[:0]
		select {
		case <-ctx.Done():
			return
		case <-ended:
			return
		case m := <-records:
			w.add(m)
		}
		timer.Reset(r.s.BatchWait)
	fill:
		for len(w.records) < r.s.BatchSize {
			select {
			case m := <-records:
				w.add(m)
			case <-timer.C:
				break fill
			case <-ctx.Done():
				timer.Stop()
				return
			case <-ended:
				timer.Stop()
				return
			}
		}
		timer.Stop()
		if !r.prepare(ctx, ended, w) {
			return
		}
		select {
		case work <- w:
		case <-ctx.Done():
			return
		case <-ended:
			return
		}
	}
}

// readPartition reads one partition from offset and sends its records to
// out until ctx (the generation's) is done. It must not return before:
// returning would end the generation. While the partition is paused it
// waits, then reads again from the offset the pause names (pause.go).
func (r *run) readPartition(ctx context.Context, pc *partitionControl, offset int64, queue int, out chan<- record) {
	topic, partition := pc.key.topic, pc.key.partition
	rd := kafka.NewReader(kafka.ReaderConfig{
		Brokers:   r.s.Brokers,
		Topic:     topic,
		Partition: partition,
		Dialer:    r.dialer,
		MinBytes:  1,
		MaxBytes:  8 << 20,
		// The broker answers as soon as one record is there; when none
		// comes it waits MaxWait less kafka-go's 1 s allowance for the
		// round trip. A MaxWait under 2 s leaves no such allowance, and
		// idle fetches time out on a loaded machine.
		MaxWait:         3 * time.Second,
		QueueCapacity:   queue,
		ReadLagInterval: -1, // lag comes from the records' high water marks
		Logger:          kafkaLogger(r.log, slog.LevelDebug),
		ErrorLogger:     kafkaLogger(r.log, slog.LevelWarn),
	})
	defer rd.Close()
	if err := rd.SetOffset(offset); err != nil {
		r.log.Error("kafka: cannot read partition", "topic", topic, "partition", partition, "offset", offset, "err", err)
		<-ctx.Done()
		return
	}
	epoch := pc.epoch.Load()
	for {
		if from, until, paused := pc.pausedUntil(); paused {
			if !sleep(ctx, time.Until(until)) {
				return
			}
			if err := rd.SetOffset(from); err != nil {
				r.log.Error("kafka: cannot read partition", "topic", topic, "partition", partition, "offset", from, "err", err)
				<-ctx.Done()
				return
			}
			epoch = pc.resume()
			r.setPaused(pc.key, nil)
			r.log.Info("kafka: partition resumed; reading again", "topic", topic, "partition", partition, "offset", from)
			continue
		}
		fctx, cancel := pc.fetchContext(ctx)
		m, err := rd.FetchMessage(fctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if fctx.Err() != nil {
				continue // paused
			}
			r.log.Warn("kafka: reading partition", "topic", topic, "partition", partition, "err", err)
			if !sleep(ctx, time.Second) {
				return
			}
			continue
		}
		select {
		case out <- record{Message: m, part: pc, epoch: epoch}:
		case <-ctx.Done():
			return
		}
	}
}

// sleep waits for d or until ctx is done; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// kafkaLogger adapts a slog.Logger to kafka-go's Logger at one level.
func kafkaLogger(l *slog.Logger, level slog.Level) kafka.Logger {
	return kafka.LoggerFunc(func(msg string, args ...any) {
		if l.Enabled(context.Background(), level) {
			l.Log(context.Background(), level, "kafka-go: "+fmt.Sprintf(msg, args...))
		}
	})
}
