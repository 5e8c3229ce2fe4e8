package httpsource

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

// BasicAuth holds HTTP basic authentication credentials.
type BasicAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// Validate checks the credentials; field is where they stand
// ("configuration.basic_auth").
func (b *BasicAuth) Validate(field string) error {
	if b.Username == "" {
		return depc.Errorf(depc.EINVALID, "%s.username: is required", field)
	}
	if strings.Contains(b.Username, ":") {
		return depc.Errorf(depc.EINVALID, "%s.username: must not contain ':'", field)
	}
	return nil
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

// Decode decodes a stored configuration into v (a pointer to a source's
// Config): one JSON object, unknown keys refused. Errors are EINVALID
// naming the field (configuration.timeout, …); the only Duration setting
// of a configuration is its timeout.
func Decode(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return configError(err)
	}
	if dec.More() {
		return depc.Errorf(depc.EINVALID, "configuration: must be a single JSON object")
	}
	return nil
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

// ValidateURL checks configuration.url: required, http or https, with a
// host, without credentials (they would show in every message), a query
// or a fragment. It returns the parsed URL.
func ValidateURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, depc.Errorf(depc.EINVALID, "configuration.url: is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, depc.Errorf(depc.EINVALID, "configuration.url: %q is not a URL", raw)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, depc.Errorf(depc.EINVALID, "configuration.url: must start with http:// or https://")
	case u.Host == "":
		return nil, depc.Errorf(depc.EINVALID, "configuration.url: has no host")
	case u.User != nil:
		return nil, depc.Errorf(depc.EINVALID, "configuration.url: must not hold credentials; use basic_auth")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, depc.Errorf(depc.EINVALID, "configuration.url: must not have a query or fragment")
	}
	return u, nil
}

// ValidateTimeout checks configuration.timeout: 0 (the default) or between
// 1s and 1h.
func ValidateTimeout(d Duration) error {
	if d < 0 || time.Duration(d) > time.Hour || (d > 0 && time.Duration(d) < time.Second) {
		return depc.Errorf(depc.EINVALID, "configuration.timeout: must be between 1s and 1h")
	}
	return nil
}

// ValidateHeaders checks configuration.headers: names are HTTP tokens,
// values hold no line break. It returns the key of an Authorization header
// ("" when there is none), for the caller to refuse other credentials with
// it.
func ValidateHeaders(h map[string]string) (authorization string, err error) {
	for k, v := range h {
		if !ValidHeaderName(k) {
			return "", depc.Errorf(depc.EINVALID, "configuration.headers: %q is not a valid header name", k)
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			return "", depc.Errorf(depc.EINVALID, "configuration.headers.%s: must not contain line breaks", k)
		}
		if strings.EqualFold(k, "Authorization") {
			authorization = k
		}
	}
	return authorization, nil
}

// ValidateSecret checks a credential sent in a header (a token): no line
// break. field is its setting's name ("bearer_token").
func ValidateSecret(field, v string) error {
	if strings.ContainsAny(v, "\r\n\x00") {
		return depc.Errorf(depc.EINVALID, "configuration.%s: must not contain line breaks", field)
	}
	return nil
}

// ValidHeaderName reports whether s is an HTTP token (RFC 9110 §5.6.2).
func ValidHeaderName(s string) bool {
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
