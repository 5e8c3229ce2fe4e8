package prometheus_test

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/prometheus"
)

func TestNodeQuery(t *testing.T) {
	tests := []struct {
		query, label string
		names        []string
		want         string
	}{
		{`probe_rtt_ms`, "", []string{"filer1"}, `probe_rtt_ms{name="filer1"}`},
		{`probe_rtt_ms`, "instance", []string{"filer1"}, `probe_rtt_ms{instance="filer1"}`},
		{`probe_rtt_ms`, "", []string{"filer1", "filer2"}, `probe_rtt_ms{name=~"filer1|filer2"}`},
		// Regexp metacharacters match literally; PromQL quoting escapes the
		// backslashes and quotes.
		{`probe_rtt_ms`, "", []string{"a.b", "web(1)+[a].b|c*$", `q"\`}, `probe_rtt_ms{name=~"a\\.b|web\\(1\\)\\+\\[a\\]\\.b\\|c\\*\\$|q\"\\\\"}`},
		// An equality matcher needs no regexp quoting.
		{`probe_rtt_ms`, "", []string{"a.b*"}, `probe_rtt_ms{name="a.b*"}`},
		{`probe_rtt_ms{job="x", probe=~"a|b"}`, "", []string{"f"}, `probe_rtt_ms{job="x",name="f",probe=~"a|b"}`},
		{`{__name__=~"probe_.*"}`, "", []string{"f"}, `{__name__=~"probe_.*",name="f"}`},
		{`avg by (name) (probe_rtt_ms)`, "", []string{"f", "g"}, `avg by (name) (probe_rtt_ms{name=~"f|g"})`},
		{`max without (probe) (probe_rtt_ms)`, "", []string{"f"}, `max without (probe) (probe_rtt_ms{name="f"})`},
		// Every selector of a binary operation.
		{`probe_rtt_ms - on(name) group_left probe_bias_ms`, "", []string{"f"}, `probe_rtt_ms{name="f"} - on (name) group_left () probe_bias_ms{name="f"}`},
		{`sum by (name) (rate(req_total{code=~"5.."}[5m])) / sum by (name) (rate(req_total[5m]))`, "", []string{"f", "g"},
			`sum by (name) (rate(req_total{code=~"5..",name=~"f|g"}[5m])) / sum by (name) (rate(req_total{name=~"f|g"}[5m]))`},
		{`up and probe_rtt_ms > 10`, "", []string{"f"}, `up{name="f"} and probe_rtt_ms{name="f"} > 10`},
		// Subqueries, offsets, @ and unary operators keep their place.
		{`max_over_time(probe_rtt_ms[10m:1m] offset 1h)`, "", []string{"f"}, `max_over_time(probe_rtt_ms{name="f"}[10m:1m] offset 1h)`},
		{`probe_rtt_ms @ 1748822400`, "", []string{"f"}, `probe_rtt_ms{name="f"} @ 1748822400.000`},
		{`-probe_rtt_ms * 2 > bool 10`, "", []string{"f"}, `-probe_rtt_ms{name="f"} * 2 > bool 10`},
		{`histogram_quantile(0.9, sum by (le, name) (rate(x_bucket[5m])))`, "", []string{"f"}, `histogram_quantile(0.9, sum by (le, name) (rate(x_bucket{name="f"}[5m])))`},
		{`probe_rtt_ms or vector(0)`, "", []string{"f"}, `probe_rtt_ms{name="f"} or vector(0)`},
		{`label_replace(probe_rtt_ms, "host", "$1", "name", "(.*)")`, "", []string{"f"}, `label_replace(probe_rtt_ms{name="f"}, "host", "$1", "name", "(.*)")`},
		{`count_values by (name) ("value", probe_rtt_ms)`, "", []string{"f"}, `count_values by (name) ("value", probe_rtt_ms{name="f"})`},
		{`topk by (name) (1, probe_rtt_ms)`, "", []string{"f"}, `topk by (name) (1, probe_rtt_ms{name="f"})`},
	}
	for _, tt := range tests {
		got, err := prometheus.NodeQuery(tt.query, tt.label, tt.names...)
		if err != nil || got != tt.want {
			t.Errorf("NodeQuery(%q, %q, %q)\n got %s, %v\nwant %s", tt.query, tt.label, tt.names, got, err, tt.want)
		}
	}
}

func TestNodeQueryBadName(t *testing.T) {
	for _, names := range [][]string{nil, {""}, {"a", ""}, {"\xff"}} {
		_, err := prometheus.NodeQuery("up", "", names...)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "name: ") {
			t.Errorf("NodeQuery(up, %q) = %v, want EINVALID naming name", names, err)
		}
	}
}

// newSource returns a source for a server that is never contacted.
func newSource(t *testing.T) *prometheus.Source {
	t.Helper()
	s, err := prometheus.Open([]byte(`{"url": "http://127.0.0.1:1"}`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestValidateCheck(t *testing.T) {
	valid := []depc.CheckParameters{
		{Query: "probe_rtt_ms", Threshold: "20"},
		{Query: "avg by (name) (probe_rtt_ms)"},
		{Query: "avg without (probe) (probe_rtt_ms)"},
		{Query: "probe_rtt_ms + ignoring(probe) group_left probe_bias_ms"},
		{Query: "sum by (host) (up)", Label: "host"},
		{Query: "up", Label: "_x1"},
		{Query: "probe_rtt_ms > scalar(vector(1))"},
		{Query: "up", Step: 1, Lookback: 7 * 86400},
		{Query: "up", Step: 86400},
	}
	s := newSource(t)
	for _, p := range valid {
		if err := s.ValidateCheck(p); err != nil {
			t.Errorf("ValidateCheck(%+v) = %v", p, err)
		}
	}
	invalid := []struct {
		p    depc.CheckParameters
		want string // the message's start
	}{
		{depc.CheckParameters{Query: ""}, "parameters.query: is empty"},
		{depc.CheckParameters{Query: "   "}, "parameters.query: is empty"},
		{depc.CheckParameters{Query: "sum(up"}, "parameters.query: 1:7: parse error: unclosed left parenthesis"},
		{depc.CheckParameters{Query: "up{"}, "parameters.query: 1:4: parse error: unexpected end of input inside braces"},
		{depc.CheckParameters{Query: "rate(up)"}, "parameters.query: 1:6: parse error: expected type range vector in call to function \"rate\", got instant vector"},
		{depc.CheckParameters{Query: "1 + 2"}, "parameters.query: must be an instant vector expression, not a scalar"},
		{depc.CheckParameters{Query: `"x"`}, "parameters.query: must be an instant vector expression, not a string"},
		{depc.CheckParameters{Query: "up[5m]"}, "parameters.query: must be an instant vector expression, not a range vector"},
		{depc.CheckParameters{Query: "vector(1)"}, "parameters.query: selects no series"},
		{depc.CheckParameters{Query: `up{name="x"}`}, `parameters.query: must not match on the node label "name" (name="x")`},
		{depc.CheckParameters{Query: `up{host!=""}`, Label: "host"}, `parameters.query: must not match on the node label "host"`},
		{depc.CheckParameters{Query: "avg(probe_rtt_ms)"}, `parameters.query: avg must keep the node label "name", which depc splits results by: write avg by (name) (…)`},
		{depc.CheckParameters{Query: "sum by (job) (up)"}, `parameters.query: sum must keep the node label "name", which depc splits results by: write sum by (job, name) (…)`},
		{depc.CheckParameters{Query: "topk(1, up)"}, `parameters.query: topk must keep the node label "name"`},
		{depc.CheckParameters{Query: "max without (name) (up)"}, `parameters.query: max without (…) must not remove the node label "name"`},
		{depc.CheckParameters{Query: `count_values by (name) ("name", up)`}, `parameters.query: count_values must not write its values into the node label "name"`},
		{depc.CheckParameters{Query: "up * on() group_left max by (name) (up)"}, `parameters.query: on(…) of * must include the node label "name"`},
		{depc.CheckParameters{Query: "up / on(job) up"}, `parameters.query: on(…) of / must include the node label "name"`},
		{depc.CheckParameters{Query: "up and ignoring(name) up"}, `parameters.query: ignoring(…) of and must not ignore the node label "name"`},
		{depc.CheckParameters{Query: `label_replace(up, "name", "x", "", "")`}, `parameters.query: label_replace must not rewrite the node label "name"`},
		{depc.CheckParameters{Query: `label_join(up, "name", ",", "job")`}, `parameters.query: label_join must not rewrite the node label "name"`},
		{depc.CheckParameters{Query: "absent(up)"}, `parameters.query: absent returns series without the node label "name"`},
		{depc.CheckParameters{Query: "absent_over_time(up[5m])"}, `parameters.query: absent_over_time returns series`},
		{depc.CheckParameters{Query: "up > scalar(max by (name) (up))"}, "parameters.query: scalar() of series mixes the nodes"},
		// Experimental PromQL is off, as on a server without feature flags.
		{depc.CheckParameters{Query: "sort_by_label(up, \"name\")"}, "parameters.query: 1:1: parse error: function \"sort_by_label\" is not enabled"},
		{depc.CheckParameters{Query: "up", Label: "1x"}, `parameters.label: "1x" is not a usable label name`},
		{depc.CheckParameters{Query: "up", Label: "__name__"}, `parameters.label: "__name__" is not a usable label name`},
		{depc.CheckParameters{Query: "up", Label: "host.name"}, `parameters.label: "host.name"`},
		{depc.CheckParameters{Query: "up", Step: -1}, "parameters.step: must be between 1 and 86400 seconds"},
		{depc.CheckParameters{Query: "up", Step: 86401}, "parameters.step: "},
		{depc.CheckParameters{Query: "up", Lookback: -1}, "parameters.lookback: must be between 0 and 604800 seconds"},
		{depc.CheckParameters{Query: "up", Lookback: 7*86400 + 1}, "parameters.lookback: "},
	}
	for _, tt := range invalid {
		err := s.ValidateCheck(tt.p)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
			t.Errorf("ValidateCheck(%+v)\n got %v\nwant EINVALID starting %q", tt.p, err, tt.want)
		}
	}
}
