package httpsource_test

import (
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/httpsource"
)

// config is a configuration of the common settings, as a source's Config
// holds them.
type config struct {
	URL       string                `json:"url"`
	Timeout   httpsource.Duration   `json:"timeout,omitempty"`
	Headers   map[string]string     `json:"headers,omitempty"`
	BasicAuth *httpsource.BasicAuth `json:"basic_auth,omitempty"`
	Limit     int                   `json:"limit,omitempty"`
}

func TestDecode(t *testing.T) {
	var c config
	err := httpsource.Decode([]byte(`{"url": "http://a", "timeout": "1m30s", "headers": {"X": "y"},
		"basic_auth": {"username": "u", "password": "p"}, "limit": 3}`), &c)
	if err != nil {
		t.Fatal(err)
	}
	if c.URL != "http://a" || time.Duration(c.Timeout) != 90*time.Second || c.Headers["X"] != "y" ||
		c.BasicAuth.Password != "p" || c.Limit != 3 {
		t.Errorf("Decode = %+v", c)
	}
	b, err := c.Timeout.MarshalJSON()
	if err != nil || string(b) != `"1m30s"` {
		t.Errorf("MarshalJSON = %s, %v", b, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tt := range []struct{ json, want string }{
		{``, "configuration: "},
		{`{`, "configuration: "},
		{`[]`, "configuration: must be a JSON object"},
		{`{} {}`, "configuration: must be a single JSON object"},
		{`{"url": 3}`, "configuration.url: must be a string"},
		{`{"limit": "x"}`, "configuration.limit: must be a int"},
		{`{"nope": 1}`, `configuration: unknown setting "nope"`},
		{`{"timeout": 30}`, `configuration.timeout: must be a duration string such as "30s"`},
		{`{"timeout": "soon"}`, `configuration.timeout: "soon" is not a duration such as "30s"`},
	} {
		var c config
		err := httpsource.Decode([]byte(tt.json), &c)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
			t.Errorf("Decode(%s)\n got %v\nwant EINVALID starting %q", tt.json, err, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want string // "" for no error
	}{
		{"url", first(httpsource.ValidateURL("https://a.example/prefix/")), ""},
		{"no url", first(httpsource.ValidateURL("")), "configuration.url: is required"},
		{"bad url", first(httpsource.ValidateURL("http://a b")), "configuration.url: "},
		{"scheme", first(httpsource.ValidateURL("ftp://a")), "configuration.url: must start with http:// or https://"},
		{"host", first(httpsource.ValidateURL("http://")), "configuration.url: has no host"},
		{"user", first(httpsource.ValidateURL("http://u:p@a")), "configuration.url: must not hold credentials; use basic_auth"},
		{"query", first(httpsource.ValidateURL("http://a?x=1")), "configuration.url: must not have a query or fragment"},
		{"fragment", first(httpsource.ValidateURL("http://a#x")), "configuration.url: must not have a query or fragment"},
		{"timeout", httpsource.ValidateTimeout(httpsource.Duration(time.Minute)), ""},
		{"default timeout", httpsource.ValidateTimeout(0), ""},
		{"short timeout", httpsource.ValidateTimeout(httpsource.Duration(time.Millisecond)), "configuration.timeout: must be between 1s and 1h"},
		{"long timeout", httpsource.ValidateTimeout(httpsource.Duration(2 * time.Hour)), "configuration.timeout: must be between 1s and 1h"},
		{"negative timeout", httpsource.ValidateTimeout(-1), "configuration.timeout: must be between 1s and 1h"},
		{"header name", second(httpsource.ValidateHeaders(map[string]string{"bad name": "x"})), `configuration.headers: "bad name" is not a valid header name`},
		{"header value", second(httpsource.ValidateHeaders(map[string]string{"X": "a\nb"})), "configuration.headers.X: must not contain line breaks"},
		{"secret", httpsource.ValidateSecret("token", "a\rb"), "configuration.token: must not contain line breaks"},
		{"username", (&httpsource.BasicAuth{}).Validate("configuration.basic_auth"), "configuration.basic_auth.username: is required"},
		{"username colon", (&httpsource.BasicAuth{Username: "a:b"}).Validate("configuration.basic_auth"), "configuration.basic_auth.username: must not contain ':'"},
		{"basic auth", (&httpsource.BasicAuth{Username: "a"}).Validate("configuration.basic_auth"), ""},
	} {
		if tt.want == "" {
			if tt.err != nil {
				t.Errorf("%s: %v", tt.name, tt.err)
			}
			continue
		}
		if depc.ErrorCode(tt.err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(tt.err), tt.want) {
			t.Errorf("%s: got %v, want EINVALID starting %q", tt.name, tt.err, tt.want)
		}
	}
	auth, err := httpsource.ValidateHeaders(map[string]string{"X-Scope-OrgID": "t", "authorization": "Bearer x"})
	if err != nil || auth != "authorization" {
		t.Errorf("ValidateHeaders = %q, %v; want the Authorization header's key", auth, err)
	}
}

func first[T any](_ T, err error) error { return err }

func second[T any](_ T, err error) error { return err }

func TestValidHeaderName(t *testing.T) {
	for s, want := range map[string]bool{"X-Scope-OrgID": true, "a!#$%&'*+-.^_`|~9": true, "": false, "a b": false, "a:b": false, "é": false} {
		if got := httpsource.ValidHeaderName(s); got != want {
			t.Errorf("ValidHeaderName(%q) = %v", s, got)
		}
	}
}
