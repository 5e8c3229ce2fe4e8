package fake

import (
	"context"
	"encoding/json"

	"github.com/depc-dev/depc"
)

// Plugin is the Fake source plugin: the description source/plugins lists.
var Plugin = depc.SourcePlugin{
	Name:          depc.PluginFake,
	Description:   "Generates deterministic demo data for the tutorial's metrics; needs no database.",
	Example:       json.RawMessage(`{}`),
	SecretKeys:    []string{},
	TargetKeys:    []string{}, // it connects nowhere
	QueryLanguage: "Fake metric name",
	NodeLabel:     false,
	// The tutorial's checks (spec/fake-source.md).
	Checks: []depc.SuggestedCheck{
		{Name: "Ping", Query: MetricPing, Type: depc.CheckThreshold, Threshold: "20",
			Description: "Ping time in ms: 5 to 20, with rare spikes up to 200."},
		{Name: "OCO", Query: MetricOCO, Type: depc.CheckThreshold, Threshold: "200",
			Description: "A status code: 200 when fine, 300 during outages."},
		{Name: "DB connections", Query: MetricDBConnections, Type: depc.CheckThreshold, Threshold: "100",
			Description: "Open database connections, 10 to 20, with ramps up to 200."},
		{Name: "HTTP status", Query: MetricHTTPStatus, Type: depc.CheckInterval, Threshold: "200:299",
			Description: "An HTTP status: 200, 0 when unreachable, bursts of 500."},
	},
	// Fake's series are generated from the node name alone: they are no
	// team's, so there is nothing to keep apart, and a shared Fake source
	// (demos, tests) accepts enforced labels and leaves queries as they are.
	Enforce: func(query string, _ []depc.LabelMatcher) (string, error) { return query, nil },
	Open: func(_ context.Context, configuration json.RawMessage) (depc.Source, error) {
		s, err := Open(configuration)
		if err != nil {
			return nil, err
		}
		return s, nil
	},
}
