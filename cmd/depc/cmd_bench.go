package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/state/statecopy"
	"github.com/depc-dev/depc/workload"
)

func init() {
	commands["bench"] = command{summary: "measure: `depc bench compute` and `depc bench api` print the figures of BENCHMARKS.md",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return runSubcommand(ctx, "bench", args, stdout, stderr)
		}}
	benchmarks["compute"] = command{summary: "compute a workload's days and print time and memory", run: benchCompute}
}

// benchmarks are the subcommands of `depc bench`, each registered by its
// own file's init (cmd_bench_api.go).
var benchmarks = map[string]command{}

func benchCompute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench compute", "bench compute [flags]")
	var (
		f    serveFlags
		size = fs.String("size", "bench-1m", "the workload (tiny, small, bench-100k, bench-1m, bench-10m)")
		team = fs.String("team", "bench", "the team's name")
		days = fs.Int("days", 1, "how many days to compute, from the workload's first benchmark day (30: the backfill figure)")
		skip = fs.Int("skip", 0, "start that many days after the workload's first benchmark day (a day not computed yet measures a nightly run's new day rather than a replaced one)")
		keep = fs.Bool("keep", false, "keep the temporary data directory (without --data)")
		cpu  = fs.String("cpuprofile", "", "write a CPU profile of the computation (not of loading) to this file")
		mem  = fs.String("memprofile", "", "write a heap profile (live and allocated) at the end to this file")
		sums = fs.String("checksums", "", "write the row counts and checksums of the result tables (node_result, label_result, worst_node) to this file (- for the output) once computed")
		exp  = fs.String("expect", "", "compare the result tables' checksums with this file (written by --checksums; bench-100k's for 3 days: cmd/depc/testdata/bench-100k-3days.checksums, and .postgres.checksums with PostgreSQL state, whose label ids differ) and fail on a difference")
	)
	fs.StringVar(&f.config, "config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG)")
	fs.StringVar(&f.data, "data", "", "data directory; the workload is loaded there unless the team is already there (default: a new temporary directory)")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	if *days < 1 || *days > 366 {
		return fmt.Errorf("bench: --days must be within [1, 366]")
	}
	if *skip < 0 || *skip > 366 {
		return fmt.Errorf("bench: --skip must be within [0, 366]")
	}
	sz, err := workload.Lookup(*size)
	if err != nil {
		return fmt.Errorf("bench: %s", depc.ErrorMessage(err))
	}
	st, cfg, done, err := openBenchStores(ctx, "bench", f, *keep, stdout)
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintf(stdout, "bench compute: %s (%d nodes, %d relations), team %s, %d day(s), data %s, %d CPUs, %s\n",
		sz.Name, sz.Nodes(), sz.Relations(), *team, *days, cfg.DataDir, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(stdout, "load average at start: %s; GOGC=%s GOMEMLIMIT=%s; scheduler.compute_ahead %t\n", loadAverage(), os.Getenv("GOGC"), os.Getenv("GOMEMLIMIT"), cfg.Scheduler.ComputeAhead)

	b, err := newBenchTeam(sz, *team)
	if err != nil {
		return err
	}
	if _, err := st.state.Config(ctx, *team); err != nil {
		if depc.ErrorCode(err) != depc.ENOTFOUND {
			return err
		}
		t0 := time.Now()
		n, err := b.load(ctx, st)
		if err != nil {
			return fmt.Errorf("bench: load: %w", err)
		}
		fmt.Fprintf(stdout, "loaded: %d events in %s (peak RSS %s)\n", n, time.Since(t0).Round(time.Millisecond), formatBytes(peakRSS()))
	} else {
		fmt.Fprintf(stdout, "team %s found: the workload is not loaded again\n", *team)
	}
	// What loading held is not the computation's: the peak is measured
	// from here.
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	base := peakRSS()

	comp := st.computer(cfg)
	defer comp.Close()
	if *cpu != "" {
		pf, err := os.Create(*cpu)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var total compute.Timings
	// The days as a scheduler's worker computes a run's: one Sequence,
	// told the days that follow (an unchanged graph is read once).
	list := make([]string, *days)
	for i := range list {
		list[i] = depc.FormatDay(time.Unix(sz.Start, 0).UTC().AddDate(0, 0, *skip+i))
	}
	seq := comp.Sequence(*team)
	defer seq.Close()
	t0, c0 := time.Now(), cpuTime()
	for i, day := range list {
		rep, err := seq.Day(ctx, day, list[i+1:]...)
		if err != nil {
			return fmt.Errorf("bench: %s: %w", day, err)
		}
		printReport(stdout, rep)
		for _, e := range rep.Errors {
			fmt.Fprintf(stdout, "  %s\n", formatRunError(e))
		}
		t := rep.Timings
		total.Setup += t.Setup
		total.Snapshot += t.Snapshot
		total.Sources += t.Sources
		total.Engine += t.Engine
		total.Write += t.Write
	}
	wall, used := time.Since(t0), cpuTime()-c0
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	fmt.Fprintf(stdout, "total: %d day(s) in %s (%s per day), %s CPU (user+system, all threads): snapshot %s, sources %s, engine %s, write %s\n",
		*days, r(wall), r(wall/time.Duration(*days)), r(used), r(total.Snapshot), r(total.Sources), r(total.Engine), r(total.Write))
	fmt.Fprintf(stdout, "graph read %d time(s), reused for %d day(s); %d day(s) computed ahead, while the day before was written (phases overlap)\n", *days-seq.Reused, seq.Reused, seq.Ahead)
	fmt.Fprintf(stdout, "peak RSS while computing: %s (%s before)\n", formatBytes(peakRSS()), formatBytes(base))
	fmt.Fprintf(stdout, "load average at end: %s\n", loadAverage())
	if *sums != "" || *exp != "" {
		if err := benchChecksums(ctx, cfg, *sums, *exp, stdout); err != nil {
			return err
		}
	}
	if *mem != "" {
		pf, err := os.Create(*mem)
		if err != nil {
			return err
		}
		defer pf.Close()
		return pprof.Lookup("heap").WriteTo(pf, 0)
	}
	return nil
}

// cpuTime returns the CPU time the process used so far (user and system,
// every thread): unlike wall time, it does not grow when other processes
// share the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS returns the process's peak resident set size (VmHWM), or 0 where
// /proc does not tell it.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// resetPeakRSS sets the peak resident set size back to the current one
// (Linux: "5" in /proc/self/clear_refs).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// openBenchStores opens the stores of a benchmark in f's data directory,
// or in a new temporary one, removed by done unless keep.
func openBenchStores(ctx context.Context, name string, f serveFlags, keep bool, stdout io.Writer) (*stores, Config, func(), error) {
	var cleanup []func()
	done := func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	if f.data == "" {
		dir, err := os.MkdirTemp("", "depc-"+strings.ReplaceAll(name, " ", "-")+"-")
		if err != nil {
			return nil, Config{}, nil, err
		}
		f.data = dir
		if keep {
			fmt.Fprintf(stdout, "%s: data directory %s (kept)\n", name, dir)
		} else {
			cleanup = append(cleanup, func() { os.RemoveAll(dir) })
		}
	}
	cfg, err := loadConfigWithFlags(f)
	if err != nil {
		done()
		return nil, cfg, nil, err
	}
	st, err := openStores(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		done()
		return nil, cfg, nil, err
	}
	cleanup = append(cleanup, func() { st.Close() })
	return st, cfg, done, nil
}

// benchChecksums reads the result tables of the state store of cfg, writes
// their checksums to the file out (- for stdout) and compares them with
// the file expect: the proof that a change to the computation left every
// result identical. Both are optional.
func benchChecksums(ctx context.Context, cfg Config, out, expect string, stdout io.Writer) error {
	where := cfg.DataDir
	if cfg.State.Backend == "postgres" {
		where = cfg.State.Postgres.URL
	}
	s, err := statecopy.Open(ctx, where, false)
	if err != nil {
		return fmt.Errorf("bench: checksums: %s", depc.ErrorMessage(err))
	}
	defer s.Close()
	reports, err := statecopy.Checksums(ctx, s, statecopy.ResultTables...)
	if err != nil {
		return fmt.Errorf("bench: checksums: %s", depc.ErrorMessage(err))
	}
	var b strings.Builder
	for _, r := range reports {
		fmt.Fprintf(&b, "%s %d %s\n", r.Table, r.Rows, r.Checksum)
	}
	switch out {
	case "":
	case "-":
		fmt.Fprint(stdout, b.String())
	default:
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("bench: checksums: %w", err)
		}
	}
	if expect == "" {
		return nil
	}
	want, err := os.ReadFile(expect)
	if err != nil {
		return fmt.Errorf("bench: expect: %w", err)
	}
	if string(want) != b.String() {
		return fmt.Errorf("bench: the result checksums differ from %s:\n%swant\n%s", expect, b.String(), want)
	}
	fmt.Fprintf(stdout, "checksums: identical to %s\n", expect)
	return nil
}
