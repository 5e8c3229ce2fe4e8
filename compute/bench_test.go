package compute_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/workload"
)

// benchEnv loads a workload (DEPC_BENCH_SIZE, default small) into embedded
// stores with Fake checks on its rule labels, as `depc gen --load` does.
// `depc bench compute` measures bench-1m the same way from the command line.
func benchEnv(b *testing.B) (*env, workload.Size) {
	b.Helper()
	name := os.Getenv("DEPC_BENCH_SIZE")
	if name == "" {
		name = "small"
	}
	size, err := workload.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	e := newEnv(b, nil)
	ctx := context.Background()
	if _, err := e.state.CreateTeam(ctx, depc.Team{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.state.CreateSource(ctx, "bench", depc.SourceConfig{Name: "fake", Plugin: depc.PluginFake}); err != nil {
		b.Fatal(err)
	}
	doc := map[string]map[string]string{}
	var rules []string
	for label, expr := range size.Config() {
		doc[label] = map[string]string{"qos": expr}
		if rule, ok := strings.CutPrefix(expr, "rule."); ok {
			rules = append(rules, rule)
			if _, err := e.state.CreateCheck(ctx, "bench", depc.Check{Name: rule, Source: "fake", Type: depc.CheckThreshold,
				Parameters: depc.CheckParameters{Query: "depc.tutorial.ping", Threshold: "20"}}); err != nil {
				b.Fatal(err)
			}
			if _, err := e.state.CreateRule(ctx, "bench", depc.Rule{Name: rule, Checks: []string{rule}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	data, _ := json.Marshal(doc)
	if _, err := e.state.SaveConfig(ctx, "bench", data, rules); err != nil {
		b.Fatal(err)
	}
	if err := size.Generate(10000, func(es []depc.Event) error { return e.graph.Apply(ctx, "bench", es) }); err != nil {
		b.Fatal(err)
	}
	return e, size
}

// BenchmarkDay computes and stores the workload's first day.
func BenchmarkDay(b *testing.B) {
	e, size := benchEnv(b)
	day := time.Unix(size.Start, 0).UTC().Format(time.DateOnly)
	var rep compute.Report
	for b.Loop() {
		var err error
		if rep, err = e.c.Day(context.Background(), "bench", day); err != nil {
			b.Fatal(err)
		}
	}
	t := rep.Timings
	b.ReportMetric(float64(rep.Nodes), "nodes")
	b.Logf("%s: %d nodes, %d relations: snapshot %v, sources %v, engine %v, write %v", size.Name, rep.Nodes, rep.Relations,
		t.Snapshot.Round(time.Millisecond), t.Sources.Round(time.Millisecond), t.Engine.Round(time.Millisecond), t.Write.Round(time.Millisecond))
}

// BenchmarkLiveQoS computes today so far for an Offer: the subgraph of its
// customers, their websites, filers and apaches (about 1 300 nodes in
// small), with the Fake source.
func BenchmarkLiveQoS(b *testing.B) {
	e, size := benchEnv(b)
	e.c.Now = func() time.Time { return time.Unix(size.Start+43200, 0) }
	key := depc.NodeKey{Label: "Offer", Name: size.NodeName("Offer", 0)}
	for b.Loop() {
		if _, _, err := e.c.LiveQoS(context.Background(), "bench", key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRootCause explains an Offer's day from stored results.
func BenchmarkRootCause(b *testing.B) {
	e, size := benchEnv(b)
	day := time.Unix(size.Start, 0).UTC().Format(time.DateOnly)
	if _, err := e.c.Day(context.Background(), "bench", day); err != nil {
		b.Fatal(err)
	}
	key := depc.NodeKey{Label: "Customer", Name: size.NodeName("Customer", 0)}
	for b.Loop() {
		if _, err := e.c.RootCause(context.Background(), "bench", key, day); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRootCauseWindow explains a Customer over its first benchmark
// day and over the 7 benchmark days, on the team `depc gen` sets up (two
// Fake checks per rule), without stored results: the subgraph read, its
// sources day by day, the engine and the explanation.
func BenchmarkRootCauseWindow(b *testing.B) {
	name := os.Getenv("DEPC_BENCH_SIZE")
	if name == "" {
		name = "small"
	}
	e := newEnv(b, nil)
	size := genTeam(b, e, name, "bench")
	key := depc.NodeKey{Label: "Customer", Name: size.NodeName("Customer", 0)}
	for _, tc := range []struct {
		name string
		w    depc.Window
	}{{"day", size.DayWindow(0)}, {"7days", size.Window()}} {
		b.Run(tc.name, func(b *testing.B) {
			var rc compute.RootCause
			cpu := cpuTime()
			for b.Loop() {
				var err error
				if rc, err = e.c.RootCauseWindow(context.Background(), "bench", key, tc.w); err != nil {
					b.Fatal(err)
				}
			}
			if cpu := cpuTime() - cpu; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
			b.ReportMetric(float64(len(rc.Graph.Nodes)), "nodes")
			b.Logf("%s over %s: %s", key.Name, tc.name, rc.Explanation.Summary)
		})
	}
}
