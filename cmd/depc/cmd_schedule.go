package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/scheduler"
)

func init() {
	commands["schedule"] = command{summary: "run the scheduler alone (nightly runs, the run queue), against shared stores", run: scheduleCommand}
}

// scheduleCommand runs the scheduler until ctx ends. Any number of
// schedulers may share a state store (`depc schedule` processes, `depc
// serve` with its scheduler enabled): they drain the queue of days
// together, and one of them runs the nightly job.
func scheduleCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("schedule", "schedule [flags]")
	var f serveFlags
	fs.StringVar(&f.config, "config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG)")
	fs.StringVar(&f.data, "data", "", "data directory (overrides data_dir)")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("schedule: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfigWithFlags(f)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	st, err := openStores(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := resealAtStart(ctx, st, log); err != nil {
		return err
	}
	comp := compute.New(st.graph, st.state, st.plugins.Open)
	defer comp.Close()
	sched, err := scheduler.New(st.state, comp, schedulerOptions(cfg, log))
	if err != nil {
		return err
	}
	if err := sched.Start(ctx); err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	fmt.Fprintf(stdout, "depc: scheduler running (nightly %s UTC, catch-up %d days, %d workers, owner %s)\n",
		cfg.Scheduler.Nightly, cfg.Scheduler.CatchUpDays, cfg.Scheduler.Workers, sched.Owner())
	<-ctx.Done()
	return sched.Stop()
}
