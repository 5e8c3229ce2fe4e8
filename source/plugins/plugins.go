package plugins

import (
	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/fake"
	"github.com/depc-dev/depc/source/prometheus"
)

// All returns every source plugin, in the order the UI offers them.
func All() depc.SourcePlugins {
	return depc.SourcePlugins{
		prometheus.Plugin,
		fake.Plugin,
	}
}
