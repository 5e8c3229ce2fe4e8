package warp10

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/httpsource"
)

// Defaults and limits of the source configuration.
const (
	DefaultTimeout          = time.Minute
	DefaultMaxNamesPerQuery = 100
	DefaultMaxResponseBytes = 64 << 20
	DefaultConcurrency      = 4
	MaxMaxResponseBytes     = 1 << 30
	MaxMaxNamesPerQuery     = 10000
)

// Config is the configuration of a Warp 10 source, as stored in
// depc.SourceConfig.Configuration:
//
//	{"url": "https://warp10.example.com", "token": "…", "timeout": "30s",
//	 "max_names_per_query": 100, "max_response_bytes": 67108864,
//	 "concurrency": 4}
//
// url and token (a read token, stored in the script as $token) are
// required; headers are for a proxy in front of the server.
type Config struct {
	// URL is the server's base URL, without /api/v0.
	URL string `json:"url"`
	// Token is the read token the scripts use.
	Token string `json:"token"`
	// Timeout bounds each request (default 1m).
	Timeout Duration `json:"timeout,omitempty"`
	// Headers are added to every request.
	Headers map[string]string `json:"headers,omitempty"`
	// MaxNamesPerQuery bounds the nodes one script runs for (default 100).
	MaxNamesPerQuery int `json:"max_names_per_query,omitempty"`
	// MaxResponseBytes bounds the body of one answer (default 64 MiB).
	MaxResponseBytes int64 `json:"max_response_bytes,omitempty"`
	// Concurrency is how many scripts of one Fetch run at once (default 4).
	Concurrency int `json:"concurrency,omitempty"`
}

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
	u, err := httpsource.ValidateURL(c.URL)
	if err != nil {
		return err
	}
	if p := strings.TrimRight(u.Path, "/"); strings.HasSuffix(p, "/api/v0") || strings.HasSuffix(p, "/api/v0/exec") {
		return depc.Errorf(depc.EINVALID, "configuration.url: must be the server's base URL, without /api/v0")
	}
	if c.Token == "" {
		return depc.Errorf(depc.EINVALID, "configuration.token: is required (a read token)")
	}
	if len(c.Token) > 64<<10 {
		return depc.Errorf(depc.EINVALID, "configuration.token: must be at most 65536 bytes")
	}
	if err := httpsource.ValidateTimeout(c.Timeout); err != nil {
		return err
	}
	if _, err := httpsource.ValidateHeaders(c.Headers); err != nil {
		return err
	}
	if c.MaxNamesPerQuery < 0 || c.MaxNamesPerQuery > MaxMaxNamesPerQuery {
		return depc.Errorf(depc.EINVALID, "configuration.max_names_per_query: must be between 1 and %d", MaxMaxNamesPerQuery)
	}
	if c.MaxResponseBytes != 0 && (c.MaxResponseBytes < 1024 || c.MaxResponseBytes > MaxMaxResponseBytes) {
		return depc.Errorf(depc.EINVALID, "configuration.max_response_bytes: must be between 1024 and %d", MaxMaxResponseBytes)
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
	if c.MaxNamesPerQuery == 0 {
		c.MaxNamesPerQuery = DefaultMaxNamesPerQuery
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	return c
}
