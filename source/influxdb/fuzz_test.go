package influxdb_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/influxdb"
	"github.com/influxdata/influxql"
)

// FuzzNodeQuery: for any query NodeQuery accepts and any name, restricting
// never panics, the result parses as one SELECT, and every comparison with
// the node tag selects exactly the names asked for: the name as a string
// literal, or a regular expression that matches the names and nothing
// near them.
func FuzzNodeQuery(f *testing.F) {
	for _, q := range []string{
		`SELECT "rtt_ms" FROM "probe"`,
		`SELECT rtt_ms FROM probe WHERE "name" = $name GROUP BY probe`,
		`SELECT max(rtt_ms) FROM probe WHERE probe = 'a' OR probe = 'b' GROUP BY time(1m) fill(none)`,
		`SELECT max(m) FROM (SELECT mean(rtt_ms) AS m FROM probe WHERE $name = "name" GROUP BY time(1m), probe) GROUP BY time(1m)`,
		`SELECT percentile(v, 95) FROM /cpu.*/ WHERE region =~ /eu\/1/ GROUP BY *`,
		`SELECT v FROM "my ""m""", m2 WHERE "a b" = 'c''d' LIMIT 10 OFFSET 2 TZ('Europe/Paris')`,
		`SELECT v FROM m WHERE time > now() - 1h`,
		`SELECT v INTO x FROM m`,
		`SELECT $name FROM m`,
	} {
		for _, n := range []string{"filer1", `it's "web(1)"+[a].b|c*$ /x\y, z=1`, `\`, "é\n", "\x00", ""} {
			f.Add(q, n, "")
			f.Add(q, n, `my "tag"`)
		}
	}
	f.Fuzz(func(t *testing.T, query, name, label string) {
		for _, names := range [][]string{{name}, {name, "other"}} {
			out, tag, err := influxdb.NodeQuery(query, label, 1748822400, 1748908800, names...)
			if err != nil {
				if depc.ErrorCode(err) != depc.EINVALID {
					t.Fatalf("NodeQuery(%q, %q) = %v, want EINVALID or success", query, names, err)
				}
				continue
			}
			stmt, err := influxql.ParseStatement(out)
			if err != nil {
				t.Fatalf("NodeQuery(%q, %q) = %q, which does not parse: %v", query, names, out, err)
			}
			if _, ok := stmt.(*influxql.SelectStatement); !ok {
				t.Fatalf("NodeQuery(%q) = %q is not a SELECT", query, out)
			}
			found := 0
			influxql.WalkFunc(stmt, func(n influxql.Node) {
				b, ok := n.(*influxql.BinaryExpr)
				if !ok {
					return
				}
				ref, ok := b.LHS.(*influxql.VarRef)
				if !ok || ref.Val != tag {
					return
				}
				switch rhs := b.RHS.(type) {
				case *influxql.StringLiteral:
					if b.Op == influxql.EQ && len(names) == 1 && rhs.Val == name {
						found++
					}
				case *influxql.RegexLiteral:
					if b.Op != influxql.EQREGEX {
						return
					}
					for _, n := range names {
						if !rhs.Val.MatchString(n) {
							t.Fatalf("%q: %s does not match %q", out, rhs, n)
						}
					}
					for _, other := range []string{name + "x", "x" + name, regexp.QuoteMeta(name) + "x", name + "|other"} {
						if other != name && other != "other" && rhs.Val.MatchString(other) {
							t.Fatalf("%q: %s also matches %q", out, rhs, other)
						}
					}
					found++
				}
			})
			if found == 0 {
				t.Fatalf("NodeQuery(%q, %q) = %q compares no tag %q with the names", query, names, out, tag)
			}
		}
	})
}

// FuzzParseConfig: any bytes give a configuration or an EINVALID error, and
// an accepted configuration builds a source.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		`{"url": "http://127.0.0.1:8086", "database": "telegraf"}`,
		`{"url": "https://influx.example.com/prefix/", "database": "d", "retention_policy": "rp", "timeout": "1m30s", "headers": {"X-Org": "t"}, "basic_auth": {"username": "u", "password": "p"}, "max_query_bytes": 4096, "max_names_per_query": 10, "max_response_bytes": 4096, "concurrency": 2}`,
		`{"url": "http://h", "database": "d", "token": "x"}`,
		`{"url": "http://u:p@h"}`, `{"url": 3}`, `{}`, `[]`, `null`, ``, `{"url": "http://h", "database": "d", "timeout": "1h1s"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := influxdb.ParseConfig(json.RawMessage(b))
		if err != nil {
			if depc.ErrorCode(err) != depc.EINVALID {
				t.Fatalf("ParseConfig(%q) = %v, want EINVALID", b, err)
			}
			return
		}
		s, err := influxdb.New(c)
		if err != nil {
			// The outbound guard is policy, applied when the source is
			// built: it may refuse the URL (a host name no resolver
			// takes, a metadata address), and nothing else.
			if depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), "configuration.url") {
				t.Fatalf("ParseConfig(%q) accepted %+v, but New fails: %v", b, c, err)
			}
			return
		}
		_ = s.Close()
	})
}
