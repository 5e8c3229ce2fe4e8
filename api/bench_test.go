package api_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/workload"
)

// BenchmarkIncidentExport exports the incident review of a Customer as
// Markdown and as JSON, through the API, over its first benchmark day and
// over the 7 benchmark days, on the team `depc gen` sets up (DEPC_BENCH_SIZE,
// default small; two Fake checks per rule) in the embedded graph store and
// SQLite, with a note on the customer: the root cause computed from the
// sources, the notes read, the report built and written. Issue 13: ≤ 1 s
// on bench-1m.
func BenchmarkIncidentExport(b *testing.B) {
	name := os.Getenv("DEPC_BENCH_SIZE")
	if name == "" {
		name = "small"
	}
	size, err := workload.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	e := newEnv(b)
	e.call("POST", "/teams", map[string]any{"name": "bench"}, http.StatusCreated, nil)
	e.call("POST", "/teams/bench/sources", map[string]any{"name": "fake", "plugin": "Fake"}, http.StatusCreated, nil)
	config := map[string]any{}
	for label, expr := range size.Config() {
		config[label] = map[string]any{"qos": expr}
		rule, ok := strings.CutPrefix(expr, "rule.")
		if !ok {
			continue
		}
		e.call("POST", "/teams/bench/checks", map[string]any{"name": rule + " ping", "source": "fake", "type": "Threshold",
			"parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "20"}}, http.StatusCreated, nil)
		e.call("POST", "/teams/bench/checks", map[string]any{"name": rule + " http", "source": "fake", "type": "Interval",
			"parameters": map[string]any{"query": "depc.tutorial.httpstatus", "threshold": "200:299"}}, http.StatusCreated, nil)
		e.call("POST", "/teams/bench/rules", map[string]any{"name": rule, "checks": []string{rule + " ping", rule + " http"}}, http.StatusCreated, nil)
	}
	e.call("PUT", "/teams/bench/config", config, http.StatusOK, nil)
	t0 := time.Now()
	if err := size.Generate(10000, func(es []depc.Event) error { return e.graph.Apply(e.ctx, "bench", es) }); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s loaded in %v", size.Name, time.Since(t0).Round(time.Second))
	customer := size.NodeName("Customer", 0)
	e.call("POST", "/teams/bench/annotations", map[string]any{"label": "Customer", "name": customer,
		"from": size.DayWindow(0).Start + 3600, "to": size.DayWindow(0).Start + 7200, "text": "a note"}, http.StatusCreated, nil)
	at := func(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }
	for _, w := range []struct {
		name string
		w    depc.Window
	}{{"day", size.DayWindow(0)}, {"7days", size.Window()}} {
		for _, format := range []string{"markdown", "json"} {
			b.Run(w.name+"/"+format, func(b *testing.B) {
				path := fmt.Sprintf("/teams/bench/labels/Customer/nodes/%s/incident?from=%s&to=%s&format=%s", customer, at(w.w.Start), at(w.w.End), format)
				var n int
				cpu := cpuTime()
				for b.Loop() {
					r := e.do(request{method: "GET", path: path})
					if r.Status != http.StatusOK {
						b.Fatalf("%s: %d %s", path, r.Status, r.Body)
					}
					n = len(r.Body)
				}
				if cpu := cpuTime() - cpu; cpu > 0 {
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
				}
				b.ReportMetric(float64(n), "bytes")
			})
		}
	}
}
