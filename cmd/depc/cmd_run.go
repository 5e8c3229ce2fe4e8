package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/scheduler"
)

func init() {
	commands["run"] = command{summary: "compute a team's day (--day) or days (--from, --to) now and print a summary", run: runCommand}
}

// maxErrorLines bounds the run errors `depc run` prints.
const maxErrorLines = 20

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "run --team T (--day YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD) [flags]")
	var (
		config = fs.String("config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG)")
		data   = fs.String("data", "", "data directory (overrides data_dir)")
		team   = fs.String("team", "", "the team to compute (required)")
		day    = fs.String("day", "", "the day to compute, YYYY-MM-DD in the team's time zone")
		from   = fs.String("from", "", "the first day of a range (with --to)")
		to     = fs.String("to", "", "the last day of a range, inclusive (with --from)")
	)
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("run: unexpected argument %q", fs.Arg(0))
	}
	var days []string
	switch {
	case *team == "":
		return fmt.Errorf("run: --team is required")
	case *day != "" && (*from != "" || *to != ""):
		return fmt.Errorf("run: give --day or --from and --to, not both")
	case *day != "":
		if _, err := depc.ParseDay("--day", *day); err != nil {
			return fmt.Errorf("run: %s", depc.ErrorMessage(err))
		}
		days = []string{*day}
	case *from != "" && *to != "":
		var err error
		if days, err = scheduler.Days(*from, *to); err != nil {
			return fmt.Errorf("run: %s", depc.ErrorMessage(err))
		}
	default:
		return fmt.Errorf("run: --day, or --from and --to, is required")
	}
	cfg, err := loadConfigWithFlags(serveFlags{config: *config, data: *data})
	if err != nil {
		return err
	}
	st, err := openStores(ctx, cfg, newLogger(stderr, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer st.Close()
	comp := st.computer(cfg)
	defer comp.Close()
	sched, err := scheduler.New(st.state, comp, scheduler.Options{
		Logger: newLogger(stderr, "warn"),
		OnDay:  func(_ depc.Run, rep compute.Report) { printReport(stdout, rep) },
	})
	if err != nil {
		return err
	}
	if _, err := st.state.Config(ctx, *team); err != nil {
		return fmt.Errorf("run: team %s: %s", *team, depc.ErrorMessage(err))
	}
	t0 := time.Now()
	r, err := sched.RunNow(ctx, *team, days)
	if err != nil {
		return fmt.Errorf("run: %s", depc.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "run %d of team %s: %s in %s: %d days, %d node results, %d errors\n",
		r.ID, r.Team, r.Status, time.Since(t0).Round(time.Millisecond), len(r.Days), r.Nodes, len(r.Errors))
	for i, e := range r.Errors {
		if i == maxErrorLines {
			fmt.Fprintf(stdout, "  … %d more (GET /api/v1/teams/%s/runs/%d)\n", len(r.Errors)-i, r.Team, r.ID)
			break
		}
		fmt.Fprintf(stdout, "  %s\n", formatRunError(e))
	}
	if r.Status != depc.RunSucceeded {
		return fmt.Errorf("run %d failed", r.ID)
	}
	return nil
}

func formatRunError(e depc.RunError) string {
	switch {
	case e.Label != "" && e.Name != "":
		return e.Label + "/" + e.Name + ": " + e.Error
	case e.Label != "":
		return e.Label + ": " + e.Error
	}
	return e.Error
}

// printReport prints one day's computation on one line.
func printReport(w io.Writer, rep compute.Report) {
	t := rep.Timings
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	ahead := ""
	if rep.Ahead {
		// Snapshot, sources and engine ran while the day before was
		// written.
		ahead = fmt.Sprintf(", computed ahead, waited %s", r(t.Wait))
	}
	fmt.Fprintf(w, "%s  %d nodes  %d relations  %d errors  %s (setup %s, snapshot %s, sources %s, engine %s, write %s%s)\n",
		rep.Day, rep.Nodes, rep.Relations, len(rep.Errors), r(t.Total()), r(t.Setup), r(t.Snapshot), r(t.Sources), r(t.Engine), r(t.Write), ahead)
}
