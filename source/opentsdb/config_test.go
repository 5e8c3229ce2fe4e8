package opentsdb_test

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/opentsdb"
)

func TestParseConfig(t *testing.T) {
	c, err := opentsdb.ParseConfig([]byte(`{"url": "https://tsdb.example.com/prefix", "timeout": "30s",
		"basic_auth": {"username": "u", "password": "p"}, "max_query_bytes": 4096, "max_names_per_query": 10, "max_response_bytes": 1048576, "concurrency": 2}`))
	if err != nil || c.BasicAuth.Password != "p" || c.MaxResponseBytes != 1<<20 || c.MaxQueryBytes != 4096 {
		t.Fatalf("ParseConfig = %+v, %v", c, err)
	}
	tests := []struct{ conf, want string }{
		{`{}`, "configuration.url: is required"},
		{`{"url": "ftp://h"}`, "configuration.url: must start with http:// or https://"},
		{`{"url": "http://"}`, "configuration.url: has no host"},
		{`{"url": "http://u:p@h"}`, "configuration.url: must not hold credentials"},
		{`{"url": "http://h?x=y"}`, "configuration.url: must not have a query"},
		{`{"url": "http://h/api/query"}`, "configuration.url: must be the server's base URL, without /api/query"},
		{`{"url": "http://h", "timeout": "2h"}`, "configuration.timeout: must be between 1s and 1h"},
		{`{"url": "http://h", "timeout": 3}`, "configuration.timeout: "},
		{`{"url": "http://h", "basic_auth": {"username": "u"}, "headers": {"authorization": "x"}}`, "configuration: basic_auth and an Authorization header exclude each other"},
		{`{"url": "http://h", "basic_auth": {"username": ""}}`, "configuration.basic_auth.username: is required"},
		{`{"url": "http://h", "basic_auth": {"username": "a:b"}}`, "configuration.basic_auth.username: must not contain ':'"},
		{`{"url": "http://h", "headers": {"a b": "x"}}`, `configuration.headers: "a b" is not a valid header name`},
		{`{"url": "http://h", "headers": {"X-A": "x\ny"}}`, `configuration.headers.X-A: must not contain line breaks`},
		{`{"url": "http://h", "max_query_bytes": 10}`, "configuration.max_query_bytes: must be between"},
		{`{"url": "http://h", "max_names_per_query": -1}`, "configuration.max_names_per_query: must be between"},
		{`{"url": "http://h", "max_response_bytes": 2147483648}`, "configuration.max_response_bytes: must be between"},
		{`{"url": "http://h", "concurrency": 65}`, "configuration.concurrency: must be between"},
		// The original DepC's form: credentials "user:password".
		{`{"url": "http://h", "credentials": "u:p"}`, `configuration: unknown setting "credentials"`},
		{`{"url": 3}`, "configuration.url: must be a string"},
		{`[]`, "configuration: must be a JSON object"},
		{`{"url": "http://h"} {}`, "configuration: must be a single JSON object"},
	}
	for _, tt := range tests {
		_, err := opentsdb.ParseConfig([]byte(tt.conf))
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
			t.Errorf("ParseConfig(%s) = %v, want EINVALID %q", tt.conf, err, tt.want)
		}
	}
}
