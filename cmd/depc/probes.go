package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/depc-dev/depc/api"
	"github.com/prometheus/client_golang/prometheus"
)

// Every process listens on addr: `depc serve` and `depc api` serve the API
// and the UI there, `depc consume` and `depc schedule` only /healthz,
// /readyz and /metrics, so that an orchestrator probes every part the same
// way (`depc healthcheck` in a container, /healthz and /readyz in
// Kubernetes) and Prometheus scrapes each of them.

// probes is the handler of a process without the API: the API's probes
// over its stores, and its metrics.
func probes(cfg Config, st *stores, reg *prometheus.Registry, log *slog.Logger, degraded func() []string) http.Handler {
	return api.Probes(api.Config{MetricsToken: cfg.API.MetricsToken}, api.Deps{
		Graph: st.graph, State: st.state, Gatherer: reg, Registerer: reg, Logger: log, Degraded: degraded,
	})
}

// listen opens the address of a process before it touches the stores, so
// that one that cannot listen stops at once.
func listen(command, addr string, api bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case err == nil:
		return ln, nil
	case api:
		return nil, fmt.Errorf("addr: %w", err)
	}
	return nil, fmt.Errorf("addr: %w (depc %s serves /healthz, /readyz and /metrics there; next to another depc process on this machine it needs an address of its own: --addr or DEPC_ADDR)", err, command)
}

// serveHTTP serves h on ln until shutdown is called; an error of the server
// goes to fail, under the name of the part.
func serveHTTP(part string, ln net.Listener, h http.Handler, wg *sync.WaitGroup, fail func(part string, err error)) (shutdown func()) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			fail(part, err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
}
