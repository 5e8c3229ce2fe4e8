package opentsdb

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
	DefaultMaxNamesPerQuery = 500
	DefaultMaxResponseBytes = 64 << 20
	DefaultConcurrency      = 4

	// DefaultMaxQueryBytes keeps a request body within what a TSD takes
	// by default: without tsd.http.request.enable_chunked, OpenTSDB
	// refuses a body of more than 8 KiB ("Chunked request not
	// supported").
	DefaultMaxQueryBytes = 8 << 10
	MaxMaxQueryBytes     = 1 << 20
	MaxMaxResponseBytes  = 1 << 30
)

// Config is the configuration of an OpenTSDB source, as stored in
// depc.SourceConfig.Configuration:
//
//	{"url": "http://opentsdb:4242", "timeout": "30s",
//	 "basic_auth": {"username": "depc", "password": "…"},
//	 "max_query_bytes": 8192, "max_names_per_query": 500,
//	 "max_response_bytes": 67108864, "concurrency": 4}
//
// url is required. OpenTSDB itself has no authentication; basic_auth is for
// the proxy or service in front of it (the original DepC's credentials
// "user:password"), and headers for any other.
type Config struct {
	// URL is the server's base URL, without /api/query.
	URL string `json:"url"`
	// Timeout bounds each HTTP query (default 1m).
	Timeout Duration `json:"timeout,omitempty"`
	// Headers are added to every request.
	Headers map[string]string `json:"headers,omitempty"`
	// BasicAuth is sent as HTTP basic authentication.
	BasicAuth *BasicAuth `json:"basic_auth,omitempty"`
	// MaxQueryBytes bounds the body of one query (default 8 KiB, what a
	// TSD takes by default), so that fetching many nodes is split into
	// queries the server accepts.
	MaxQueryBytes int `json:"max_query_bytes,omitempty"`
	// MaxNamesPerQuery bounds the nodes fetched by one query (default 500).
	MaxNamesPerQuery int `json:"max_names_per_query,omitempty"`
	// MaxResponseBytes bounds the body of one answer (default 64 MiB): a
	// query that selects far more than expected fails instead of filling
	// memory.
	MaxResponseBytes int64 `json:"max_response_bytes,omitempty"`
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
	u, err := httpsource.ValidateURL(c.URL)
	if err != nil {
		return err
	}
	if strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api/query") {
		return depc.Errorf(depc.EINVALID, "configuration.url: must be the server's base URL, without /api/query")
	}
	if err := httpsource.ValidateTimeout(c.Timeout); err != nil {
		return err
	}
	credentials := 0
	if auth, err := httpsource.ValidateHeaders(c.Headers); err != nil {
		return err
	} else if auth != "" {
		credentials++
	}
	if c.BasicAuth != nil {
		credentials++
		if err := c.BasicAuth.Validate("configuration.basic_auth"); err != nil {
			return err
		}
	}
	if credentials > 1 {
		return depc.Errorf(depc.EINVALID, "configuration: basic_auth and an Authorization header exclude each other: give one")
	}
	if c.MaxQueryBytes != 0 && (c.MaxQueryBytes < 1024 || c.MaxQueryBytes > MaxMaxQueryBytes) {
		return depc.Errorf(depc.EINVALID, "configuration.max_query_bytes: must be between 1024 and %d", MaxMaxQueryBytes)
	}
	if c.MaxNamesPerQuery < 0 || c.MaxNamesPerQuery > 100000 {
		return depc.Errorf(depc.EINVALID, "configuration.max_names_per_query: must be between 1 and 100000")
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
	if c.MaxQueryBytes == 0 {
		c.MaxQueryBytes = DefaultMaxQueryBytes
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
