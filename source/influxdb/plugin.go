package influxdb

import (
	"context"
	"encoding/json"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/outbound"
)

// PluginName is the value of SourceConfig.Plugin that selects InfluxDB.
const PluginName = "InfluxDB"

// Plugin is the InfluxDB source plugin with the default outbound guard
// (outbound.Default): for tests and tools. The server's list is built with
// NewPlugin and the guard of its configuration.
var Plugin = NewPlugin(nil)

// NewPlugin returns the InfluxDB source plugin whose sources check their
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
	Description:   "Reads InfluxDB 1.x (and the v1-compatible /query API of InfluxDB 2.x) with InfluxQL SELECT queries; $name in the query stands for the node.",
	Example:       json.RawMessage(`{"url":"http://127.0.0.1:8086","database":"telegraf"}`),
	SecretKeys:    []string{"basic_auth.password", "token", "bearer_token", "headers.*"},
	TargetKeys:    []string{"url"},
	QueryLanguage: "InfluxQL",
	NodeLabel:     true,
	Checks: []depc.SuggestedCheck{
		{Name: "Ping loss", Query: `SELECT "percent_packet_loss" FROM "ping" WHERE "url" = $name`, Type: depc.CheckThreshold, Threshold: "1",
			Description: "OK while Telegraf's ping input loses at most 1 % of the packets sent to the node."},
		{Name: "Ping RTT", Query: `SELECT "average_response_ms" FROM "ping" WHERE "url" = $name`, Type: depc.CheckThreshold, Threshold: "100",
			Description: "OK while the average round-trip time of Telegraf's pings to the node is at most 100 ms."},
		{Name: "HTTP response", Query: `SELECT "result_code" FROM "http_response" WHERE "server" = $name`, Type: depc.CheckInterval, Threshold: "0:0",
			Description: "OK while Telegraf's http_response input gets an answer from the node (result_code 0)."},
		{Name: "CPU idle", Query: `SELECT mean("usage_idle") FROM "cpu" WHERE "host" = $name AND "cpu" = 'cpu-total' GROUP BY time(1m)`, Type: depc.CheckInterval, Threshold: "10:100",
			Description: "OK while the host's CPU is at least 10 % idle, by the minute (Telegraf's cpu input)."},
	},
}
