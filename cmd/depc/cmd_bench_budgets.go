package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/qos/budget"
	"github.com/depc-dev/depc/workload"
	"github.com/prometheus/client_golang/prometheus"
)

func init() {
	benchmarks["budgets"] = command{summary: "error budgets of every Customer of a computed workload, cold, warm and after a nightly run", run: benchBudgets}
}

// benchBudgets measures objective.Budgets.Team on a workload whose days
// `depc bench compute --days N` computed in the same data directory: an
// objective on the label Customer (every Customer's budget and burn rates),
// read the morning after the last day — the first time (every day's
// label_seconds blob built), again (all built), and after a nightly run
// recomputed the last day (its blob built again): the figure of issue 14.
func benchBudgets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench budgets", "bench budgets [flags]")
	var (
		f       serveFlags
		size    = fs.String("size", "bench-1m", "the workload (tiny, small, bench-100k, bench-1m)")
		team    = fs.String("team", "bench", "the team's name")
		days    = fs.Int("days", 30, "the days `bench compute --days` computed, from the workload's first benchmark day")
		label   = fs.String("label", "Customer", "the label given an objective")
		window  = fs.String("window", string(budget.Rolling30), "the objective's window")
		target  = fs.Float64("target", 99.9, "the objective's target, in percent")
		rounds  = fs.Int("rounds", 3, "warm reads measured (the best is printed too)")
		live    = fs.Bool("live", false, "also measure a read that measures today so far (compute.LiveDay over the label and what it needs)")
		scrapes = fs.Int("scrapes", 3, "GET /metrics measured after the first (0: none)")
	)
	fs.StringVar(&f.config, "config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG)")
	fs.StringVar(&f.data, "data", "", "the data directory of `bench compute` (required)")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	if f.data == "" {
		return fmt.Errorf("bench budgets: --data is required: the directory where `depc bench compute --days N` computed the workload")
	}
	if *days < 1 || *days > budget.MaxDays || *rounds < 1 || *scrapes < 0 {
		return fmt.Errorf("bench budgets: --days must be within [1, %d], --rounds at least 1, --scrapes at least 0", budget.MaxDays)
	}
	sz, err := workload.Lookup(*size)
	if err != nil {
		return fmt.Errorf("bench: %s", depc.ErrorMessage(err))
	}
	st, _, done, err := openBenchStores(ctx, "bench budgets", f, false, stdout)
	if err != nil {
		return err
	}
	defer done()
	first := time.Unix(sz.Start, 0).UTC()
	last := depc.FormatDay(first.AddDate(0, 0, *days-1))
	have, err := st.state.LabelQoS(ctx, *team, *label, depc.FormatDay(first), last)
	if err != nil {
		return fmt.Errorf("bench budgets: %w (run `depc bench compute --size %s --days %d --data %s` first)", err, *size, *days, f.data)
	}
	if len(have) != *days {
		return fmt.Errorf("bench budgets: %d of the %d days %s..%s are computed: run `depc bench compute --size %s --days %d --data %s` first", len(have), *days, depc.FormatDay(first), last, *size, *days, f.data)
	}
	o := depc.Objective{Label: *label, Target: *target, Window: budget.Kind(*window)}
	if _, err := st.state.SetObjective(ctx, *team, o); err != nil {
		return err
	}
	// The morning after the last computed day, 01:00: its nightly run is done.
	now := first.AddDate(0, 0, *days).Add(time.Hour)
	comp := compute.New(st.graph, st.state, st.plugins.Open)
	defer comp.Close()
	comp.Now = func() time.Time { return now }
	b := objective.New(st.state, comp)
	b.Now = func() time.Time { return now }

	fmt.Fprintf(stdout, "bench budgets: %s, team %s, objective %g %% over %s on %s, %d computed days (%s..%s), now %s, %d CPUs, %s\n",
		sz.Name, *team, o.Target, o.Window, o.Label, *days, depc.FormatDay(first), last, now.Format(time.RFC3339), runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(stdout, "load average at start: %s\n", loadAverage())
	measure := func(what string, opts ...objective.Options) (time.Duration, error) {
		t0, c0 := time.Now(), cpuTime()
		tb, err := b.Team(ctx, *team, append(opts, objective.Options{})[0])
		if err != nil {
			return 0, err
		}
		wall, used := time.Since(t0), cpuTime()-c0
		exhausted, fast := 0, 0
		for _, nb := range tb.Nodes {
			if nb.Budget.Exhausted() {
				exhausted++
			}
			if br := nb.Budget.Burn[0]; br.Valid && br.Rate >= 14.4 {
				fast++
			}
		}
		fmt.Fprintf(stdout, "%s: %d budgets (%d exhausted, %d burning over 14.4 in the last hour) in %s wall, %s CPU; %d errors; load %s\n",
			what, len(tb.Nodes), exhausted, fast, wall.Round(time.Millisecond), used.Round(time.Millisecond), len(tb.Errors), loadAverage())
		return wall, nil
	}
	if _, err := measure("first read (the days' blobs not built yet are built)"); err != nil {
		return err
	}
	best := time.Duration(1<<63 - 1)
	for i := range *rounds {
		w, err := measure(fmt.Sprintf("warm read %d", i+1))
		if err != nil {
			return err
		}
		best = min(best, w)
	}
	t0 := time.Now()
	rep, err := comp.Day(ctx, *team, last)
	if err != nil {
		return fmt.Errorf("bench budgets: the nightly run of %s: %w", last, err)
	}
	fmt.Fprintf(stdout, "nightly run of %s: %d nodes in %s\n", last, rep.Nodes, time.Since(t0).Round(time.Millisecond))
	after, err := measure("after the nightly run (its day's blob built again)")
	if err != nil {
		return err
	}
	if *live {
		if _, err := measure("with today measured live (01:00, one hour of today)", objective.Options{Live: true}); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "target (budgets and burn rates for all <= 2 s after a nightly run): %s, best warm %s\n", verdict(after <= 2*time.Second), best.Round(time.Millisecond))
	if *scrapes > 0 {
		return benchScrape(ctx, st, comp, b, now, *scrapes, stdout)
	}
	return nil
}

// benchScrape measures GET /metrics of the API over the same stores and
// clock: the first scrape (the domain metrics computed: every team's
// budgets, its worst nodes exported) and the next ones (served from the
// snapshot the first made, refreshed in the background once it is a
// minute old) — the figure of issue 14 (≤ 200 ms, ≤ 5 MB). The handler
// is called in process: the time is the server's, not the network's.
func benchScrape(ctx context.Context, st *stores, comp *compute.Computer, b *objective.Budgets, now time.Time, n int, stdout io.Writer) error {
	server := func() *api.Server {
		reg := prometheus.NewRegistry()
		return api.New(api.Config{}, api.Deps{Graph: st.graph, State: st.state, Computer: comp, Budgets: b,
			Plugins: st.plugins, Gatherer: reg, Registerer: reg, Logger: slog.New(slog.DiscardHandler),
			Now: func() time.Time { return now }})
	}
	// scrape prints one GET /metrics of h, named what, and returns its
	// wall time.
	scrape := func(h *api.Server, what string) (time.Duration, error) {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/metrics", nil)
		rec := httptest.NewRecorder()
		t0, c0 := time.Now(), cpuTime()
		h.ServeHTTP(rec, req)
		wall, used := time.Since(t0), cpuTime()-c0
		if rec.Code != http.StatusOK {
			return 0, fmt.Errorf("bench budgets: GET /metrics: %d %s", rec.Code, rec.Body.String())
		}
		body := rec.Body.String()
		fmt.Fprintf(stdout, "%s: %d bytes, %d series in %s wall, %s CPU; load %s\n",
			what, len(body), strings.Count(body, "\n")-strings.Count(body, "\n#"), wall.Round(time.Millisecond), used.Round(time.Millisecond), loadAverage())
		return wall, nil
	}

	h := server()
	var worst time.Duration
	for i := range n + 1 {
		what := fmt.Sprintf("scrape %d", i)
		if i == 0 {
			what = "first scrape (the domain metrics computed)"
		}
		wall, err := scrape(h, what)
		if err != nil {
			return err
		}
		if i > 0 {
			worst = max(worst, wall)
		}
	}
	fmt.Fprintf(stdout, "scrapes after the first: slowest %s\n", worst.Round(time.Millisecond))

	// What `depc serve` does: the figures computed when it starts, so
	// that its first scrape is served from memory too.
	h = server()
	t0 := time.Now()
	<-h.WarmMetrics(ctx)
	_, err := scrape(h, fmt.Sprintf("first scrape after the start's warm-up (%s)", time.Since(t0).Round(time.Millisecond)))
	return err
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}
