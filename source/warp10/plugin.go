package warp10

import (
	"context"
	"encoding/json"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/outbound"
)

// PluginName is the value of SourceConfig.Plugin that selects Warp 10, the
// original DepC's name for it.
const PluginName = "WarpScript"

// Plugin is the Warp 10 source plugin with the default outbound guard
// (outbound.Default): for tests and tools. The server's list is built with
// NewPlugin and the guard of its configuration.
var Plugin = NewPlugin(nil)

// NewPlugin returns the Warp 10 source plugin whose sources check their URL
// and connections with g, and log what their servers answer there (nil:
// outbound.Default()).
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
	Description:   "Runs WarpScript on Warp 10 over its /api/v0/exec API with a read token; the script reads $start, $end, $token and $name (the node) and leaves a list of GTS on the stack.",
	Example:       json.RawMessage(`{"url":"http://127.0.0.1:8080","token":"READ_TOKEN"}`),
	SecretKeys:    []string{"token", "headers.*"},
	TargetKeys:    []string{"url"},
	QueryLanguage: "WarpScript",
	NodeLabel:     false,
	FreeQuery:     true, // the script names the node: $name
	Checks: []depc.SuggestedCheck{
		{Name: "HTTP status", Query: "[ $token 'http.status' { 'host' $name } $start $end ] FETCH", Type: depc.CheckInterval, Threshold: "200:299",
			Description: "OK while the node's HTTP probe answers a 2xx status (a GTS http.status labelled host)."},
		{Name: "Load", Query: "[ $token 'os.load1' { 'host' $name } $start $end ] FETCH\n[ SWAP bucketizer.max 0 1 m 0 ] BUCKETIZE", Type: depc.CheckThreshold, Threshold: "4",
			Description: "OK while the host's one-minute load stays at most 4, by the minute's maximum."},
	},
}
