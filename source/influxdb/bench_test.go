package influxdb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/influxdb"
)

// BenchmarkFetchDay measures the client side of a nightly run: one check
// over one day for 1 000 nodes (2 queries of the default 500 names, 1 445
// one-minute points per node with the default lookback) from a server that
// answers prepared bodies in InfluxDB's chunked form (one JSON object per
// series), so that what is measured is query building, transfer and
// decoding. It reports CPU time per node (the process', server included)
// as well as wall time.
func BenchmarkFetchDay(b *testing.B) {
	const nodes = 1000
	names := make([]string, nodes)
	for i := range names {
		names[i] = fmt.Sprintf("filer%04d", i)
	}
	rows := make([][2]any, 0, 1445)
	for t := int64(day - 300); t < day+86400; t += 60 {
		rows = append(rows, [2]any{t, 10.5})
	}
	bodies := make(map[string][]byte) // by first name of the batch
	for i := 0; i < nodes; i += influxdb.DefaultMaxNamesPerQuery {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for _, n := range names[i : i+influxdb.DefaultMaxNamesPerQuery] {
			chunk := map[string]any{"results": []any{map[string]any{"statement_id": 0, "series": []any{map[string]any{
				"name": "probe", "tags": map[string]string{"name": n}, "columns": []string{"time", "rtt_ms"}, "values": rows,
			}}}}}
			if err := enc.Encode(chunk); err != nil {
				b.Fatal(err)
			}
		}
		bodies[names[i]] = buf.Bytes()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// … WHERE ("name" =~ /^(?:filer0000|…: the batch's first name.
		q := r.URL.Query().Get("q")
		i := strings.Index(q, "(?:")
		if i < 0 {
			http.Error(w, `{"error":"no batch"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[q[i+3:][:len("filer0000")]])
	}))
	defer srv.Close()
	s, err := influxdb.Open([]byte(fmt.Sprintf(`{"url": %q, "database": "telegraf"}`, srv.URL)))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := depc.CheckParameters{Query: `SELECT "rtt_ms" FROM "probe"`}
	b.ReportAllocs()
	cpu := cpuTime()
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
	if c := cpuTime() - cpu; c > 0 {
		b.ReportMetric(float64(c.Nanoseconds())/float64(b.N*nodes), "cpu-ns/node")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*nodes), "ns/node")
}
