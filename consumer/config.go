package consumer

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/limits"
)

// Defaults of Config.
const (
	DefaultGroupID      = "depc"
	DefaultTopicPrefix  = "depc"
	DefaultBatchSize    = 20000
	DefaultBatchWait    = 250 * time.Millisecond
	DefaultTopicRefresh = 30 * time.Second
	DefaultMaxBackoff   = 30 * time.Second
	DefaultWriteTimeout = time.Minute
	DefaultClientID     = "depc"

	DefaultDeadLetterMaxBytes = 1_000_000
	DefaultDeadLetterAttempts = 5
)

// DLQSuffix is appended to a team topic to name its dead-letter topic.
const DLQSuffix = ".dlq"

// Headers of a dead-letter record, after the original record's own.
const (
	HeaderError     = "depc-error"     // why the record was rejected
	HeaderTopic     = "depc-topic"     // where it was read: topic,
	HeaderPartition = "depc-partition" // partition
	HeaderOffset    = "depc-offset"    // and offset

	// On a dead letter whose value was cut to fit (deadletter.go): the
	// original value's size in bytes and its SHA-256, in hex.
	HeaderOriginalSize = "depc-original-size"
	HeaderSHA256       = "depc-sha256"
)

// Config configures the Kafka consumer (and Replay).
type Config struct {
	// Brokers are the bootstrap brokers, host:port. Required.
	Brokers []string
	// GroupID is the consumer group; every consumer of a deployment joins
	// it, so that each partition is read by one of them.
	GroupID string
	// TopicPrefix: the topic of team T is "<TopicPrefix>.T".
	TopicPrefix string
	// Teams, when set, are the teams whose topics are consumed.
	// TopicPattern, when set, selects the topics to consume instead: the
	// topics of the broker whose name it matches (and which are team
	// topics: "<TopicPrefix>.<team>"). With neither, every team topic is
	// consumed. Either way, topics are listed every TopicRefresh, so a
	// team topic created later is picked up.
	Teams        []string
	TopicPattern string
	TopicRefresh time.Duration
	// BatchSize is the most records written in one batch; BatchWait is how
	// long a batch waits to fill once it holds a record. The consumer holds
	// about three batches of records in memory (40 MB for the default with
	// 200-byte messages). Larger batches suit stores with a high cost per
	// transaction: the embedded store writes about 50% more messages per
	// second with 50 000.
	BatchSize int
	BatchWait time.Duration
	// MaxBackoff caps the wait between two attempts to write a batch that
	// the graph store refused (it starts at 100 ms and doubles).
	MaxBackoff time.Duration
	// WriteTimeout bounds one attempt to write a batch to the graph store
	// or the dead-letter topic, or to look a team up: an attempt that
	// hangs is abandoned and retried.
	WriteTimeout time.Duration
	// DeadLetterMaxBytes bounds a dead letter (key, value and headers):
	// the value of a larger one is cut to fit. Keep it under the
	// dead-letter topics' max.message.bytes (Kafka's default is
	// 1 048 588). 0 means DefaultDeadLetterMaxBytes.
	DeadLetterMaxBytes int
	// DeadLetterAttempts is how many times a batch's dead letters are
	// tried before the partitions of those that failed pause (the others
	// go on); a paused partition tries again every MaxBackoff. 0 means
	// DefaultDeadLetterAttempts.
	DeadLetterAttempts int
	// Limits, when set, enforces the per-team limits: a record over the
	// team's message size or one that would add a label or node beyond
	// its limits is rejected (reason "limit", the depc-error naming it);
	// a team over its messages per second has its records wait in Kafka.
	Limits *limits.Guard
	// ClientID is sent to the brokers.
	ClientID string
	SASL     SASL
	TLS      TLS
}

// SASL is the SASL authentication of the connections to the brokers.
type SASL struct {
	// Mechanism is "" (none), "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512".
	Mechanism string
	Username  string
	Password  string
}

// TLS is the TLS setting of the connections to the brokers.
type TLS struct {
	Enabled bool
	// CAFile holds the PEM certificates that verify the brokers (the
	// system's roots when empty).
	CAFile string
	// CertFile and KeyFile hold a client certificate and its key, in PEM,
	// for brokers that authenticate clients by certificate.
	CertFile, KeyFile string
	// ServerName overrides the name checked against the certificate.
	ServerName string
	// InsecureSkipVerify accepts any certificate: for tests only.
	InsecureSkipVerify bool
}

// settings is a validated Config with what it implies.
type settings struct {
	Config
	pattern   *regexp.Regexp // nil when Teams is set
	mechanism sasl.Mechanism
	tls       *tls.Config
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.GroupID == "" {
		c.GroupID = DefaultGroupID
	}
	if c.TopicPrefix == "" {
		c.TopicPrefix = DefaultTopicPrefix
	}
	if c.TopicRefresh == 0 {
		c.TopicRefresh = DefaultTopicRefresh
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BatchWait == 0 {
		c.BatchWait = DefaultBatchWait
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.DeadLetterMaxBytes == 0 {
		c.DeadLetterMaxBytes = DefaultDeadLetterMaxBytes
	}
	if c.DeadLetterAttempts == 0 {
		c.DeadLetterAttempts = DefaultDeadLetterAttempts
	}
	return c
}

// validate checks c (with defaults) and prepares what it names: SASL
// mechanism, TLS certificates, topic pattern. Errors are EINVALID and name
// the setting.
func (c Config) validate() (*settings, error) {
	c = c.withDefaults()
	s := &settings{Config: c}
	if len(c.Brokers) == 0 {
		return nil, depc.Errorf(depc.EINVALID, "kafka brokers: at least one is required")
	}
	for _, b := range c.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			return nil, depc.Errorf(depc.EINVALID, "kafka brokers: %q is not host:port", b)
		}
	}
	if strings.TrimSpace(c.GroupID) == "" {
		return nil, depc.Errorf(depc.EINVALID, "kafka group id: must not be blank")
	}
	if strings.ContainsAny(c.TopicPrefix, " /\\") || strings.HasSuffix(c.TopicPrefix, ".") {
		return nil, depc.Errorf(depc.EINVALID, "kafka topic prefix: %q is not a topic name prefix", c.TopicPrefix)
	}
	switch {
	case len(c.Teams) > 0 && c.TopicPattern != "":
		return nil, depc.Errorf(depc.EINVALID, "kafka: set teams or topic pattern, not both")
	case len(c.Teams) > 0:
		for _, t := range c.Teams {
			if err := depc.CheckTeam("kafka teams", t); err != nil {
				return nil, err
			}
		}
	case c.TopicPattern != "":
		re, err := regexp.Compile(c.TopicPattern)
		if err != nil {
			return nil, depc.Errorf(depc.EINVALID, "kafka topic pattern: %v", err)
		}
		s.pattern = re
	default:
		s.pattern = regexp.MustCompile(`^` + regexp.QuoteMeta(c.TopicPrefix) + `\.` + depc.TeamRule + `$`)
	}
	switch {
	case c.TopicRefresh < 0:
		return nil, depc.Errorf(depc.EINVALID, "kafka topic refresh: must be positive")
	case c.BatchSize < 0:
		return nil, depc.Errorf(depc.EINVALID, "kafka batch size: must be positive")
	case c.BatchWait < 0:
		return nil, depc.Errorf(depc.EINVALID, "kafka batch wait: must be positive")
	case c.MaxBackoff < 0:
		return nil, depc.Errorf(depc.EINVALID, "kafka max backoff: must be positive")
	case c.WriteTimeout < 0:
		return nil, depc.Errorf(depc.EINVALID, "kafka write timeout: must be positive")
	case c.DeadLetterMaxBytes < 0 || c.DeadLetterMaxBytes > 0 && c.DeadLetterMaxBytes < minDeadLetterMaxBytes:
		return nil, depc.Errorf(depc.EINVALID, "kafka dead letter max bytes: must be at least %d", minDeadLetterMaxBytes)
	case c.DeadLetterAttempts < 0:
		return nil, depc.Errorf(depc.EINVALID, "kafka dead letter attempts: must be positive")
	}

	var err error
	switch strings.ToUpper(c.SASL.Mechanism) {
	case "":
	case "PLAIN":
		s.mechanism = plain.Mechanism{Username: c.SASL.Username, Password: c.SASL.Password}
	case "SCRAM-SHA-256":
		s.mechanism, err = scram.Mechanism(scram.SHA256, c.SASL.Username, c.SASL.Password)
	case "SCRAM-SHA-512":
		s.mechanism, err = scram.Mechanism(scram.SHA512, c.SASL.Username, c.SASL.Password)
	default:
		return nil, depc.Errorf(depc.EINVALID, "kafka sasl mechanism: %q is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.SASL.Mechanism)
	}
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "kafka sasl: %v", err)
	}
	if s.mechanism != nil && c.SASL.Username == "" {
		return nil, depc.Errorf(depc.EINVALID, "kafka sasl username: required with a mechanism")
	}
	if s.tls, err = c.TLS.config(); err != nil {
		return nil, err
	}
	return s, nil
}

// config builds the tls.Config, nil when TLS is off.
func (t TLS) config() (*tls.Config, error) {
	if !t.Enabled {
		if t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" {
			return nil, depc.Errorf(depc.EINVALID, "kafka tls: certificate files are set but TLS is not enabled")
		}
		return nil, nil
	}
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         t.ServerName,
		InsecureSkipVerify: t.InsecureSkipVerify, //nolint:gosec // an explicit setting, for tests
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, depc.WrapError(depc.EINVALID, err, "kafka tls ca file: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, depc.Errorf(depc.EINVALID, "kafka tls ca file: no PEM certificate in %s", t.CAFile)
		}
		c.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, depc.Errorf(depc.EINVALID, "kafka tls: cert file and key file go together")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, depc.WrapError(depc.EINVALID, err, "kafka tls cert file: %v", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// dialer returns a Dialer for the consumer group and partition readers.
func (s *settings) dialer() *kafka.Dialer {
	return &kafka.Dialer{
		ClientID:      s.ClientID,
		Timeout:       10 * time.Second,
		DualStack:     true,
		KeepAlive:     30 * time.Second,
		TLS:           s.tls,
		SASLMechanism: s.mechanism,
	}
}

// transport returns a new Transport. Each Writer and Client gets its own:
// kafka-go's shared default pool keeps broken connections across broker
// restarts.
func (s *settings) transport() *kafka.Transport {
	return &kafka.Transport{
		DialTimeout: 10 * time.Second,
		IdleTimeout: 30 * time.Second,
		MetadataTTL: 10 * time.Second,
		ClientID:    s.ClientID,
		TLS:         s.tls,
		SASL:        s.mechanism,
	}
}

// teamTopic is the topic of a team.
func (s *settings) teamTopic(team string) string { return s.TopicPrefix + "." + team }

// topicTeam is the team of a topic, "" when the topic is not a team topic.
func (s *settings) topicTeam(topic string) string {
	team, ok := strings.CutPrefix(topic, s.TopicPrefix+".")
	if !ok || !depc.ValidTeam(team) {
		return ""
	}
	return team
}

// minDeadLetterMaxBytes leaves room for a bare dead letter: the depc
// headers alone.
const minDeadLetterMaxBytes = 4096
