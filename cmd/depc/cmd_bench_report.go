package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/qos/budget"
	"github.com/depc-dev/depc/workload"
)

func init() {
	benchmarks["report"] = command{summary: "the monthly report of a computed workload (every Customer against its objective), cold and warm", run: benchReport}
}

// benchReport measures objective.Budgets.Month (docs/report.md) on a
// workload whose days `depc bench compute --days N` computed in the same
// data directory: an objective on the label Customer, so that every
// Customer is in the report of the month of the workload's first day, read
// the morning after the last computed day — the first time (the days'
// label_seconds blobs built if `bench budgets` did not build them) and warm.
func benchReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench report", "bench report [flags]")
	var (
		f      serveFlags
		size   = fs.String("size", "bench-1m", "the workload (tiny, small, bench-100k, bench-1m)")
		team   = fs.String("team", "bench", "the team's name")
		days   = fs.Int("days", 30, "the days `bench compute --days` computed, from the workload's first benchmark day")
		label  = fs.String("label", "Customer", "the label given an objective")
		target = fs.Float64("target", 99.9, "the objective's target, in percent")
		rounds = fs.Int("rounds", 3, "warm reads measured")
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
		return fmt.Errorf("bench report: --data is required: the directory where `depc bench compute --days N` computed the workload")
	}
	if *days < 1 || *days > budget.MaxDays || *rounds < 1 {
		return fmt.Errorf("bench report: --days must be within [1, %d], --rounds at least 1", budget.MaxDays)
	}
	sz, err := workload.Lookup(*size)
	if err != nil {
		return fmt.Errorf("bench: %s", depc.ErrorMessage(err))
	}
	st, _, done, err := openBenchStores(ctx, "bench report", f, false, stdout)
	if err != nil {
		return err
	}
	defer done()
	first := time.Unix(sz.Start, 0).UTC()
	last := depc.FormatDay(first.AddDate(0, 0, *days-1))
	have, err := st.state.LabelQoS(ctx, *team, *label, depc.FormatDay(first), last)
	if err != nil {
		return fmt.Errorf("bench report: %w (run `depc bench compute --size %s --days %d --data %s` first)", err, *size, *days, f.data)
	}
	if len(have) != *days {
		return fmt.Errorf("bench report: %d of the %d days %s..%s are computed: run `depc bench compute --size %s --days %d --data %s` first", len(have), *days, depc.FormatDay(first), last, *size, *days, f.data)
	}
	if _, err := st.state.SetObjective(ctx, *team, depc.Objective{Label: *label, Target: *target, Window: budget.Rolling30}); err != nil {
		return err
	}
	now := first.AddDate(0, 0, *days).Add(time.Hour)
	b := objective.New(st.state, nil)
	b.Now = func() time.Time { return now }
	month := first.Format("2006-01")
	fmt.Fprintf(stdout, "bench report: %s, team %s, objective %g %% on %s, month %s, %d computed days (%s..%s), now %s, %d CPUs, %s\n",
		sz.Name, *team, *target, *label, month, *days, depc.FormatDay(first), last, now.Format(time.RFC3339), runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(stdout, "load average at start: %s\n", loadAverage())
	measure := func(what string) error {
		t0, c0 := time.Now(), cpuTime()
		rep, err := b.Month(ctx, *team, month)
		if err != nil {
			return err
		}
		wall, used := time.Since(t0), cpuTime()-c0
		met, missed := 0, 0
		for _, n := range rep.Nodes {
			if m, known := n.Met(); known && m {
				met++
			} else if known {
				missed++
			}
		}
		fmt.Fprintf(stdout, "%s: %d nodes (%d met, %d missed) in %s wall, %s CPU; %d errors; load %s\n",
			what, len(rep.Nodes), met, missed, wall.Round(time.Millisecond), used.Round(time.Millisecond), len(rep.Errors), loadAverage())
		return nil
	}
	if err := measure("first read"); err != nil {
		return err
	}
	for i := range *rounds {
		if err := measure(fmt.Sprintf("warm read %d", i+1)); err != nil {
			return err
		}
	}
	return nil
}
