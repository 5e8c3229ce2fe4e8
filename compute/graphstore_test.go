package compute_test

import (
	"testing"

	"github.com/depc-dev/depc"
)

// openGraph opens the graph store of the whole-run tests.
func openGraph(t *testing.T, dir string) depc.GraphStore {
	return newMemGraph()
}
