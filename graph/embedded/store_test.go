package embedded_test

import (
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/graph/embedded"
	"github.com/depc-dev/depc/graph/graphtest"
)

// MustOpen opens a store in a new temporary directory, closed at the end
// of the test.
func MustOpen(tb testing.TB) *embedded.Store {
	tb.Helper()
	s, err := embedded.Open(tb.TempDir())
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	graphtest.Run(t, func(t *testing.T) depc.GraphStore { return MustOpen(t) })
}
