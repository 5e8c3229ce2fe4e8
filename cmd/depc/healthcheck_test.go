package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestProbeURL(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{":8080", "http://127.0.0.1:8080/healthz"},
		{"0.0.0.0:8080", "http://127.0.0.1:8080/healthz"},
		{"[::]:8080", "http://[::1]:8080/healthz"},
		{"127.0.0.1:9000", "http://127.0.0.1:9000/healthz"},
		{"depc-api:80", "http://depc-api:80/healthz"},
	} {
		got, err := probeURL(c.addr, "/healthz")
		if err != nil || got != c.want {
			t.Errorf("probeURL(%q) = %q, %v; want %q", c.addr, got, err, c.want)
		}
	}
	if _, err := probeURL("8080", "/healthz"); err == nil || !strings.Contains(err.Error(), `addr "8080"`) {
		t.Errorf("probeURL(8080): %v, want an error naming the addr", err)
	}
}

// TestHealthcheck: `depc healthcheck` succeeds on a 200 and fails on
// anything else, saying what the process answered; without --addr it
// probes the addr of the configuration (DEPC_ADDR).
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, `{"path": "`+r.URL.Path+`"}`)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	check := func(args ...string) (string, error) {
		var stdout, stderr strings.Builder
		err := run(context.Background(), append([]string{"healthcheck"}, args...), &stdout, &stderr)
		return stdout.String(), err
	}
	if out, err := check("--addr", addr); err != nil || !strings.Contains(out, `"/healthz"`) {
		t.Errorf("healthcheck of a live process: %v, stdout %q", err, out)
	}
	if out, err := check("--addr", addr, "--ready"); err != nil || !strings.Contains(out, `"/readyz"`) {
		t.Errorf("healthcheck --ready: %v, stdout %q", err, out)
	}
	t.Setenv("DEPC_ADDR", addr)
	if _, err := check(); err != nil {
		t.Errorf("healthcheck of DEPC_ADDR: %v", err)
	}
	status = http.StatusServiceUnavailable
	if _, err := check("--ready"); err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), `"/readyz"`) {
		t.Errorf("healthcheck of an unready process: %v, want the status and the body", err)
	}
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if _, err := check("--addr", closed); err == nil {
		t.Errorf("healthcheck of %s, where nothing listens: success", closed)
	}
	t.Setenv("DEPC_LOG_LEVEL", "loud")
	if _, err := check(); err == nil || !strings.Contains(err.Error(), "log_level") {
		t.Errorf("healthcheck with a bad configuration: %v, want the configuration's error", err)
	}
}

// TestScheduleServesProbes: `depc schedule`, which has no API, answers
// /healthz, /readyz and /metrics on its addr, so that `depc healthcheck`
// and Kubernetes probe it like the API, and stops cleanly.
func TestScheduleServesProbes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"schedule", "--data", t.TempDir(), "--addr", "127.0.0.1:0"}, stdout, stderr)
	}()
	line := regexp.MustCompile(`probes and metrics at (http://\S+)\)`)
	var base string
	for deadline := time.Now().Add(time.Minute); base == ""; {
		if m := line.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("depc schedule ended: %v\nstderr:\n%s", err, stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("depc schedule did not say where it listens:\n%s\nstderr:\n%s", stdout, stderr)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--addr", u.Host}, {"--addr", u.Host, "--ready"}} {
		var out, errOut strings.Builder
		if err := run(ctx, append([]string{"healthcheck"}, args...), &out, &errOut); err != nil {
			t.Errorf("depc healthcheck %s: %v", strings.Join(args, " "), err)
		}
	}
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "go_goroutines") {
		t.Errorf("GET /metrics of depc schedule: %d\n%.300s", res.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("depc schedule returned %v after its context ended\nstderr:\n%s", err, stderr)
		}
	case <-time.After(time.Minute):
		t.Fatal("depc schedule did not stop")
	}
}

// TestProbesAddressTaken: a process without the API whose address is taken
// (by a `depc serve` on the same machine) stops at once, saying that it
// needs an address of its own.
func TestProbesAddressTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var stdout, stderr strings.Builder
	err = run(context.Background(), []string{"schedule", "--data", t.TempDir(), "--addr", taken.Addr().String()}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "address already in use") || !strings.Contains(err.Error(), "address of its own") {
		t.Errorf("schedule on a taken address: %v", err)
	}
}
