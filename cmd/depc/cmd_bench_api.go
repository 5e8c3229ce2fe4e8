package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/scheduler"
	"github.com/depc-dev/depc/workload"
	"github.com/prometheus/client_golang/prometheus"
)

func init() {
	benchmarks["api"] = command{summary: "measure the API's read latency under a steady load", run: benchAPI}
	benchmarks["api-load"] = command{summary: "the load generator of `depc bench api` (run by it in its own process)", run: benchAPILoad}
}

// benchUser is the viewer whose token the load uses: reads go through the
// whole authorization path of a team member, not the admin's shortcut.
const benchUser = "bench-viewer"

// benchAPI loads a workload into the stores (unless it is there), computes
// its days (those not computed yet), serves the API on loopback, and runs
// the load generator in a separate process at a fixed rate: node QoS over
// 30 days, worst nodes of a day, dependencies of a node on a day, in equal
// shares. It prints the latency percentiles and the errors.
func benchAPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench api", "bench api [flags]")
	var (
		f         serveFlags
		size      = fs.String("size", "bench-1m", "the workload (tiny, small, bench-100k, bench-1m)")
		team      = fs.String("team", "bench", "the team's name")
		days      = fs.Int("days", 7, "how many of the workload's days must have results (computed when missing)")
		rate      = fs.Int("rate", 1000, "requests per second")
		duration  = fs.Duration("duration", 30*time.Second, "how long the load lasts")
		conns     = fs.Int("conns", 256, "at most this many requests in flight (and connections)")
		keep      = fs.Bool("keep", false, "keep the temporary data directory (without --data)")
		inProcess = fs.Bool("in-process", false, "run the load generator in this process (tests; the figures then share its CPU)")
		cpu       = fs.String("cpuprofile", "", "write a CPU profile of the server during the load to this file")
	)
	fs.StringVar(&f.config, "config", os.Getenv("DEPC_CONFIG"), "YAML configuration file (env DEPC_CONFIG)")
	fs.StringVar(&f.data, "data", "", "data directory; the workload is loaded there unless the team is already there (default: a new temporary directory)")
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("bench api: unexpected argument %q", fs.Arg(0))
	case *rate < 1 || *rate > 100_000:
		return fmt.Errorf("bench api: --rate must be within [1, 100000]")
	case *duration <= 0 || *duration > time.Hour:
		return fmt.Errorf("bench api: --duration must be within (0, 1h]")
	case *conns < 1 || *conns > 10_000:
		return fmt.Errorf("bench api: --conns must be within [1, 10000]")
	}
	sz, err := workload.Lookup(*size)
	if err != nil {
		return fmt.Errorf("bench api: %s", depc.ErrorMessage(err))
	}
	if *days < 1 || *days > sz.Days {
		return fmt.Errorf("bench api: --days must be within [1, %d] for %s", sz.Days, sz.Name)
	}
	st, cfg, done, err := openBenchStores(ctx, "bench api", f, *keep, stdout)
	if err != nil {
		return err
	}
	defer done()
	fmt.Fprintf(stdout, "bench api: %s (%d nodes, %d relations), team %s, %d day(s), data %s, load average %s\n",
		sz.Name, sz.Nodes(), sz.Relations(), *team, *days, cfg.DataDir, loadAverage())

	if err := benchPrepare(ctx, st, sz, *team, *days, stdout); err != nil {
		return err
	}
	// Computing days leaves a large heap behind; the server measured
	// is one that starts with its data ready.
	runtime.GC()
	debug.FreeOSMemory()
	token, err := benchToken(ctx, st.state, *team)
	if err != nil {
		return err
	}

	// The API, as `depc api` serves it, on loopback.
	comp := compute.New(st.graph, st.state, st.plugins.Open)
	defer comp.Close()
	log := slog.New(slog.DiscardHandler)
	sched, err := scheduler.New(st.state, comp, scheduler.Options{Logger: log})
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	handler := api.New(api.Config{BodyLimit: cfg.API.BodyLimit, MessagesBodyLimit: cfg.API.MessagesBodyLimit, Decimals: cfg.API.Decimals},
		api.Deps{Graph: st.graph, State: st.state, Computer: comp, Runs: sched,
			Plugins: st.plugins, Gatherer: reg, Registerer: reg, Logger: log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	targets, err := os.CreateTemp("", "depc-bench-api-targets-")
	if err != nil {
		return err
	}
	defer os.Remove(targets.Name())
	n, err := writeTargets(targets, sz, *team, *days, max(1, int(duration.Seconds()*float64(*rate))))
	if cerr := targets.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}

	loadArgs := []string{"--url", base, "--token", token, "--rate", fmt.Sprint(*rate), "--duration", duration.String(),
		"--conns", fmt.Sprint(*conns), "--targets", targets.Name()}
	fmt.Fprintf(stdout, "load: %d requests/s for %s over %d distinct requests (node QoS over 30 days, worst, dependencies), %d in flight at most, load average %s\n",
		*rate, *duration, n, *conns, loadAverage())
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
	var usage0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage0)
	var out strings.Builder
	if *inProcess {
		err = benchAPILoad(ctx, loadArgs, &out, stderr)
	} else {
		exe, eerr := os.Executable()
		if eerr != nil {
			return eerr
		}
		cmd := exec.CommandContext(ctx, exe, append([]string{"bench", "api-load"}, loadArgs...)...)
		cmd.Stdout, cmd.Stderr = &out, stderr
		err = cmd.Run()
	}
	if err != nil {
		return fmt.Errorf("bench api: load generator: %w", err)
	}
	var res loadResult
	if err := json.Unmarshal([]byte(out.String()), &res); err != nil {
		return fmt.Errorf("bench api: load generator's answer %q: %w", out.String(), err)
	}
	var usage1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage1)
	cpuTime := time.Duration(usage1.Utime.Nano()+usage1.Stime.Nano()-usage0.Utime.Nano()-usage0.Stime.Nano()) * time.Nanosecond
	res.print(stdout)
	if res.Requests > 0 {
		fmt.Fprintf(stdout, "server CPU: %s in all, %s per request\n", cpuTime.Round(time.Millisecond), (cpuTime / time.Duration(res.Requests)).Round(time.Microsecond))
	}
	fmt.Fprintf(stdout, "load average at end: %s\n", loadAverage())
	return nil
}

// benchPrepare loads the workload when the team is not there, and computes
// the first days that have no result yet.
func benchPrepare(ctx context.Context, st *stores, sz workload.Size, team string, days int, stdout io.Writer) error {
	b, err := newBenchTeam(sz, team)
	if err != nil {
		return err
	}
	if _, err := st.state.Config(ctx, team); depc.ErrorCode(err) == depc.ENOTFOUND {
		t0 := time.Now()
		n, err := b.load(ctx, st)
		if err != nil {
			return fmt.Errorf("bench api: load: %w", err)
		}
		fmt.Fprintf(stdout, "loaded: %d events in %s\n", n, time.Since(t0).Round(time.Millisecond))
	} else if err != nil {
		return err
	} else {
		fmt.Fprintf(stdout, "team %s found: the workload is not loaded again\n", team)
	}
	comp := compute.New(st.graph, st.state, st.plugins.Open)
	defer comp.Close()
	for i := range days {
		day := benchDay(sz, i)
		have, err := st.state.LabelQoS(ctx, team, "Website", day, day)
		if err != nil {
			return err
		}
		if len(have) > 0 {
			continue
		}
		rep, err := comp.Day(ctx, team, day)
		if err != nil {
			return fmt.Errorf("bench api: %s: %w", day, err)
		}
		printReport(stdout, rep)
	}
	return nil
}

func benchDay(sz workload.Size, i int) string {
	return depc.FormatDay(time.Unix(sz.Start, 0).UTC().AddDate(0, 0, i))
}

// benchToken returns a new token of the viewer benchUser of the team,
// creating the user the first time.
func benchToken(ctx context.Context, state depc.StateStore, team string) (string, error) {
	_, token, err := state.CreateUser(ctx, benchUser, false)
	if depc.ErrorCode(err) == depc.ECONFLICT {
		token, err = state.RotateToken(ctx, benchUser)
	}
	if err != nil {
		return "", err
	}
	if _, err := state.SetGrant(ctx, team, benchUser, depc.RoleViewer); err != nil {
		return "", err
	}
	return token, nil
}

// writeTargets writes n requests, "kind<TAB>path" per line, a third of
// each kind, on nodes and days drawn at random (with a fixed seed, so that
// two runs send the same requests):
//   - qos: a Website's or a Customer's daily QoS over 30 days that end
//     with the last computed day;
//   - worst: the worst nodes of a label on a computed day;
//   - dependencies: a Customer's or a Website's direct dependencies during
//     a computed day.
func writeTargets(w io.Writer, sz workload.Size, team string, days int, n int) (int, error) {
	count := func(label string) int {
		for _, l := range sz.Labels {
			if l.Name == label {
				return l.Count
			}
		}
		return 0
	}
	rng := rand.New(rand.NewPCG(1, 2))
	node := func() (string, string) {
		label := []string{"Website", "Customer"}[rng.IntN(2)]
		return label, url.PathEscape(sz.NodeName(label, rng.IntN(count(label))))
	}
	last := benchDay(sz, days-1)
	first := depc.FormatDay(time.Unix(sz.Start, 0).UTC().AddDate(0, 0, days-30))
	bw := bufio.NewWriter(w)
	prefix := "/api/v1/teams/" + team + "/labels/"
	for i := range n {
		switch i % 3 {
		case 0:
			label, name := node()
			fmt.Fprintf(bw, "qos\t%s%s/nodes/%s/qos?start=%s&end=%s\n", prefix, label, name, first, last)
		case 1:
			label := []string{"Website", "Customer", "Filer", "Apache"}[rng.IntN(4)]
			fmt.Fprintf(bw, "worst\t%s%s/worst?day=%s\n", prefix, label, benchDay(sz, rng.IntN(days)))
		case 2:
			label, name := node()
			fmt.Fprintf(bw, "dependencies\t%s%s/nodes/%s/dependencies?day=%s\n", prefix, label, name, benchDay(sz, rng.IntN(days)))
		}
	}
	return n, bw.Flush()
}

// loadResult is what the load generator measured.
type loadResult struct {
	Rate     int                       `json:"rate"`
	Seconds  float64                   `json:"seconds"`
	Requests int                       `json:"requests"`
	Errors   int                       `json:"errors"`
	Samples  []string                  `json:"error_samples"`
	All      latencySummary            `json:"all"`
	Kinds    map[string]latencySummary `json:"kinds"`
}

// latencySummary holds percentiles in milliseconds.
type latencySummary struct {
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
	P50    float64 `json:"p50_ms"`
	P90    float64 `json:"p90_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
}

func summarize(ds []time.Duration, errs int) latencySummary {
	s := latencySummary{Count: len(ds), Errors: errs}
	if len(ds) == 0 {
		return s
	}
	slices.Sort(ds)
	ms := func(q float64) float64 {
		i := min(int(q*float64(len(ds))), len(ds)-1)
		return float64(ds[i].Microseconds()) / 1000
	}
	s.P50, s.P90, s.P99, s.Max = ms(0.50), ms(0.90), ms(0.99), float64(ds[len(ds)-1].Microseconds())/1000
	return s
}

func (r loadResult) print(w io.Writer) {
	fmt.Fprintf(w, "sent %d requests in %.1fs (%.0f/s), %d errors\n", r.Requests, r.Seconds, float64(r.Requests)/r.Seconds, r.Errors)
	line := func(name string, s latencySummary) {
		fmt.Fprintf(w, "  %-13s %6d requests  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  max %8.2f ms  errors %d\n",
			name, s.Count, s.P50, s.P90, s.P99, s.Max, s.Errors)
	}
	for _, k := range []string{"qos", "worst", "dependencies"} {
		if s, ok := r.Kinds[k]; ok {
			line(k, s)
		}
	}
	line("all", r.All)
	verdict := "met"
	if r.All.P99 > 20 || r.Errors > 0 {
		verdict = "missed"
	}
	fmt.Fprintf(w, "target (p99 <= 20 ms, no error): %s\n", verdict)
	for _, s := range r.Samples {
		fmt.Fprintf(w, "  error: %s\n", s)
	}
}

// benchAPILoad sends the requests of a targets file at a fixed rate (an
// open loop: request i starts at i/rate seconds whatever the answers
// before it) and prints a loadResult as JSON. A request's latency runs from
// when it was due, so a server that falls behind is measured as such and
// not hidden by the generator waiting for it.
func benchAPILoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench api-load", "bench api-load --url URL --token T --targets FILE [flags]")
	var (
		base     = fs.String("url", "", "the server's base URL (loopback)")
		token    = fs.String("token", "", "the bearer token")
		rate     = fs.Int("rate", 1000, "requests per second")
		duration = fs.Duration("duration", 30*time.Second, "how long")
		conns    = fs.Int("conns", 256, "at most this many requests in flight")
		file     = fs.String("targets", "", "the file of requests, kind<TAB>path per line")
	)
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return err
	}
	u, err := url.Parse(*base)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("api-load: --url must be an http URL")
	}
	// Loopback only: this is a load test.
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("api-load: --url must be a loopback address, not %q", u.Host)
	}
	if *rate < 1 || *conns < 1 || *duration <= 0 || *duration > time.Hour {
		return fmt.Errorf("api-load: bad --rate, --conns or --duration")
	}
	type target struct{ kind, path string }
	var targets []target
	fh, err := os.Open(*file)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		kind, path, ok := strings.Cut(sc.Text(), "\t")
		if ok {
			targets = append(targets, target{kind, path})
		}
	}
	fh.Close()
	if err := sc.Err(); err != nil {
		return err
	}
	if len(targets) == 0 {
		return fmt.Errorf("api-load: no target in %s", filepath.Base(*file))
	}

	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: *conns, MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns,
			IdleConnTimeout: time.Minute},
	}
	send := func(ctx context.Context, t target) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, *base+t.path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+*token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
		}
		return nil
	}
	// Warm-up: open a connection and prepare the statements of each kind,
	// on requests of the end of the list (not the first ones measured).
	for i := range min(len(targets), 30) {
		_ = send(ctx, targets[len(targets)-1-i])
	}

	var (
		mu      sync.Mutex
		lat     = map[string][]time.Duration{}
		errs    = map[string]int{}
		samples []string
		wg      sync.WaitGroup
	)
	sem := make(chan struct{}, *conns)
	interval := time.Second / time.Duration(*rate)
	total := int(*duration / interval)
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
		}
		sem <- struct{}{}
		t := targets[i%len(targets)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := send(ctx, t)
			d := time.Since(due)
			<-sem
			mu.Lock()
			defer mu.Unlock()
			lat[t.kind] = append(lat[t.kind], d)
			if err != nil {
				errs[t.kind]++
				if len(samples) < 5 {
					samples = append(samples, t.path+": "+err.Error())
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	res := loadResult{Rate: *rate, Seconds: elapsed.Seconds(), Kinds: map[string]latencySummary{}, Samples: samples}
	var all []time.Duration
	for kind, ds := range lat {
		all = append(all, ds...)
		res.Kinds[kind] = summarize(ds, errs[kind])
		res.Requests += len(ds)
		res.Errors += errs[kind]
	}
	res.All = summarize(all, res.Errors)
	if res.Requests == 0 {
		return errors.New("api-load: no request was sent")
	}
	return json.NewEncoder(stdout).Encode(res)
}
