package prometheus_test

import (
	"fmt"

	"github.com/depc-dev/depc/source/prometheus"
)

func ExampleNodeQuery() {
	q := `sum by (name) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (name) (rate(http_requests_total[5m]))`
	one, _ := prometheus.NodeQuery(q, "", "web1")
	fmt.Println(one)
	many, _ := prometheus.NodeQuery("probe_rtt_ms", "", "web1", "db.2")
	fmt.Println(many)
	_, err := prometheus.NodeQuery("avg(probe_rtt_ms)", "", "web1")
	fmt.Println(err)
	// Output:
	// sum by (name) (rate(http_requests_total{code=~"5..",name="web1"}[5m])) / sum by (name) (rate(http_requests_total{name="web1"}[5m]))
	// probe_rtt_ms{name=~"web1|db\\.2"}
	// invalid: parameters.query: avg must keep the node label "name", which depc splits results by: write avg by (name) (…)
}
