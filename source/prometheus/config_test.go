package prometheus_test

import (
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/prometheus"
)

func TestParseConfig(t *testing.T) {
	c, err := prometheus.ParseConfig([]byte(`{"url": "https://prom.example.com/prefix/", "timeout": "1m30s",
		"headers": {"X-Scope-OrgID": "team1"}, "basic_auth": {"username": "u", "password": "p"},
		"max_query_bytes": 4096, "max_names_per_query": 10, "concurrency": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.URL != "https://prom.example.com/prefix/" || time.Duration(c.Timeout) != 90*time.Second ||
		c.Headers["X-Scope-OrgID"] != "team1" || c.BasicAuth == nil || c.BasicAuth.Password != "p" ||
		c.MaxQueryBytes != 4096 || c.MaxNamesPerQuery != 10 || c.Concurrency != 2 {
		t.Errorf("ParseConfig = %+v", c)
	}
	if _, err := prometheus.ParseConfig([]byte(`{"url": "http://127.0.0.1:9090"}`)); err != nil {
		t.Errorf("minimal configuration: %v", err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		json string
		want string // the message's start
	}{
		{``, "configuration: "},
		{`[]`, "configuration: must be a JSON object"},
		{`{"url": "http://a"} {}`, "configuration: must be a single JSON object"},
		{`{`, "configuration: "},
		{`{}`, "configuration.url: is required"},
		{`{"url": 3}`, "configuration.url: must be a string"},
		{`{"url": "127.0.0.1:9090"}`, "configuration.url: "},
		{`{"url": "ftp://host"}`, "configuration.url: must start with http:// or https://"},
		{`{"url": "http://"}`, "configuration.url: has no host"},
		{`{"url": "http://a b"}`, "configuration.url: "},
		{`{"url": "http://u:p@host"}`, "configuration.url: must not hold credentials"},
		{`{"url": "http://host?x=1"}`, "configuration.url: must not have a query or fragment"},
		{`{"url": "http://host", "nope": 1}`, `configuration: unknown setting "nope"`},
		{`{"url": "http://host", "timeout": 30}`, "configuration.timeout: "},
		{`{"url": "http://host", "timeout": "soon"}`, "configuration.timeout: "},
		{`{"url": "http://host", "timeout": "2h"}`, "configuration.timeout: must be between 1s and 1h"},
		{`{"url": "http://host", "timeout": "-1s"}`, "configuration.timeout: must be between 1s and 1h"},
		{`{"url": "http://host", "headers": {"bad name": "x"}}`, `configuration.headers: "bad name" is not a valid header name`},
		{`{"url": "http://host", "headers": {"X": "a\nb"}}`, "configuration.headers.X: must not contain line breaks"},
		{`{"url": "http://host", "headers": {"authorization": "x"}, "bearer_token": "t"}`, "configuration.headers.authorization: conflicts"},
		{`{"url": "http://host", "bearer_token": "t", "basic_auth": {"username": "u"}}`, "configuration.basic_auth: conflicts with bearer_token"},
		{`{"url": "http://host", "basic_auth": {"password": "p"}}`, "configuration.basic_auth.username: is required"},
		{`{"url": "http://host", "basic_auth": {"username": "a:b"}}`, "configuration.basic_auth.username: must not contain ':'"},
		{`{"url": "http://host", "max_query_bytes": 100}`, "configuration.max_query_bytes: must be between 1024 and 8388608"},
		{`{"url": "http://host", "max_names_per_query": -1}`, "configuration.max_names_per_query: "},
		{`{"url": "http://host", "concurrency": 65}`, "configuration.concurrency: must be between 1 and 64"},
	}
	for _, tt := range tests {
		_, err := prometheus.Open([]byte(tt.json))
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
			t.Errorf("Open(%s)\n got %v\nwant EINVALID starting %q", tt.json, err, tt.want)
		}
	}
}
