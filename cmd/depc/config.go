package main

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/depc-dev/depc/api"
	"io"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/scheduler"
	"github.com/depc-dev/depc/source/outbound"
	"gopkg.in/yaml.v3"

	"github.com/depc-dev/depc/consumer"
)

// Config is depc's whole configuration. It is read from the defaults, then
// a YAML file (unknown keys are errors), then the environment: every setting
// has a variable named DEPC_ followed by its YAML path in upper case joined
// with underscores (graph.neo4j.uri → DEPC_GRAPH_NEO4J_URI). Lists in the
// environment are comma-separated. The defaults work on one machine.
type Config struct {
	// Addr is where the API and UI listen.
	Addr string `yaml:"addr"`
	// DataDir holds the embedded stores (graph, state) and the embedded
	// broker's data.
	DataDir string `yaml:"data_dir"`
	// AdminToken, when set, is the admin's token: at least
	// MinAdminTokenLen characters. When neither it nor a stored admin
	// token exists, `depc serve` generates one, stores its hash and prints
	// it once; it stays valid across restarts (`depc admin-token` replaces
	// it).
	AdminToken string `yaml:"admin_token"`
	// SecretKey seals the secrets of sources in the state store: one or
	// more base64 keys of 32 bytes separated by commas, the first sealing
	// (DEPC_SECRET_KEY; docs/security.md). Empty: the key file secret.key
	// of DataDir, created at first start.
	SecretKey string `yaml:"secret_key"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`

	Graph     GraphConfig     `yaml:"graph"`
	State     StateConfig     `yaml:"state"`
	Kafka     KafkaConfig     `yaml:"kafka"`
	Scheduler SchedulerConfig `yaml:"scheduler"`
	API       APIConfig       `yaml:"api"`
	Sources   SourcesConfig   `yaml:"sources"`
	Alerts    AlertsConfig    `yaml:"alerts"`
	// Limits are the default per-team limits on ingestion (HTTP and Kafka;
	// docs/isolation.md): labels and nodes of a team's graph, bytes of
	// one message, messages per second (per process). 0 means no limit.
	// The admin overrides them per team: PUT /api/v1/teams/{team}/limits.
	Limits depc.Limits `yaml:"limits"`
}

// SourcesConfig is what the teams' sources may reach (docs/security.md).
type SourcesConfig struct {
	// Allow, when not empty, lists the only destinations sources may
	// connect to: host names ("prometheus.internal", "*.example.com"), IP
	// addresses and CIDRs ("10.0.0.0/8"). Empty: anything but link-local
	// addresses and cloud metadata services, which are refused unless
	// listed here.
	Allow []string `yaml:"allow"`
}

// AlertsConfig is the alerting on objectives (docs/alerts.md): the
// processes that run the scheduler (`serve`, `schedule`) evaluate the
// teams' alerts and deliver them. Receivers reach only what sources.allow
// lets sources reach.
type AlertsConfig struct {
	// Enabled evaluates and delivers alerts.
	Enabled bool `yaml:"enabled"`
	// Interval is how often every team with a receiver is evaluated.
	Interval time.Duration `yaml:"interval"`
	// Poll is how often due deliveries are looked for (a change found by
	// this process's evaluation is sent at once).
	Poll time.Duration `yaml:"poll"`
	// Refresh is how often a firing alert is sent again to the
	// Alertmanagers, which resolve an alert nobody repeats; they hold a
	// firing alert for 4 × Refresh.
	Refresh time.Duration `yaml:"refresh"`
	// Retention is how long finished deliveries and resolved alerts are
	// kept.
	Retention time.Duration `yaml:"retention"`
	// Live measures today for the burn rates (as the budgets of the API
	// do with live=true). Off, burn rates look back from the start of
	// today, which spares a large team a live computation per evaluation.
	Live bool `yaml:"live"`
	// ExternalURL, when set, is the URL of depc's UI that alerts link to
	// (Alertmanager's generatorURL).
	ExternalURL string `yaml:"external_url"`
}

// GraphConfig selects the graph store.
type GraphConfig struct {
	// Backend is "embedded" (in DataDir) or "neo4j".
	Backend string      `yaml:"backend"`
	Neo4j   Neo4jConfig `yaml:"neo4j"`
}

// Neo4jConfig is the Neo4j server of the graph.
type Neo4jConfig struct {
	URI      string `yaml:"uri"`
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	Database string `yaml:"database"`
}

// StateConfig selects the state store (teams, users, catalog, runs,
// results).
type StateConfig struct {
	// Backend is "sqlite" (a file in DataDir, for one machine) or
	// "postgres" (shared by processes on several machines).
	Backend  string         `yaml:"backend"`
	Postgres PostgresConfig `yaml:"postgres"`
}

// PostgresConfig is the PostgreSQL database of the state.
type PostgresConfig struct {
	// URL is a PostgreSQL URL, postgres://user:password@host:5432/database
	// with libpq's options (sslmode=…), search_path=… for the schema of
	// depc's tables and pool_max_conns=… for the size of the pool.
	URL string `yaml:"url"`
}

// KafkaConfig is the ingestion consumer's broker and topics. The consumer
// runs when Brokers is not empty (or Embedded is set).
type KafkaConfig struct {
	Brokers []string `yaml:"brokers"`
	// Teams lists the teams whose topics (<prefix>.<team>) are consumed;
	// TopicPattern (a regular expression) selects topics instead; with
	// neither, every team topic is consumed.
	Teams        []string      `yaml:"teams"`
	TopicPattern string        `yaml:"topic_pattern"`
	Prefix       string        `yaml:"prefix"`
	Group        string        `yaml:"group"`
	BatchSize    int           `yaml:"batch_size"`
	BatchWait    time.Duration `yaml:"batch_wait"`
	SASL         SASLConfig    `yaml:"sasl"`
	TLS          TLSConfig     `yaml:"tls"`
	// DeadLetterMaxBytes bounds a dead letter: the value of a rejected
	// record whose copy would be larger is cut to fit, with headers
	// depc-original-size and depc-sha256. Keep it under the dead-letter
	// topics' max.message.bytes (Kafka's default 1 048 588).
	DeadLetterMaxBytes int `yaml:"dead_letter_max_bytes"`
	// DeadLetterAttempts is how many times dead letters are tried before
	// the partition of those that failed pauses (the others go on); a
	// paused partition tries again every 30 s and resumes by itself.
	DeadLetterAttempts int `yaml:"dead_letter_attempts"`
	// Embedded starts an in-process Kafka-protocol broker on
	// EmbeddedAddr for trying producers against a single-machine depc.
	Embedded     bool   `yaml:"embedded"`
	EmbeddedAddr string `yaml:"embedded_addr"`
}

// SASLConfig is the broker's SASL authentication.
type SASLConfig struct {
	// Mechanism is "", "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512".
	Mechanism string `yaml:"mechanism"`
	Username  string `yaml:"username"`
	Password  string `yaml:"password"`
}

// TLSConfig is the broker's TLS.
type TLSConfig struct {
	Enabled            bool   `yaml:"enabled"`
	CAFile             string `yaml:"ca_file"`
	CertFile           string `yaml:"cert_file"`
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// SchedulerConfig is the nightly computation.
type SchedulerConfig struct {
	// Enabled runs the nightly job and the run queue in `depc serve`.
	Enabled bool `yaml:"enabled"`
	// Nightly is the UTC time of day ("HH:MM") of the nightly run of
	// yesterday for every team. Keep it outside 02:00–03:00 local DST gaps.
	Nightly string `yaml:"nightly"`
	// CatchUpDays is how many missed nights are computed at start.
	CatchUpDays int `yaml:"catch_up_days"`
	// Workers is how many days this process computes at once (never two
	// of one team); every process sharing the state store drains the same
	// queue of days.
	Workers int `yaml:"workers"`
	// ComputeAhead lets a worker compute a team's next day while it
	// writes the day before (backfills, catch-up): faster, at about twice
	// a day's memory. false computes one day at a time.
	ComputeAhead bool `yaml:"compute_ahead"`
	// Lease is how long a claimed day's lease lasts unless its worker
	// renews it: how long the day of a process that died waits before
	// another takes it over (at most 60s by default; 1s at least).
	Lease time.Duration `yaml:"lease"`
}

// APIConfig is the HTTP API.
type APIConfig struct {
	BodyLimit         int64 `yaml:"body_limit"`
	MessagesBodyLimit int64 `yaml:"messages_body_limit"`
	// MetricsToken, when set, is required as a bearer token on /metrics.
	MetricsToken string `yaml:"metrics_token"`
	// Decimals is how QoS values are rounded in responses.
	Decimals int `yaml:"decimals"`
	// ProxyAuth signs in the user a trusted reverse proxy names in a
	// header (the original DepC's X-Remote-User; docs/security.md).
	ProxyAuth ProxyAuthConfig `yaml:"proxy_auth"`
}

// ProxyAuthConfig is proxy-header authentication: off while Header is empty.
type ProxyAuthConfig struct {
	// Header names the user (X-Remote-User).
	Header string `yaml:"header"`
	// Trusted are the IP addresses and CIDRs of the proxies whose header is
	// believed, as the connection's peer (never X-Forwarded-For); the
	// header from any other peer is ignored and logged.
	Trusted []string `yaml:"trusted"`
}

// proxyAuth is the API's form of the setting (checked by Validate).
func (c APIConfig) proxyAuth() api.ProxyAuth {
	pa, _ := api.ParseProxyAuth("api.proxy_auth", c.ProxyAuth.Header, c.ProxyAuth.Trusted)
	return pa
}

// MinAdminTokenLen is the shortest admin token accepted: 32 characters,
// as long as a random 192-bit token in base64.
const MinAdminTokenLen = 32

// policy is the outbound policy of the sources.
func (c SourcesConfig) policy() outbound.Policy { return outbound.Policy{Allow: c.Allow} }

// DefaultConfig is the configuration of a single-machine depc.
func DefaultConfig() Config {
	return Config{
		Addr:     "127.0.0.1:8080",
		DataDir:  "./data",
		LogLevel: "info",
		Graph:    GraphConfig{Backend: "embedded", Neo4j: Neo4jConfig{User: "neo4j", Database: "neo4j"}},
		State:    StateConfig{Backend: "sqlite"},
		Kafka: KafkaConfig{
			Prefix: "depc", Group: "depc", BatchSize: 20000, BatchWait: time.Second,
			DeadLetterMaxBytes: consumer.DefaultDeadLetterMaxBytes, DeadLetterAttempts: consumer.DefaultDeadLetterAttempts,
			EmbeddedAddr: "127.0.0.1:9092",
		},
		Scheduler: SchedulerConfig{Enabled: true, Nightly: "01:15", CatchUpDays: 3, Workers: 1, ComputeAhead: true, Lease: scheduler.DefaultLeaseTTL},
		API:       APIConfig{BodyLimit: 1 << 20, MessagesBodyLimit: 16 << 20, Decimals: 3},
		Alerts: AlertsConfig{Enabled: true, Interval: time.Minute, Poll: 5 * time.Second, Refresh: time.Hour,
			Retention: 30 * 24 * time.Hour, Live: true},
		Limits: depc.Limits{Labels: 200, Nodes: 5_000_000, MessageBytes: depc.MaxMessageBytes, MessagesPerSecond: 20_000},
	}
}

// LoadConfig reads the defaults, then the YAML file at path (if not ""),
// then the environment, and validates the result.
func LoadConfig(path string, environ []string) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		// An empty file decodes as io.EOF: it simply sets nothing.
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config %s: %w", path, err)
		}
	}
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "DEPC_") {
			env[k] = v
		}
	}
	if err := applyEnv(reflect.ValueOf(&cfg).Elem(), "DEPC", env); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// applyEnv sets every field whose variable is in env.
func applyEnv(v reflect.Value, prefix string, env map[string]string) error {
	return walkSettings(v, prefix, func(name string, fv reflect.Value) error {
		s, ok := env[name]
		if !ok {
			return nil
		}
		if err := setFromString(fv, s); err != nil {
			return fmt.Errorf("config: %s=%q: %v", name, s, err)
		}
		return nil
	})
}

// walkSettings calls fn with every setting of v (a struct) and the name of
// its variable: prefix, then the YAML path in upper case joined with
// underscores.
func walkSettings(v reflect.Value, prefix string, fn func(name string, field reflect.Value) error) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := prefix + "_" + strings.ToUpper(f.Tag.Get("yaml"))
		fv := v.Field(i)
		if f.Type.Kind() == reflect.Struct {
			if err := walkSettings(fv, name, fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(name, fv); err != nil {
			return err
		}
	}
	return nil
}

func setFromString(fv reflect.Value, s string) error {
	switch fv.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		fv.SetInt(int64(d))
		return nil
	case []string:
		var list []string
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				list = append(list, part)
			}
		}
		fv.Set(reflect.ValueOf(list))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("want an integer")
		}
		fv.SetInt(n)
	default:
		return fmt.Errorf("unsupported setting type %s", fv.Type())
	}
	return nil
}

// Validate checks the settings that would otherwise fail late.
func (c Config) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if c.Addr == "" {
		bad("addr: must not be empty")
	}
	if err := c.Limits.Validate(); err != nil {
		bad("%s", depc.ErrorMessage(err))
	}
	if c.DataDir == "" {
		bad("data_dir: must not be empty")
	}
	if _, err := api.ParseProxyAuth("api.proxy_auth", c.API.ProxyAuth.Header, c.API.ProxyAuth.Trusted); err != nil {
		bad("%s", depc.ErrorMessage(err))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level: must be debug, info, warn or error, not %q", c.LogLevel)
	}
	switch c.Graph.Backend {
	case "embedded":
	case "neo4j":
		if c.Graph.Neo4j.URI == "" {
			bad("graph.neo4j.uri: required when graph.backend is neo4j")
		}
	default:
		bad("graph.backend: must be embedded or neo4j, not %q", c.Graph.Backend)
	}
	switch c.State.Backend {
	case "sqlite":
	case "postgres":
		if c.State.Postgres.URL == "" {
			bad("state.postgres.url: required when state.backend is postgres (DEPC_STATE_POSTGRES_URL)")
		}
	default:
		bad("state.backend: must be sqlite or postgres, not %q", c.State.Backend)
	}
	switch c.Kafka.SASL.Mechanism {
	case "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		bad("kafka.sasl.mechanism: must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, not %q", c.Kafka.SASL.Mechanism)
	}
	if c.Kafka.BatchSize < 1 {
		bad("kafka.batch_size: must be at least 1")
	}
	if c.Kafka.BatchWait <= 0 {
		bad("kafka.batch_wait: must be positive")
	}
	if c.Kafka.DeadLetterMaxBytes < 4096 {
		bad("kafka.dead_letter_max_bytes: must be at least 4096")
	}
	if c.Kafka.DeadLetterAttempts < 1 {
		bad("kafka.dead_letter_attempts: must be at least 1")
	}
	if len(c.Kafka.Teams) > 0 && c.Kafka.TopicPattern != "" {
		bad("kafka.teams and kafka.topic_pattern: set one, not both")
	}
	if _, err := time.Parse("15:04", c.Scheduler.Nightly); err != nil {
		bad("scheduler.nightly: must be HH:MM (UTC), not %q", c.Scheduler.Nightly)
	}
	if c.Scheduler.CatchUpDays < 0 {
		bad("scheduler.catch_up_days: must be >= 0")
	}
	if c.Scheduler.Workers < 1 || c.Scheduler.Workers > 64 {
		bad("scheduler.workers: must be between 1 and 64")
	}
	if c.Scheduler.Lease < time.Second || c.Scheduler.Lease > time.Hour {
		bad("scheduler.lease: must be between 1s and 1h, not %s", c.Scheduler.Lease)
	}
	if c.API.BodyLimit < 1 || c.API.MessagesBodyLimit < 1 {
		bad("api.body_limit and api.messages_body_limit: must be positive")
	}
	if c.API.Decimals < 0 || c.API.Decimals > 9 {
		bad("api.decimals: must be between 0 and 9")
	}
	if c.AdminToken != "" && len(c.AdminToken) < MinAdminTokenLen {
		bad("admin_token (DEPC_ADMIN_TOKEN): must be at least %d characters, not %d (make one with: openssl rand -base64 32)", MinAdminTokenLen, len(c.AdminToken))
	}
	if strings.TrimSpace(c.AdminToken) != c.AdminToken {
		bad("admin_token (DEPC_ADMIN_TOKEN): must not start or end with spaces")
	}
	if err := checkSecretKey(c.SecretKey); err != nil {
		bad("%s", err)
	}
	if _, err := outbound.New(c.Sources.policy(), nil); err != nil {
		bad("%s", depc.ErrorMessage(err))
	}
	a := c.Alerts
	if a.Interval < time.Second || a.Interval > 24*time.Hour {
		bad("alerts.interval: must be between 1s and 24h, not %s", a.Interval)
	}
	if a.Poll < time.Second || a.Poll > 10*time.Minute {
		bad("alerts.poll: must be between 1s and 10m, not %s", a.Poll)
	}
	if a.Refresh < time.Minute || a.Refresh > 24*time.Hour {
		bad("alerts.refresh: must be between 1m and 24h, not %s", a.Refresh)
	}
	if a.Retention < 24*time.Hour {
		bad("alerts.retention: must be at least 24h, not %s", a.Retention)
	}
	if u, err := url.Parse(a.ExternalURL); a.ExternalURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		bad("alerts.external_url: must be an http or https URL, not %q", a.ExternalURL)
	}
	if len(errs) > 0 {
		return fmt.Errorf("config: %s", strings.Join(errs, "; "))
	}
	return nil
}
