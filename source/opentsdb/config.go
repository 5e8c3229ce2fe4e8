package opentsdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/depc-dev/depc"
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
type BasicAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Duration is a time.Duration written in JSON as a Go duration string
// ("30s", "1m30s").
type Duration time.Duration

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New(`must be a duration string such as "30s"`)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf(`%q is not a duration such as "30s"`, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// ParseConfig decodes and validates a source configuration. Unknown keys are
// errors. Errors are EINVALID naming the field (configuration.url, …).
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, configError(err)
	}
	if dec.More() {
		return Config{}, depc.Errorf(depc.EINVALID, "configuration: must be a single JSON object")
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// configError turns a JSON decoding error into an EINVALID naming the field.
func configError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return depc.Errorf(depc.EINVALID, "configuration.%s: must be a %s", typeErr.Field, typeErr.Type)
	case errors.As(err, &typeErr):
		return depc.Errorf(depc.EINVALID, "configuration: must be a JSON object")
	case errors.As(err, &syntaxErr):
		return depc.Errorf(depc.EINVALID, "configuration: not valid JSON: %s", syntaxErr)
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return depc.Errorf(depc.EINVALID, "configuration: unknown setting %s", field)
	}
	// Errors of Duration.UnmarshalJSON arrive without their field name.
	if strings.Contains(err.Error(), "duration") {
		return depc.Errorf(depc.EINVALID, "configuration.timeout: %s", err)
	}
	return depc.Errorf(depc.EINVALID, "configuration: %s", err)
}

// Validate checks the configuration's values. Errors are EINVALID naming the
// field.
func (c *Config) Validate() error {
	if c.URL == "" {
		return depc.Errorf(depc.EINVALID, "configuration.url: is required")
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return depc.Errorf(depc.EINVALID, "configuration.url: %q is not a URL", c.URL)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return depc.Errorf(depc.EINVALID, "configuration.url: must start with http:// or https://")
	case u.Host == "":
		return depc.Errorf(depc.EINVALID, "configuration.url: has no host")
	case u.User != nil:
		// Credentials in the URL would show in every error message.
		return depc.Errorf(depc.EINVALID, "configuration.url: must not hold credentials; use basic_auth")
	case u.RawQuery != "" || u.Fragment != "":
		return depc.Errorf(depc.EINVALID, "configuration.url: must not have a query or fragment")
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/api/query"):
		return depc.Errorf(depc.EINVALID, "configuration.url: must be the server's base URL, without /api/query")
	}
	if c.Timeout < 0 || time.Duration(c.Timeout) > time.Hour || (c.Timeout > 0 && time.Duration(c.Timeout) < time.Second) {
		return depc.Errorf(depc.EINVALID, "configuration.timeout: must be between 1s and 1h")
	}
	credentials := 0
	for k, v := range c.Headers {
		if !validHeaderName(k) {
			return depc.Errorf(depc.EINVALID, "configuration.headers: %q is not a valid header name", k)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return depc.Errorf(depc.EINVALID, "configuration.headers.%s: must not contain line breaks", k)
		}
		if strings.EqualFold(k, "Authorization") {
			credentials++
		}
	}
	if c.BasicAuth != nil {
		credentials++
		if c.BasicAuth.Username == "" {
			return depc.Errorf(depc.EINVALID, "configuration.basic_auth.username: is required")
		}
		if strings.Contains(c.BasicAuth.Username, ":") {
			return depc.Errorf(depc.EINVALID, "configuration.basic_auth.username: must not contain ':'")
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

// validHeaderName reports whether s is an HTTP token (RFC 9110 §5.6.2).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
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
