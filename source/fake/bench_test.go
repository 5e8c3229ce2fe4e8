package fake_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/fake"
)

// BenchmarkFetchDay measures one check over one day for 1000 nodes, the unit
// of the nightly benchmark (20 000 leaves × 2 checks = 40 such calls).
func BenchmarkFetchDay(b *testing.B) {
	names := make([]string, 1000)
	for i := range names {
		names[i] = fmt.Sprintf("filer%d", i)
	}
	for _, m := range fake.Metrics {
		b.Run(m, func(b *testing.B) {
			s := fake.New()
			p := depc.CheckParameters{Query: m}
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				err := s.Fetch(context.Background(), p, day, names, func(r depc.SourceResult) { n += len(r.Series[0].Points) })
				if err != nil || n != 1440*len(names) {
					b.Fatalf("Fetch = %v, %d points", err, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(names)), "ns/node")
		})
	}
}
