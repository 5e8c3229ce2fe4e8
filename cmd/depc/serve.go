package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
	"github.com/depc-dev/depc/consumer"
	"github.com/depc-dev/depc/limits"
	"github.com/depc-dev/depc/passhash"
	"github.com/depc-dev/depc/scheduler"
	"github.com/depc-dev/depc/ui"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func init() {
	commands["serve"] = command{summary: "run everything: API, UI, scheduler, consumer (and the embedded broker)",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return serve(ctx, "serve", args, stdout, stderr, parts{api: true, scheduler: true, consumer: true})
		}}
	commands["api"] = command{summary: "run the API and UI alone, against shared stores",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return serve(ctx, "api", args, stdout, stderr, parts{api: true})
		}}
	commands["consume"] = command{summary: "run the Kafka consumer alone, against shared stores",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			return serve(ctx, "consume", args, stdout, stderr, parts{consumer: true})
		}}
}

// parts says which components a command runs.
type parts struct{ api, scheduler, consumer bool }

// serveFlags are the flags shared by serve, api and consume; they override
// the configuration file and the environment.
type serveFlags struct {
	config        string
	addr, data    string
	demo          bool
	embeddedKafka bool
}

func (f *serveFlags) register(fs *flag.FlagSet, p parts) {
	fs.StringVar(&f.config, "config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG)")
	fs.StringVar(&f.data, "data", "", "data directory (overrides data_dir)")
	if p.api {
		fs.StringVar(&f.addr, "addr", "", "listen address of the API and UI (overrides addr)")
	} else {
		fs.StringVar(&f.addr, "addr", "", "listen address of /healthz, /readyz and /metrics (overrides addr)")
	}
	if p.scheduler {
		fs.BoolVar(&f.demo, "demo", false, "load the demo team acme with the tutorial graph and compute its last 7 days")
	}
	if p.consumer && p.api {
		fs.BoolVar(&f.embeddedKafka, "embedded-kafka", false, "start an in-process Kafka-protocol broker for trying producers (kafka.embedded_addr)")
	}
}

func loadConfigWithFlags(f serveFlags) (Config, error) {
	cfg, err := LoadConfig(f.config, os.Environ())
	if err != nil {
		return cfg, err
	}
	if f.addr != "" {
		cfg.Addr = f.addr
	}
	if f.data != "" {
		cfg.DataDir = f.data
	}
	if f.embeddedKafka {
		cfg.Kafka.Embedded = true
	}
	return cfg, cfg.Validate()
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// serve runs the chosen parts until ctx ends, then shuts them down in
// order: stop accepting requests, let the consumer finish or abandon its
// batch without committing, stop the scheduler, close the stores.
func serve(ctx context.Context, name string, args []string, stdout, stderr io.Writer, p parts) error {
	fs := newFlagSet(name, name+" [flags]")
	var f serveFlags
	f.register(fs, p)
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	cfg, err := loadConfigWithFlags(f)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("data_dir: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// The address first: a process that cannot listen stops before it
	// touches the stores (its scheduler would claim days it then drops).
	// Without the API, the address serves the probes and the metrics.
	ln, err := listen(name, cfg.Addr, p.api)
	if err != nil {
		return err
	}
	defer ln.Close()

	st, err := openStores(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if p.api || p.scheduler {
		if err := resealAtStart(ctx, st, log); err != nil {
			return err
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	comp := st.computer(cfg)
	defer comp.Close()

	var wg sync.WaitGroup
	errc := make(chan error, 4)
	fail := func(part string, err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			errc <- fmt.Errorf("%s: %w", part, err)
		}
	}

	var sched *scheduler.Scheduler
	if p.scheduler || p.api {
		sched, err = scheduler.New(st.state, comp, schedulerOptions(cfg, log))
		if err != nil {
			return err
		}
	}
	if p.scheduler && cfg.Scheduler.Enabled {
		if err := sched.Start(ctx); err != nil {
			return fmt.Errorf("scheduler: %w", err)
		}
		defer sched.Stop()
		defer startAlerts(ctx, cfg, st, comp, log)()
	}

	var token string
	var keptToken bool
	if p.api {
		if token, keptToken, err = ensureAdminToken(ctx, st.state, cfg.AdminToken); err != nil {
			return err
		}
	}
	if f.demo {
		fmt.Fprintln(stdout, "depc: loading the demo team acme and computing its last 7 days…")
		if err := loadDemo(ctx, st.graph, st.state, sched, time.Now()); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}

	// One guard of the per-team limits for the API and the consumer of
	// this process, so that they share a team's rate and counts.
	guard := limits.New(cfg.Limits, st.state, st.graph, limits.Options{})
	var degraded func() []string // what /readyz lists as working in part
	if p.consumer {
		brokers := cfg.Kafka.Brokers
		if cfg.Kafka.Embedded {
			cluster, err := startEmbeddedKafka(cfg.Kafka.EmbeddedAddr, filepath.Join(cfg.DataDir, "kafka"))
			if err != nil {
				return err
			}
			defer cluster.Close()
			fmt.Fprintf(stdout, "depc: embedded Kafka broker on %s (topics %s.<team>)\n", strings.Join(cluster.ListenAddrs(), ","), cfg.Kafka.Prefix)
			if len(brokers) == 0 {
				brokers = cluster.ListenAddrs()
			}
		}
		if len(brokers) > 0 {
			ccfg := consumerConfig(cfg, brokers)
			ccfg.Limits = guard
			cons, err := consumer.New(ccfg, st.graph, st.state, st.state, reg, log)
			if err != nil {
				return err
			}
			degraded = func() []string {
				var out []string
				for _, p := range cons.Paused() {
					out = append(out, p.String())
				}
				return out
			}
			wg.Add(1)
			go func() { defer wg.Done(); fail("consumer", cons.Run(ctx)) }()
		} else if !p.api {
			return errors.New("consume: no brokers configured (kafka.brokers or DEPC_KAFKA_BROKERS)")
		}
	}

	var handler http.Handler
	if p.api {
		srv := api.New(api.Config{
			BodyLimit: cfg.API.BodyLimit, MessagesBodyLimit: cfg.API.MessagesBodyLimit,
			Decimals: cfg.API.Decimals, MetricsToken: cfg.API.MetricsToken,
			ProxyAuth: cfg.API.proxyAuth(),
		}, api.Deps{
			Graph: st.graph, State: st.state, Computer: comp, Runs: sched,
			Plugins: st.plugins, Outbound: st.guard, UI: ui.Handler(),
			Gatherer: reg, Registerer: reg, Logger: log, Degraded: degraded, Limits: guard,
		})
		srv.WarmMetrics(ctx)
		handler = srv
	} else {
		handler = probes(cfg, st, reg, log, degraded)
	}
	shutdown := serveHTTP(name, ln, handler, &wg, fail)
	url := "http://" + ln.Addr().String()
	if p.api {
		// The token first: whoever waits for "ready at" has it then.
		switch {
		case token != "":
			fmt.Fprintf(stdout, "depc: admin token (shown once, stored hashed): %s\n", token)
			fmt.Fprintf(stdout, "depc: try: curl -H 'Authorization: Bearer %s' %s/api/v1/teams\n", token, url)
		case keptToken:
			fmt.Fprintf(stdout, "depc: the admin token is still the one set at an earlier start (only its hash is kept, so it cannot be shown again);\n"+
				"depc: to replace it, run `depc admin-token --data %s` (prints a new one) or set DEPC_ADMIN_TOKEN\n", cfg.DataDir)
		}
		fmt.Fprintf(stdout, "depc: ready at %s\n", url)
	} else {
		fmt.Fprintf(stdout, "depc: %s running (probes and metrics at %s)\n", name, url)
	}

	select {
	case <-ctx.Done():
	case err = <-errc:
		log.Error("stopping", "error", err)
	}
	cancel()
	shutdown()
	wg.Wait()
	return err
}

// ensureAdminToken makes sure an admin token exists, and returns it when it
// was just generated (it is printed once; only its hash is stored), or
// kept when one generated or configured at an earlier start stays. A
// configured token replaces the stored hash unless it already matches it.
// The token is hashed with passhash (argon2id): it may be one a person
// chose.
func ensureAdminToken(ctx context.Context, state depc.AccountStore, configured string) (token string, kept bool, err error) {
	stored, err := state.AdminTokenHash(ctx)
	if err != nil && depc.ErrorCode(err) != depc.ENOTFOUND {
		return "", false, err
	}
	if configured != "" {
		if err == nil {
			if ok, rehash, _ := passhash.Verify(stored, configured); ok && !rehash {
				return "", false, nil
			}
		}
		return "", false, state.SetAdminTokenHash(ctx, passhash.Hash(configured))
	}
	if err == nil {
		return "", true, nil
	}
	token = depc.NewToken()
	if err := state.SetAdminTokenHash(ctx, passhash.Hash(token)); err != nil {
		return "", false, err
	}
	return token, false, nil
}

func consumerConfig(cfg Config, brokers []string) consumer.Config {
	k := cfg.Kafka
	return consumer.Config{
		Brokers: brokers, GroupID: k.Group, TopicPrefix: k.Prefix,
		Teams: k.Teams, TopicPattern: k.TopicPattern,
		BatchSize: k.BatchSize, BatchWait: k.BatchWait, ClientID: "depc-" + version,
		DeadLetterMaxBytes: k.DeadLetterMaxBytes, DeadLetterAttempts: k.DeadLetterAttempts,
		SASL: consumer.SASL{Mechanism: k.SASL.Mechanism, Username: k.SASL.Username, Password: k.SASL.Password},
		TLS: consumer.TLS{Enabled: k.TLS.Enabled, CAFile: k.TLS.CAFile, CertFile: k.TLS.CertFile,
			KeyFile: k.TLS.KeyFile, InsecureSkipVerify: k.TLS.InsecureSkipVerify},
	}
}

// schedulerOptions are the scheduler's options from the configuration.
func schedulerOptions(cfg Config, log *slog.Logger) scheduler.Options {
	return scheduler.Options{
		Nightly: cfg.Scheduler.Nightly, CatchUpDays: cfg.Scheduler.CatchUpDays,
		Workers: cfg.Scheduler.Workers, LeaseTTL: cfg.Scheduler.Lease, Logger: log,
	}
}
