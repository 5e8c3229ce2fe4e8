package prometheus

import (
	"encoding/json"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/httpsource"
)

// Defaults and limits of the source configuration.
const (
	DefaultTimeout          = time.Minute
	DefaultMaxQueryBytes    = 16 << 10
	DefaultMaxNamesPerQuery = 500
	DefaultConcurrency      = 4
)

// Config is the configuration of a Prometheus source, as stored in
// depc.SourceConfig.Configuration:
//
//	{"url": "http://prometheus:9090", "timeout": "30s",
//	 "headers": {"X-Scope-OrgID": "team1"}, "bearer_token": "…",
//	 "max_query_bytes": 16384, "max_names_per_query": 500, "concurrency": 4}
//
// Only url is required. It also works with the Prometheus-compatible query
// APIs of Thanos, Mimir (headers for the tenant) and VictoriaMetrics.
type Config struct {
	// URL is the server's base URL, without /api/v1.
	URL string `json:"url"`
	// Timeout bounds each HTTP query, and is passed to the server as the
	// query's evaluation timeout (default 1m).
	Timeout Duration `json:"timeout,omitempty"`
	// Headers are added to every request.
	Headers map[string]string `json:"headers,omitempty"`
	// BearerToken is sent as "Authorization: Bearer <token>".
	BearerToken string `json:"bearer_token,omitempty"`
	// BasicAuth is sent as HTTP basic authentication.
	BasicAuth *BasicAuth `json:"basic_auth,omitempty"`
	// MaxQueryBytes bounds the length of the PromQL text of one query, so
	// that fetching many nodes is split into queries that servers and
	// proxies accept (default 16 KiB). The nodes' regexp is repeated in
	// every selector of the query.
	MaxQueryBytes int `json:"max_query_bytes,omitempty"`
	// MaxNamesPerQuery bounds the nodes fetched by one query, and so the
	// size of one answer (default 500).
	MaxNamesPerQuery int `json:"max_names_per_query,omitempty"`
	// Concurrency is how many queries of one Fetch run at once (default 4).
	Concurrency int `json:"concurrency,omitempty"`
}

// BasicAuth holds HTTP basic authentication credentials.
type BasicAuth = httpsource.BasicAuth

// Duration is a time.Duration written in JSON as a Go duration string
// ("30s", "1m30s").
type Duration = httpsource.Duration

// ParseConfig decodes and validates a source configuration. Unknown keys are
// errors. Errors are EINVALID naming the field (configuration.url, …).
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if err := httpsource.Decode(raw, &c); err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks the configuration's values. Errors are EINVALID naming the
// field.
func (c *Config) Validate() error {
	if _, err := httpsource.ValidateURL(c.URL); err != nil {
		return err
	}
	if err := httpsource.ValidateTimeout(c.Timeout); err != nil {
		return err
	}
	auth, err := httpsource.ValidateHeaders(c.Headers)
	if err != nil {
		return err
	}
	if auth != "" && (c.BearerToken != "" || c.BasicAuth != nil) {
		return depc.Errorf(depc.EINVALID, "configuration.headers.%s: conflicts with bearer_token or basic_auth", auth)
	}
	if err := httpsource.ValidateSecret("bearer_token", c.BearerToken); err != nil {
		return err
	}
	if c.BasicAuth != nil {
		if c.BearerToken != "" {
			return depc.Errorf(depc.EINVALID, "configuration.basic_auth: conflicts with bearer_token")
		}
		if err := c.BasicAuth.Validate("configuration.basic_auth"); err != nil {
			return err
		}
	}
	if c.MaxQueryBytes != 0 && (c.MaxQueryBytes < 1024 || c.MaxQueryBytes > 8<<20) {
		return depc.Errorf(depc.EINVALID, "configuration.max_query_bytes: must be between 1024 and 8388608")
	}
	if c.MaxNamesPerQuery < 0 || c.MaxNamesPerQuery > 100000 {
		return depc.Errorf(depc.EINVALID, "configuration.max_names_per_query: must be between 1 and 100000")
	}
	if c.Concurrency < 0 || c.Concurrency > 64 {
		return depc.Errorf(depc.EINVALID, "configuration.concurrency: must be between 1 and 64")
	}
	return nil
}

// withDefaults returns the configuration with its zero settings replaced by
// the defaults.
func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = Duration(DefaultTimeout)
	}
	if c.MaxQueryBytes == 0 {
		c.MaxQueryBytes = DefaultMaxQueryBytes
	}
	if c.MaxNamesPerQuery == 0 {
		c.MaxNamesPerQuery = DefaultMaxNamesPerQuery
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	return c
}
