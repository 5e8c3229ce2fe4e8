package opentsdb

import (
	"context"
	"encoding/json"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/outbound"
)

// PluginName is the value of SourceConfig.Plugin that selects OpenTSDB, the
// original DepC's name for it.
const PluginName = "OpenTSDB"

// Plugin is the OpenTSDB source plugin with the default outbound guard
// (outbound.Default): for tests and tools. The server's list is built with
// NewPlugin and the guard of its configuration.
var Plugin = NewPlugin(nil)

// NewPlugin returns the OpenTSDB source plugin whose sources check their
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
	Name:          PluginName,
	Description:   `Reads OpenTSDB 2.x over its HTTP /api/query API; a check's query is one sub-query (metric, aggregator, downsample, tags or filters), "$name" as a tag's value stands for the node.`,
	Example:       json.RawMessage(`{"url":"http://127.0.0.1:4242"}`),
	SecretKeys:    []string{"basic_auth.password", "headers.*"},
	TargetKeys:    []string{"url"},
	QueryLanguage: "OpenTSDB sub-query (JSON)",
	NodeLabel:     true,
	Checks: []depc.SuggestedCheck{
		{Name: "Load", Query: `{"metric": "proc.loadavg.1min", "aggregator": "max", "downsample": "1m-max", "tags": {"host": "$name"}}`, Type: depc.CheckThreshold, Threshold: "4",
			Description: "OK while the host's one-minute load average (tcollector's proc.loadavg.1min) stays at most 4, by the minute."},
		{Name: "Disk usage", Query: `{"metric": "df.bytes.percentused", "aggregator": "max", "downsample": "5m-max", "tags": {"host": "$name"}}`, Type: depc.CheckThreshold, Threshold: "90",
			Description: "OK while no file system of the host is more than 90 % full (tcollector's df.bytes.percentused), by 5 minutes."},
		{Name: "Probe success", Query: `{"metric": "probe.ok", "aggregator": "min", "downsample": "1m-min", "tags": {"name": "$name"}}`, Type: depc.CheckInterval, Threshold: "1:1",
			Description: "OK while every probe of the node succeeds (a metric at 1 when a probe succeeds, 0 when it fails), by the minute."},
	},
}
