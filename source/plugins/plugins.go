package plugins

import (
	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/fake"
	"github.com/depc-dev/depc/source/influxdb"
	"github.com/depc-dev/depc/source/opentsdb"
	"github.com/depc-dev/depc/source/outbound"
	"github.com/depc-dev/depc/source/prometheus"
	"github.com/depc-dev/depc/source/warp10"
)

// All returns every source plugin, in the order the UI offers them, with
// the default guard of outbound requests (outbound.Default): for tests and
// tools. The server uses Guarded with the guard of its configuration.
func All() depc.SourcePlugins { return Guarded(outbound.Default()) }

// Guarded returns every source plugin, in the order the UI offers them,
// each sending its requests through g and logging there what remote
// servers answer. A plugin that reads over the network takes the guard in
// its constructor, so that none can forget it.
func Guarded(g *outbound.Guard) depc.SourcePlugins {
	return depc.SourcePlugins{
		prometheus.NewPlugin(g),
		influxdb.NewPlugin(g),
		opentsdb.NewPlugin(g),
		warp10.NewPlugin(g),
		fake.Plugin, // generates its data: no outbound requests
	}
}
