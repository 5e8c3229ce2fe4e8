package warp10_test

import (
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/warp10"
)

func TestParseConfig(t *testing.T) {
	c, err := warp10.ParseConfig([]byte(`{"url": "https://warp.example.com/", "token": "t", "timeout": "30s",
		"headers": {"X-Proxy": "p"}, "max_names_per_query": 10, "max_response_bytes": 2048, "concurrency": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.URL != "https://warp.example.com/" || c.Token != "t" || time.Duration(c.Timeout) != 30*time.Second ||
		c.Headers["X-Proxy"] != "p" || c.MaxNamesPerQuery != 10 || c.MaxResponseBytes != 2048 || c.Concurrency != 2 {
		t.Errorf("ParseConfig = %+v", c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tt := range []struct{ json, want string }{
		{`[]`, "configuration: must be a JSON object"},
		{`{"token": "t"}`, "configuration.url: is required"},
		{`{"url": "ftp://h", "token": "t"}`, "configuration.url: must start with http:// or https://"},
		{`{"url": "http://h/api/v0", "token": "t"}`, "configuration.url: must be the server's base URL, without /api/v0"},
		{`{"url": "http://h/api/v0/exec", "token": "t"}`, "configuration.url: must be the server's base URL, without /api/v0"},
		{`{"url": "http://h"}`, "configuration.token: is required"},
		{`{"url": "http://h", "token": "t", "rotoken": "x"}`, `configuration: unknown setting "rotoken"`},
		{`{"url": "http://h", "token": "t", "timeout": "1h1m"}`, "configuration.timeout: must be between 1s and 1h"},
		{`{"url": "http://h", "token": "t", "headers": {"a b": "x"}}`, `configuration.headers: "a b" is not a valid header name`},
		{`{"url": "http://h", "token": "t", "max_names_per_query": 10001}`, "configuration.max_names_per_query: must be between 1 and 10000"},
		{`{"url": "http://h", "token": "t", "max_response_bytes": 10}`, "configuration.max_response_bytes: must be between 1024 and"},
		{`{"url": "http://h", "token": "t", "concurrency": 65}`, "configuration.concurrency: must be between 1 and 64"},
		{`{"url": "http://169.254.169.254", "token": "t"}`, "configuration.url: "},
	} {
		_, err := warp10.Open([]byte(tt.json))
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
			t.Errorf("Open(%s)\n got %v\nwant EINVALID starting %q", tt.json, err, tt.want)
		}
	}
}

// FuzzParseConfig: any configuration opens or is EINVALID, never a panic.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{`{"url": "http://h", "token": "t"}`, `{}`, `{"url": "http://h/api/v0", "token": ""}`, `[`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := warp10.Open(b)
		if err != nil {
			if depc.ErrorCode(err) != depc.EINVALID {
				t.Fatalf("%v: not EINVALID", err)
			}
			return
		}
		s.Close()
	})
}
