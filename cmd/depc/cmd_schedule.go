package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/depc-dev/depc/scheduler"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
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
	fs.StringVar(&f.addr, "addr", "", "listen address of /healthz, /readyz and /metrics (overrides addr)")
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
	// The address first, as in serve: a scheduler that cannot listen stops
	// before it claims days.
	ln, err := listen("schedule", cfg.Addr, false)
	if err != nil {
		return err
	}
	defer ln.Close()
	st, err := openStores(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := resealAtStart(ctx, st, log); err != nil {
		return err
	}
	comp := st.computer(cfg)
	defer comp.Close()
	sched, err := scheduler.New(st.state, comp, schedulerOptions(cfg, log))
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	shutdown := serveHTTP("schedule", ln, probes(cfg, st, reg, log, nil), &wg, func(part string, err error) {
		errc <- fmt.Errorf("%s: %w", part, err)
	})
	defer func() { shutdown(); wg.Wait() }()
	url := "http://" + ln.Addr().String()
	if err := sched.Start(ctx); err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	stopAlerts := startAlerts(ctx, cfg, st, comp, log)
	defer stopAlerts()
	fmt.Fprintf(stdout, "depc: scheduler running (nightly %s UTC, catch-up %d days, %d workers, owner %s; probes and metrics at %s)\n",
		cfg.Scheduler.Nightly, cfg.Scheduler.CatchUpDays, cfg.Scheduler.Workers, sched.Owner(), url)
	select {
	case <-ctx.Done():
	case err = <-errc:
		log.Error("stopping", "error", err)
	}
	if serr := sched.Stop(); err == nil {
		err = serr
	}
	return err
}
