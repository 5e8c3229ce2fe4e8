package consumer

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/depc-dev/depc/message"
)

// Rejection classes, the "reason" label of depc_consumer_rejected_total.
const (
	ReasonMalformed   = "malformed"    // not a UTF-8 JSON object
	ReasonInvalid     = "invalid"      // a field breaks a rule
	ReasonTooLarge    = "too_large"    // over message.MaxSize
	ReasonUnknownTeam = "unknown_team" // the topic's team does not exist
	ReasonLimit       = "limit"        // over the team's labels or nodes limit
)

// reasonUnknownTeam is the depc-error of the records of an unknown team.
const reasonUnknownTeam = "unknown team"

type metrics struct {
	consumed     *prometheus.CounterVec
	rejected     *prometheus.CounterVec
	writeSeconds prometheus.Histogram
	retries      *prometheus.CounterVec
	commitErrors prometheus.Counter
	lag          *prometheus.GaugeVec
	paused       *prometheus.GaugeVec
	// deadLettersCut counts the dead letters whose value was cut to fit.
	deadLettersCut *prometheus.CounterVec
	throttled      *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "depc", Subsystem: "consumer", Name: "records_total",
			Help: "Kafka records consumed (written to the graph or rejected), by team.",
		}, []string{"team"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "depc", Subsystem: "consumer", Name: "rejected_total",
			Help: "Kafka records sent to the dead-letter topic, by team and reason: malformed, invalid, too_large, unknown_team, limit.",
		}, []string{"team", "reason"}),
		writeSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "depc", Subsystem: "consumer", Name: "batch_write_seconds",
			Help:    "Time to write one team's batch of events to the graph store (successful attempts).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
		}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "depc", Subsystem: "consumer", Name: "retries_total",
			Help: "Failed attempts that were retried, by stage: team (looking teams up), graph (writing to the graph store), dlq (producing to a dead-letter topic).",
		}, []string{"stage"}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "depc", Subsystem: "consumer", Name: "commit_errors_total",
			Help: "Failed offset commits; their records will be read again (writes are idempotent).",
		}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "depc", Subsystem: "consumer", Name: "lag",
			Help: "Records of a partition not yet committed by this consumer, as of the last batch read from it.",
		}, []string{"topic", "partition"}),
		paused: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "depc", Subsystem: "consumer", Name: "paused",
			Help: "1 for a partition held back because the dead letters of its records cannot be written; it tries again every max backoff while the other partitions go on.",
		}, []string{"topic", "partition"}),
		deadLettersCut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "depc", Subsystem: "consumer", Name: "dead_letters_cut_total",
			Help: "Dead letters whose value was cut to fit the dead-letter topic's size limit (headers depc-original-size, depc-sha256), by team.",
		}, []string{"team"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "depc", Subsystem: "consumer", Name: "throttled_total",
			Help: "Batches whose records of a team were held back because the team was over its messages per second (they wait in Kafka), by team.",
		}, []string{"team"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.consumed, m.rejected, m.writeSeconds, m.retries, m.commitErrors, m.lag, m.paused, m.deadLettersCut, m.throttled} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// reasonClass is the rejection class of a Decode error.
func reasonClass(err error) string {
	switch {
	case errors.Is(err, message.ErrTooLarge):
		return ReasonTooLarge
	case errors.Is(err, message.ErrMalformed):
		return ReasonMalformed
	}
	return ReasonInvalid
}
