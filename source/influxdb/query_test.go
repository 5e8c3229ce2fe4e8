package influxdb_test

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/influxdb"
)

func TestNodeQuery(t *testing.T) {
	const from, to = 1748822100, 1748908800
	const window = `time >= '2025-06-01T23:55:00Z' AND time < '2025-06-03T00:00:00Z'`
	tests := []struct {
		query, label string
		names        []string
		want, tag    string
	}{
		// No placeholder: depc compares the node tag in every SELECT that
		// reads a measurement, and groups by it.
		{`SELECT "rtt_ms" FROM "probe"`, "", []string{"filer1"},
			`SELECT rtt_ms FROM probe WHERE ("name" = 'filer1') AND ` + window + ` GROUP BY "name"`, "name"},
		{`SELECT rtt_ms FROM probe`, "host", []string{"a", "b"},
			`SELECT rtt_ms FROM probe WHERE (host =~ /^(?:a|b)$/) AND ` + window + ` GROUP BY host`, "host"},
		// Quotes and metacharacters never leave their literal.
		{`SELECT rtt_ms FROM probe`, "", []string{`it's "x"\`},
			`SELECT rtt_ms FROM probe WHERE ("name" = 'it\'s "x"\\') AND ` + window + ` GROUP BY "name"`, "name"},
		{`SELECT rtt_ms FROM probe`, "", []string{"a/b", "é.*$"},
			`SELECT rtt_ms FROM probe WHERE ("name" =~ /^(?:a\x{2f}b|\x{e9}\x{2e}\x{2a}\x{24})$/) AND ` + window + ` GROUP BY "name"`, "name"},
		// A label that needs quoting as an identifier.
		{`SELECT rtt_ms FROM probe`, `my "tag"`, []string{"a"},
			`SELECT rtt_ms FROM probe WHERE ("my \"tag\"" = 'a') AND ` + window + ` GROUP BY "my \"tag\""`, `my "tag"`},
		// The placeholder, on either side; the query's tag is the label.
		{`SELECT rtt_ms FROM probe WHERE "host" = $name AND probe = 'a'`, "", []string{"a", "b"},
			`SELECT rtt_ms FROM probe WHERE (host =~ /^(?:a|b)$/ AND probe = 'a') AND ` + window + ` GROUP BY host`, "host"},
		{`SELECT rtt_ms FROM probe WHERE $name = host OR alias = 'x'`, "host", []string{"a"},
			`SELECT rtt_ms FROM probe WHERE (host = 'a' OR alias = 'x') AND ` + window + ` GROUP BY host`, "host"},
		// Grouping: kept, completed, or already by every tag.
		{`SELECT max(rtt_ms) FROM probe GROUP BY time(1m), probe fill(none)`, "", []string{"a"},
			`SELECT max(rtt_ms) FROM probe WHERE ("name" = 'a') AND ` + window + ` GROUP BY time(1m), probe, "name" fill(none)`, "name"},
		{`SELECT rtt_ms FROM probe GROUP BY *`, "", []string{"a"},
			`SELECT rtt_ms FROM probe WHERE ("name" = 'a') AND ` + window + ` GROUP BY *`, "name"},
		{`SELECT rtt_ms FROM probe GROUP BY "name"`, "", []string{"a"},
			`SELECT rtt_ms FROM probe WHERE ("name" = 'a') AND ` + window + ` GROUP BY "name"`, "name"},
		// Subqueries: the comparison where measurements are read, the
		// grouping and the time range at every level.
		{`SELECT max(m) FROM (SELECT mean(rtt_ms) AS m FROM probe GROUP BY time(1m))`, "", []string{"a"},
			`SELECT max(m) FROM (SELECT mean(rtt_ms) AS m FROM probe WHERE ("name" = 'a') AND ` + window + ` GROUP BY time(1m), "name") WHERE ` + window + ` GROUP BY "name"`, "name"},
	}
	for _, tt := range tests {
		got, tag, err := influxdb.NodeQuery(tt.query, tt.label, from, to, tt.names...)
		if err != nil || got != tt.want || tag != tt.tag {
			t.Errorf("NodeQuery(%q, %q, %q) =\n  %s [%s] %v\nwant\n  %s [%s]", tt.query, tt.label, tt.names, got, tag, err, tt.want, tt.tag)
		}
	}
}

func TestValidateCheckRefuses(t *testing.T) {
	s, err := influxdb.Open([]byte(`{"url": "http://127.0.0.1:1", "database": "d"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		p    depc.CheckParameters
		want string
	}{
		{depc.CheckParameters{}, "parameters.query: is required"},
		{depc.CheckParameters{Query: "SELECT"}, "parameters.query: found EOF, expected identifier"},
		{depc.CheckParameters{Query: "SELECT x FROM y; SELECT z FROM y"}, "parameters.query: must be one SELECT statement, not 2 statements"},
		{depc.CheckParameters{Query: "DROP DATABASE telegraf"}, "parameters.query: must be a SELECT statement"},
		{depc.CheckParameters{Query: "SHOW DATABASES"}, "parameters.query: must be a SELECT statement"},
		{depc.CheckParameters{Query: "SELECT x INTO y FROM z"}, "parameters.query: SELECT … INTO writes data"},
		{depc.CheckParameters{Query: "SELECT x FROM z SLIMIT 1"}, "parameters.query: SLIMIT and SOFFSET"},
		{depc.CheckParameters{Query: "SELECT x FROM (SELECT x FROM z SOFFSET 2)"}, "parameters.query: SLIMIT and SOFFSET"},
		{depc.CheckParameters{Query: "SELECT x FROM z WHERE time > now() - 1h"}, "parameters.query: has a condition on time"},
		{depc.CheckParameters{Query: "SELECT x FROM z WHERE host = $other"}, "parameters.query: missing parameter: other"},
		{depc.CheckParameters{Query: "SELECT $name FROM z"}, "parameters.query: $name can only be compared with ="},
		{depc.CheckParameters{Query: "SELECT x FROM z WHERE host != $name"}, "parameters.query: $name can only be compared with ="},
		{depc.CheckParameters{Query: "SELECT x FROM z WHERE time = $name"}, "parameters.query: has a condition on time"},
		{depc.CheckParameters{Query: "SELECT x FROM z WHERE host = $name OR alias = $name"}, `parameters.query: $name is compared with two tags, "host" and "alias"`},
		{depc.CheckParameters{Query: "SELECT x FROM z WHERE host = $name", Label: "name"}, `parameters.label: is "name", but the query compares $name with "host"`},
		{depc.CheckParameters{Query: "SELECT x FROM z", Label: "time"}, "parameters.label: time is not a tag"},
		{depc.CheckParameters{Query: "SELECT x FROM z", Label: "a\nb"}, "parameters.label: must be printable UTF-8"},
		{depc.CheckParameters{Query: "SELECT x FROM z\xff"}, "parameters.query: is not valid UTF-8"},
		{depc.CheckParameters{Query: "SELECT x FROM z", Lookback: -1}, "parameters.lookback: must be between 0 and"},
		{depc.CheckParameters{Query: "SELECT x FROM z", Step: -1}, "parameters.step: must be between 1 and"},
	}
	for _, tt := range tests {
		err := s.ValidateCheck(tt.p)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
			t.Errorf("ValidateCheck(%+v) = %v, want EINVALID %q", tt.p, err, tt.want)
		}
	}
	for _, q := range []string{
		`SELECT "rtt_ms" FROM "probe"`,
		`SELECT mean(usage_idle) FROM cpu WHERE host = $name AND cpu = 'cpu-total' GROUP BY time(1m) fill(previous)`,
		`SELECT max(m) FROM (SELECT mean(rtt_ms) AS m FROM probe WHERE $name = "name" GROUP BY time(1m), probe) GROUP BY time(1m)`,
		`SELECT derivative(max(bytes), 1s) FROM net WHERE "host" = $name GROUP BY time(5m)`,
		`SELECT percentile(rtt_ms, 95) FROM /probe.*/ WHERE region =~ /eu-.*/ GROUP BY time(10m), *`,
	} {
		if err := s.ValidateCheck(depc.CheckParameters{Query: q}); err != nil {
			t.Errorf("ValidateCheck(%q) = %v", q, err)
		}
	}
}
