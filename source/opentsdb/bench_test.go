package opentsdb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/opentsdb"
)

// BenchmarkFetchDay measures the client side of a nightly run: one check
// over one day for 1 000 nodes (2 queries of the default 500 names, 1 445
// one-minute points per node with the default lookback) from a server that
// answers prepared bodies in OpenTSDB's form (an array of series, dps an
// object of "<seconds>": value), so that what is measured is query building,
// transfer and decoding. It reports CPU time per node (the process', server
// included) as well as wall time.
func BenchmarkFetchDay(b *testing.B) {
	const nodes = 1000
	names := make([]string, nodes)
	for i := range names {
		names[i] = fmt.Sprintf("filer%04d", i)
	}
	var dps bytes.Buffer
	dps.WriteByte('{')
	for t := int64(day - 300); t < day+86400; t += 60 {
		if dps.Len() > 1 {
			dps.WriteByte(',')
		}
		fmt.Fprintf(&dps, `"%d":10.5`, t)
	}
	dps.WriteByte('}')
	bodies := make(map[string][]byte) // by first name of the batch
	for i := 0; i < nodes; i += opentsdb.DefaultMaxNamesPerQuery {
		var buf bytes.Buffer
		buf.WriteByte('[')
		for j, n := range names[i : i+opentsdb.DefaultMaxNamesPerQuery] {
			if j > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"metric":"probe.rtt_ms","tags":{"name":%q},"aggregateTags":[],"dps":%s}`, n, dps.Bytes())
		}
		buf.WriteByte(']')
		bodies[names[i]] = buf.Bytes()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Queries []struct{ Filters []struct{ Filter string } }
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &q); err != nil || len(q.Queries) != 1 || len(q.Queries[0].Filters) != 1 {
			http.Error(w, `{"error":{"code":400,"message":"no batch"}}`, http.StatusBadRequest)
			return
		}
		// literal_or: filer0000|filer0001|…: the batch's first name.
		first, _, _ := strings.Cut(q.Queries[0].Filters[0].Filter, "|")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[first])
	}))
	defer srv.Close()
	s, err := opentsdb.Open([]byte(fmt.Sprintf(`{"url": %q}`, srv.URL)))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := depc.CheckParameters{Query: `{"metric": "probe.rtt_ms", "aggregator": "none"}`}
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
