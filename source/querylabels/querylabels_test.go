package querylabels_test

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/querylabels"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

var acme = []depc.LabelMatcher{{Label: "team", Value: "acme"}}

func TestEnforce(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`up`, `up{team="acme"}`},
		{`{__name__=~".+"}`, `{__name__=~".+",team="acme"}`},
		{`up{team="acme"}`, `up{team="acme"}`},
		{`up{job="a",team="acme"}`, `up{job="a",team="acme"}`},
		{`rate(http_requests_total[5m])`, `rate(http_requests_total{team="acme"}[5m])`},
		{`max_over_time(up[1h:5m])`, `max_over_time(up{team="acme"}[1h:5m])`},
		{`up / on(name) group_left probe_success`, `up{team="acme"} / on (name) group_left () probe_success{team="acme"}`},
		{`sum by (name) (up offset 5m)`, `sum by (name) (up{team="acme"} offset 5m)`},
		{`vector(1)`, `vector(1)`},
		{`label_replace(up, "team", "other", "", "")`, `label_replace(up{team="acme"}, "team", "other", "", "")`},
	} {
		got, err := querylabels.Enforce(c.in, acme)
		if err != nil {
			t.Errorf("Enforce(%s): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("Enforce(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}

// A team's own matcher on an enforced label is refused (not dropped), so
// that it learns its query cannot select those series.
func TestEnforceRefusesOtherMatchers(t *testing.T) {
	for _, q := range []string{
		`up{team="other"}`,
		`up{team!="acme"}`,
		`up{team=~".+"}`,
		`up{team=~"acme|other"}`,
		`up{team!~"x"}`,
		`rate(up{team=""}[5m])`,
		`up{team="acme"} or up{team="other"}`,
		`{"team"="other", __name__="up"}`,
	} {
		_, err := querylabels.Enforce(q, acme)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), "parameters.query") {
			t.Errorf("Enforce(%s) = %v, want EINVALID naming parameters.query", q, err)
		}
	}
}

func TestEnforceBadInput(t *testing.T) {
	if _, err := querylabels.Enforce("up{", acme); depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("a query that does not parse: %v", err)
	}
	for _, m := range [][]depc.LabelMatcher{
		{{Label: "__name__", Value: "up"}},
		{{Label: "team", Value: ""}},
		{{Label: "1x", Value: "a"}},
		{{Label: "team", Value: "a"}, {Label: "team", Value: "b"}},
	} {
		if _, err := querylabels.Enforce("up", m); depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), "enforce[") {
			t.Errorf("Enforce with %v = %v, want EINVALID naming enforce[i]", m, err)
		}
	}
	if got, err := querylabels.Enforce("anything{", nil); err != nil || got != "anything{" {
		t.Errorf("no matchers: %q, %v; want the query as it was", got, err)
	}
}

// FuzzEnforce holds Enforce to its promise on arbitrary PromQL: what it
// returns parses, and every series selector in it matches the enforced
// value and nothing else on the enforced label; enforcing again changes
// nothing.
func FuzzEnforce(f *testing.F) {
	for _, q := range []string{
		`up`, `{__name__=~".+"}`, `rate(x[5m])`, `sum by (name) (a) / on(name) b`, `max_over_time(up[1h:5m] offset 1m)`,
		`up{team="acme"}`, `up{team!="acme"}`, `absent(nonexistent{job="x"})`, `vector(1) + up @ 100`,
		`count_values("team", up)`, `label_replace(up, "team", "x", "", "")`, `{"team"="x","__name__"="up"}`,
	} {
		f.Add(q, "team", "acme")
	}
	f.Add(`up{tenant="a"}`, "tenant", `we"ird\n`)
	f.Fuzz(func(t *testing.T, q, label, value string) {
		enforced := []depc.LabelMatcher{{Label: label, Value: value}}
		out, err := querylabels.Enforce(q, enforced)
		if err != nil {
			if depc.ErrorCode(err) != depc.EINVALID {
				t.Fatalf("Enforce(%q): %v is not EINVALID", q, err)
			}
			return
		}
		expr, err := parser.NewParser(parser.Options{}).ParseExpr(out)
		if err != nil {
			t.Fatalf("Enforce(%q) = %q, which does not parse: %v", q, out, err)
		}
		parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
			vs, ok := n.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			found := 0
			for _, m := range vs.LabelMatchers {
				if m.Name != label {
					continue
				}
				found++
				if m.Type != labels.MatchEqual || m.Value != value {
					t.Fatalf("Enforce(%q) = %q: selector %s matches %s otherwise than enforced", q, out, vs, label)
				}
			}
			if found != 1 {
				t.Fatalf("Enforce(%q) = %q: selector %s has %d matchers on %s, want 1", q, out, vs, found, label)
			}
			return nil
		})
		again, err := querylabels.Enforce(out, enforced)
		if err != nil || again != out {
			t.Fatalf("enforcing %q twice: %q, %v", out, again, err)
		}
	})
}
