package prometheus_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// FuzzNodeQuery: for any query NodeQuery accepts and any name, restricting
// never panics, the result parses, every selector of the result carries the
// node matcher, and that matcher selects exactly the names asked for.
func FuzzNodeQuery(f *testing.F) {
	for _, q := range []string{
		`probe_rtt_ms`,
		`probe_rtt_ms{job="x", probe=~"a|b"}`,
		`avg by (name) (probe_rtt_ms)`,
		`probe_rtt_ms - on(name) group_left probe_bias_ms`,
		`sum by (name) (rate(req_total{code=~"5.."}[5m])) / sum by (name) (rate(req_total[5m]))`,
		`max_over_time(probe_rtt_ms[10m:1m] offset 1h)`,
		`probe_rtt_ms @ 1748822400`,
		`probe_rtt_ms @ start() offset -5m`,
		`{__name__=~"probe_.*"}`,
		`{"utf8.metric", "utf8.label"="x"}`,
		`probe_rtt_ms or vector(0)`,
		`-probe_rtt_ms * 2 > bool 10`,
		`histogram_quantile(0.9, sum by (le, name) (rate(x_bucket[5m])))`,
		`label_replace(up, "host", "$1", "name", "(.*)")`,
		`count_values by (name) ("v", up)`,
		`quantile by (name) (0.5, up) unless ignoring(job) down`,
		`(up)`,
	} {
		for _, n := range []string{"filer1", "web(1)+[a].b|c*$", `q"\`, "é", "\x00", ""} {
			f.Add(q, n)
		}
	}
	p := parser.NewParser(parser.Options{})
	f.Fuzz(func(t *testing.T, query, name string) {
		for _, names := range [][]string{{name}, {name, "other"}} {
			out, err := prometheus.NodeQuery(query, "", names...)
			if err != nil {
				if depc.ErrorCode(err) != depc.EINVALID {
					t.Fatalf("NodeQuery(%q, %q) = %v, want EINVALID or success", query, names, err)
				}
				continue
			}
			expr, err := p.ParseExpr(out)
			if err != nil {
				t.Fatalf("NodeQuery(%q, %q) = %q, which does not parse: %v", query, names, out, err)
			}
			sels := parser.ExtractSelectors(expr)
			if len(sels) == 0 {
				t.Fatalf("NodeQuery(%q, %q) = %q has no selector", query, names, out)
			}
			for _, ms := range sels {
				var node *labels.Matcher
				for _, m := range ms {
					if m.Name == prometheus.DefaultLabel {
						if node != nil {
							t.Fatalf("%q: two node matchers in a selector", out)
						}
						node = m
					}
				}
				if node == nil {
					t.Fatalf("%q: a selector without the node matcher", out)
				}
				for _, n := range names {
					if !node.Matches(n) {
						t.Fatalf("%q: the node matcher %s does not select %q", out, node, n)
					}
				}
				if len(names) == 1 && node.Type != labels.MatchEqual {
					t.Fatalf("%q: one name gets %s, want an equality matcher", out, node)
				}
				// Nothing but the names: not a prefix, not a variant.
				for _, other := range []string{name + "x", "x" + name, regexp.QuoteMeta(name) + "x"} {
					if other != name && other != "other" && node.Matches(other) {
						t.Fatalf("%q: the node matcher %s also selects %q", out, node, other)
					}
				}
			}
		}
	})
}

// FuzzParseConfig: any bytes give a configuration or an EINVALID error, and
// an accepted configuration builds a source.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		`{"url": "http://127.0.0.1:9090"}`,
		`{"url": "https://prom.example.com/prefix/", "timeout": "1m30s", "headers": {"X-Scope-OrgID": "t"}, "basic_auth": {"username": "u", "password": "p"}, "max_query_bytes": 4096, "max_names_per_query": 10, "concurrency": 2}`,
		`{"url": "http://h", "bearer_token": "x"}`,
		`{"url": "http://u:p@h"}`, `{"url": 3}`, `{}`, `[]`, `null`, ``, `{"url": "http://h", "timeout": "1h1s"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := prometheus.ParseConfig(json.RawMessage(b))
		if err != nil {
			if depc.ErrorCode(err) != depc.EINVALID {
				t.Fatalf("ParseConfig(%q) = %v, want EINVALID", b, err)
			}
			return
		}
		if _, err := prometheus.New(c); err != nil {
			// The outbound guard is policy, applied when the source is
			// built: it may refuse the URL (a host name no resolver
			// takes, a metadata address), and nothing else.
			if depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), "configuration.url") {
				t.Fatalf("ParseConfig(%q) accepted %+v, but New fails: %v", b, c, err)
			}
		}
	})
}
