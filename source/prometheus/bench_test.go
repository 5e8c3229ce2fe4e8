package prometheus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/prometheus"
)

// BenchmarkFetchDay measures the client side of a nightly run: one check over
// one day for 2000 nodes (4 queries of the default 500 names, 1445 points per
// node) from a server that answers prepared bodies, so what is measured is
// query building, transfer and decoding.
func BenchmarkFetchDay(b *testing.B) {
	const nodes = 2000
	names := make([]string, nodes)
	for i := range names {
		names[i] = fmt.Sprintf("filer%04d", i)
	}
	values := make([][2]any, 0, 1445)
	for t := int64(day - 300); t < day+86400; t += 60 {
		values = append(values, [2]any{t, "10"})
	}
	bodies := make(map[string][]byte) // by first name of the batch
	for i := 0; i < nodes; i += 500 {
		var result []sampleStream
		for _, n := range names[i : i+500] {
			result = append(result, sampleStream{Metric: map[string]string{"__name__": "probe_rtt_ms", "name": n}, Values: values})
		}
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}}); err != nil {
			b.Fatal(err)
		}
		bodies[names[i]] = buf.Bytes()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.FormValue("query")
		// probe_rtt_ms{name=~"filer0000|…"}: the batch's first name.
		first := q[len(`probe_rtt_ms{name=~"`):][:len("filer0000")]
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[first])
	}))
	defer srv.Close()
	s, err := prometheus.Open([]byte(fmt.Sprintf(`{"url": %q}`, srv.URL)))
	if err != nil {
		b.Fatal(err)
	}
	p := depc.CheckParameters{Query: "probe_rtt_ms"}
	b.ReportAllocs()
	for b.Loop() {
		points := 0
		err := s.Fetch(context.Background(), p, depc.Window{Start: day, End: day + 86400}, names, func(r depc.SourceResult) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			for _, sr := range r.Series {
				points += len(sr.Points)
			}
		})
		if err != nil || points != nodes*1445 {
			b.Fatalf("Fetch = %v with %d points", err, points)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*nodes), "ns/node")
}
