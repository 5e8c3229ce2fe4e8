package influxdb

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
	DefaultMaxResponseBytes = 64 << 20
	DefaultConcurrency      = 4

	// MaxMaxQueryBytes keeps a query within what servers and proxies take
	// in a URL: queries are sent with GET (see Source).
	MaxMaxQueryBytes    = 256 << 10
	MaxMaxResponseBytes = 1 << 30
)

// Config is the configuration of an InfluxDB source, as stored in
// depc.SourceConfig.Configuration:
//
//	{"url": "http://influxdb:8086", "database": "telegraf",
//	 "retention_policy": "autogen", "timeout": "30s",
//	 "basic_auth": {"username": "depc", "password": "…"},
//	 "max_query_bytes": 16384, "max_names_per_query": 500,
//	 "max_response_bytes": 67108864, "concurrency": 4}
//
// url and database are required. Credentials are basic_auth (InfluxDB 1.x
// users), token (sent as "Authorization: Token …", the InfluxDB 2.x and
// Cloud v1-compatibility API) or bearer_token (a JWT of InfluxDB 1.x's
// shared secret), at most one of them.
type Config struct {
	// URL is the server's base URL, without /query.
	URL string `json:"url"`
	// Database is the database queried (the db parameter).
	Database string `json:"database"`
	// RetentionPolicy is the retention policy of unqualified measurements
	// (the rp parameter; default: the database's default policy).
	RetentionPolicy string `json:"retention_policy,omitempty"`
	// Timeout bounds each HTTP query (default 1m).
	Timeout Duration `json:"timeout,omitempty"`
	// Headers are added to every request.
	Headers map[string]string `json:"headers,omitempty"`
	// BasicAuth is sent as HTTP basic authentication.
	BasicAuth *BasicAuth `json:"basic_auth,omitempty"`
	// Token is sent as "Authorization: Token <token>".
	Token string `json:"token,omitempty"`
	// BearerToken is sent as "Authorization: Bearer <token>".
	BearerToken string `json:"bearer_token,omitempty"`
	// MaxQueryBytes bounds the length of one query's InfluxQL text (default
	// 16 KiB), so that fetching many nodes is split into queries that
	// servers and proxies accept.
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
	if _, err := httpsource.ValidateURL(c.URL); err != nil {
		return err
	}
	if c.Database == "" {
		return depc.Errorf(depc.EINVALID, "configuration.database: is required")
	}
	if !printable(c.Database) {
		return depc.Errorf(depc.EINVALID, "configuration.database: must be printable UTF-8")
	}
	if !printable(c.RetentionPolicy) {
		return depc.Errorf(depc.EINVALID, "configuration.retention_policy: must be printable UTF-8")
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
	for field, v := range map[string]string{"token": c.Token, "bearer_token": c.BearerToken} {
		if v == "" {
			continue
		}
		credentials++
		if err := httpsource.ValidateSecret(field, v); err != nil {
			return err
		}
	}
	if credentials > 1 {
		return depc.Errorf(depc.EINVALID, "configuration: basic_auth, token, bearer_token and an Authorization header exclude each other: give one")
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

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	for _, r := range s {
		if r == 0xFFFD || r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
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
