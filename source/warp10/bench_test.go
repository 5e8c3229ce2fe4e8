package warp10_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/warp10"
)

// BenchmarkFetchDay measures the client side of a nightly run: one check
// over one day for 1 000 nodes (10 scripts of the default 100 names, 1 445
// one-minute points per node with the default lookback, newest first as
// FETCH gives them) from a server that answers prepared bodies in Warp 10's
// form (the stack [{name: [GTS]}], points [µs, value]), so that what is
// measured is script building, transfer, decoding and sorting. It reports
// CPU time per node (the process', server included) as well as wall time.
func BenchmarkFetchDay(b *testing.B) {
	const nodes = 1000
	names := make([]string, nodes)
	for i := range names {
		names[i] = fmt.Sprintf("filer%04d", i)
	}
	var v bytes.Buffer
	v.WriteByte('[')
	for t := int64(day + 86400 - 60); t >= day-300; t -= 60 {
		if v.Len() > 1 {
			v.WriteByte(',')
		}
		fmt.Fprintf(&v, `[%d,10.5]`, t*1_000_000)
	}
	v.WriteByte(']')
	bodies := make(map[string][]byte) // by first name of the batch
	for i := 0; i < nodes; i += warp10.DefaultMaxNamesPerQuery {
		var buf bytes.Buffer
		buf.WriteString("[{")
		for j, n := range names[i : i+warp10.DefaultMaxNamesPerQuery] {
			if j > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `%q:[{"c":"probe.rtt_ms","l":{"host":%q},"a":{},"la":0,"v":%s}]`, n, n, v.Bytes())
		}
		buf.WriteString("}]")
		bodies[names[i]] = buf.Bytes()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// The names' list starts "[ 'filer0000' …": the batch's first.
		i := bytes.Index(body, []byte("[ '"))
		if i < 0 || len(body) < i+3+9 {
			http.Error(w, "no batch", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(bodies[string(body[i+3:i+3+9])])
	}))
	defer srv.Close()
	s, err := warp10.Open([]byte(fmt.Sprintf(`{"url": %q, "token": "t"}`, srv.URL)))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	p := depc.CheckParameters{Query: "[ $token 'probe.rtt_ms' { 'host' $name } $start $end ] FETCH"}
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
