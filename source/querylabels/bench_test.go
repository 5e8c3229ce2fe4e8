package querylabels_test

import (
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/querylabels"
)

// BenchmarkEnforce is what a shared source adds to each fetch of a check:
// one parse and one print of its query.
func BenchmarkEnforce(b *testing.B) {
	enforced := []depc.LabelMatcher{{Label: "team", Value: "acme"}, {Label: "env", Value: "prod"}}
	for _, q := range []struct{ name, query string }{
		{"selector", `probe_success`},
		{"ratio", `sum by (name) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (name) (rate(http_requests_total[5m]))`},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := querylabels.Enforce(q.query, enforced); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
