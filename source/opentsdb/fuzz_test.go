package opentsdb_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/opentsdb"
)

// FuzzNodeQuery: for any query NodeQuery accepts and any name, the body is
// one JSON sub-query over the range whose last filter, and only filter on
// the node tag, selects exactly the names asked for: a literal_or listing
// them, or a regular expression (Java's \x{…}, \A and \z, which Go's
// syntax shares) that matches the names and nothing near them.
func FuzzNodeQuery(f *testing.F) {
	for _, q := range []string{
		`{"metric": "probe.rtt_ms", "aggregator": "none"}`,
		`{"metric": "m", "aggregator": "max", "downsample": "1m-max-nan", "tags": {"host": "$name", "dc": "eu|us"}}`,
		`{"metric": "m", "aggregator": "sum", "filters": [{"type": "literal_or", "tagk": "h", "filter": "$name"}, {"type": "regexp", "tagk": "p", "filter": ".*"}]}`,
		`{"metric": "m", "aggregator": "sum", "rate": true, "rateOptions": {"counter": true}, "explicitTags": true}`,
		`{"metric": "m", "aggregator": "sum", "tags": {"name": "x"}}`,
		`{"metric": "m"}`, `[]`, `{"metric": "m", "aggregator": "none", "start": 1}`,
	} {
		for _, n := range []string{"filer1", `it's "web(1)"+[a].b|c*$ /x\y, z=1`, `\`, "é\n", "\x00", "", "<a>&", "\u2028"} {
			f.Add(q, n, "")
			f.Add(q, n, `my "tag"`)
		}
	}
	f.Fuzz(func(t *testing.T, query, name, label string) {
		for _, names := range [][]string{{name}, {name, "other"}} {
			body, tag, err := opentsdb.NodeQuery(query, label, 1748822100, 1748908800, names...)
			if err != nil {
				if depc.ErrorCode(err) != depc.EINVALID {
					t.Fatalf("NodeQuery(%q, %q) = %v, want EINVALID or success", query, names, err)
				}
				continue
			}
			var req struct {
				Start, End int64
				Queries    []struct {
					Tags    map[string]string
					Filters []struct {
						Type, Tagk, Filter string
						GroupBy            bool
					}
				}
			}
			dec := json.NewDecoder(strings.NewReader(string(body)))
			if err := dec.Decode(&req); err != nil || dec.More() {
				t.Fatalf("NodeQuery(%q, %q) = %s, not one JSON object: %v", query, names, body, err)
			}
			if req.Start != 1748822100 || req.End != 1748908800 || len(req.Queries) != 1 || len(req.Queries[0].Filters) == 0 {
				t.Fatalf("NodeQuery(%q, %q) = %s", query, names, body)
			}
			sub := req.Queries[0]
			if _, ok := sub.Tags[tag]; ok {
				t.Fatalf("%s: a tag on the node tag %q", body, tag)
			}
			node := sub.Filters[len(sub.Filters)-1]
			for _, f := range sub.Filters[:len(sub.Filters)-1] {
				if f.Tagk == tag {
					t.Fatalf("%s: another filter on the node tag %q", body, tag)
				}
			}
			if node.Tagk != tag || !node.GroupBy {
				t.Fatalf("%s: the node filter is %+v, want one on %q grouped by", body, node, tag)
			}
			switch node.Type {
			case "literal_or":
				if !slices.Equal(strings.Split(node.Filter, "|"), names) {
					t.Fatalf("%s: literal_or %q for %q", body, node.Filter, names)
				}
			case "regexp":
				re, err := regexp.Compile(node.Filter)
				if err != nil {
					t.Fatalf("%s: %v", body, err)
				}
				for _, n := range names {
					if !re.MatchString(n) {
						t.Fatalf("%s: %s does not match %q", body, re, n)
					}
				}
				for _, other := range []string{name + "x", "x" + name, regexp.QuoteMeta(name) + "x", name + "|other", name + "\n", strings.ToUpper(name) + "é"} {
					if other != name && other != "other" && re.MatchString(other) {
						t.Fatalf("%s: %s also matches %q", body, re, other)
					}
				}
			default:
				t.Fatalf("%s: node filter of type %q", body, node.Type)
			}
		}
	})
}

// FuzzParseConfig: any bytes give a configuration or an EINVALID error, and
// an accepted configuration builds a source unless the outbound guard
// refuses its URL.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		`{"url": "http://127.0.0.1:4242"}`,
		`{"url": "https://tsdb.example.com/prefix/", "timeout": "1m30s", "headers": {"X-Org": "t"}, "basic_auth": {"username": "u", "password": "p"}, "max_query_bytes": 4096, "max_names_per_query": 10, "max_response_bytes": 4096, "concurrency": 2}`,
		`{"url": "http://u:p@h"}`, `{"url": 3}`, `{}`, `[]`, `null`, ``, `{"url": "http://h", "timeout": "1h1s"}`, `{"url": "http://h/api/query/"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := opentsdb.ParseConfig(json.RawMessage(b))
		if err != nil {
			if depc.ErrorCode(err) != depc.EINVALID {
				t.Fatalf("ParseConfig(%q) = %v, want EINVALID", b, err)
			}
			return
		}
		s, err := opentsdb.New(c)
		if err != nil {
			// The outbound guard may still refuse the URL's host ("0").
			if depc.ErrorCode(err) == depc.EINVALID && strings.HasPrefix(depc.ErrorMessage(err), "configuration.url: ") {
				return
			}
			t.Fatalf("ParseConfig(%q) accepted %+v, but New fails: %v", b, c, err)
		}
		_ = s.Close()
	})
}
