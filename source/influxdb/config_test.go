package influxdb_test

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/influxdb"
)

func TestParseConfig(t *testing.T) {
	c, err := influxdb.ParseConfig([]byte(`{"url": "https://influx.example.com/prefix", "database": "telegraf", "retention_policy": "autogen", "timeout": "30s",
		"basic_auth": {"username": "u", "password": "p"}, "max_query_bytes": 4096, "max_names_per_query": 10, "max_response_bytes": 1048576, "concurrency": 2}`))
	if err != nil || c.Database != "telegraf" || c.BasicAuth.Password != "p" || c.MaxResponseBytes != 1<<20 {
		t.Fatalf("ParseConfig = %+v, %v", c, err)
	}
	tests := []struct{ conf, want string }{
		{`{}`, "configuration.url: is required"},
		{`{"url": "http://h"}`, "configuration.database: is required"},
		{`{"url": "ftp://h", "database": "d"}`, "configuration.url: must start with http:// or https://"},
		{`{"url": "http://u:p@h", "database": "d"}`, "configuration.url: must not hold credentials"},
		{`{"url": "http://h?db=x", "database": "d"}`, "configuration.url: must not have a query"},
		{`{"url": "http://h", "database": "d\n"}`, "configuration.database: must be printable"},
		{`{"url": "http://h", "database": "d", "retention_policy": "\u0000"}`, "configuration.retention_policy: must be printable"},
		{`{"url": "http://h", "database": "d", "timeout": "2h"}`, "configuration.timeout: must be between 1s and 1h"},
		{`{"url": "http://h", "database": "d", "timeout": 3}`, "configuration.timeout: "},
		{`{"url": "http://h", "database": "d", "token": "a", "bearer_token": "b"}`, "configuration: basic_auth, token, bearer_token and an Authorization header exclude each other"},
		{`{"url": "http://h", "database": "d", "token": "a", "headers": {"authorization": "x"}}`, "configuration: basic_auth, token"},
		{`{"url": "http://h", "database": "d", "token": "a\nb"}`, "configuration.token: must not contain line breaks"},
		{`{"url": "http://h", "database": "d", "basic_auth": {"username": ""}}`, "configuration.basic_auth.username: is required"},
		{`{"url": "http://h", "database": "d", "basic_auth": {"username": "a:b"}}`, "configuration.basic_auth.username: must not contain ':'"},
		{`{"url": "http://h", "database": "d", "headers": {"a b": "x"}}`, `configuration.headers: "a b" is not a valid header name`},
		{`{"url": "http://h", "database": "d", "max_query_bytes": 10}`, "configuration.max_query_bytes: must be between"},
		{`{"url": "http://h", "database": "d", "max_names_per_query": -1}`, "configuration.max_names_per_query: must be between"},
		{`{"url": "http://h", "database": "d", "max_response_bytes": 2147483648}`, "configuration.max_response_bytes: must be between"},
		{`{"url": "http://h", "database": "d", "concurrency": 65}`, "configuration.concurrency: must be between"},
		{`{"url": "http://h", "database": "d", "db": "x"}`, `configuration: unknown setting "db"`},
		{`{"url": 3}`, "configuration.url: must be a string"},
		{`[]`, "configuration: must be a JSON object"},
		{`{"url": "http://h", "database": "d"} {}`, "configuration: must be a single JSON object"},
	}
	for _, tt := range tests {
		_, err := influxdb.ParseConfig([]byte(tt.conf))
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
			t.Errorf("ParseConfig(%s) = %v, want EINVALID %q", tt.conf, err, tt.want)
		}
	}
}
