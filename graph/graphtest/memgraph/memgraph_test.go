package memgraph_test

import (
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/graphtest"
	"github.com/depc-dev/depc/graph/graphtest/memgraph"
)

func TestConformance(t *testing.T) {
	graphtest.Run(t, func(t *testing.T) depc.GraphStore { return memgraph.New() })
}
