package prometheus

import (
	"context"
	"encoding/json"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/outbound"
	"github.com/depc-dev/depc/source/querylabels"
)

// Plugin is the Prometheus source plugin with the default outbound guard
// (outbound.Default): for tests and tools. The server's list is built with
// NewPlugin and the guard of its configuration.
var Plugin = NewPlugin(nil)

// NewPlugin returns the Prometheus source plugin whose sources check their
// URL and connections with g, and log what their servers answer there
// (nil: outbound.Default()).
func NewPlugin(g *outbound.Guard) depc.SourcePlugin {
	p := plugin
	p.Open = func(_ context.Context, configuration json.RawMessage) (depc.Source, error) {
		s, err := Open(configuration, WithGuard(g))
		if err != nil {
			// A typed nil pointer must not become a non-nil Source.
			return nil, err
		}
		return s, nil
	}
	return p
}

// plugin is the description of the plugin, without Open.
var plugin = depc.SourcePlugin{
	Name:          depc.PluginPrometheus,
	Description:   "Reads the Prometheus HTTP API, and the compatible APIs of Thanos, Mimir and VictoriaMetrics, with PromQL range queries.",
	Example:       json.RawMessage(`{"url":"http://127.0.0.1:9090"}`),
	SecretKeys:    []string{"bearer_token", "basic_auth.password", "headers.*"},
	TargetKeys:    []string{"url"},
	QueryLanguage: "PromQL",
	NodeLabel:     true,
	// A shared Prometheus keeps each team to its series: the enforced
	// labels join every selector through the PromQL syntax tree.
	Enforce: querylabels.Enforce,
	Checks: []depc.SuggestedCheck{
		{Name: "Up", Query: "up", Type: depc.CheckInterval, Threshold: "1:1",
			Description: "OK while Prometheus scrapes the node's target successfully."},
		{Name: "Probe success", Query: "probe_success", Type: depc.CheckInterval, Threshold: "1:1",
			Description: "OK while the blackbox exporter's probe of the node succeeds."},
		{Name: "Probe duration", Query: "probe_duration_seconds", Type: depc.CheckThreshold, Threshold: "1",
			Description: "OK while the blackbox exporter's probe of the node takes at most 1 s."},
	},
}
