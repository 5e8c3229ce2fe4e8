package compute_test

import (
	"path/filepath"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/embedded"
)

// openGraph opens the graph store of the whole-run tests: the embedded
// store, in the test's directory.
func openGraph(t testing.TB, dir string) depc.GraphStore {
	t.Helper()
	g, err := embedded.Open(filepath.Join(dir, "graph"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}
