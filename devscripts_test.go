package depc_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/depc-dev/depc/internal/testenv"
)

// lib runs a function of deploy/dev/lib.sh and reports its exit status and
// output.
func lib(t *testing.T, script string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", "-c", ". deploy/dev/lib.sh; "+script)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// sleeper starts an unrelated long-lived process: a pid that is alive but is
// not the server, as a stale pid file names after pids are reused.
func sleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

func TestDevLibOwnsPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	me := os.Getpid()
	other := sleeper(t).Process.Pid

	out, err := lib(t, fmt.Sprintf("listening_pids %d", port))
	if err != nil || strings.TrimSpace(out) != fmt.Sprint(me) {
		t.Errorf("listening_pids %d = %q, %v; want %d", port, out, err, me)
	}
	if out, err := lib(t, fmt.Sprintf("owns_port %d %d", me, port)); err != nil {
		t.Errorf("owns_port(test process) failed: %v %s", err, out)
	}
	if _, err := lib(t, fmt.Sprintf("owns_port %d %d", other, port)); err == nil {
		t.Errorf("owns_port(unrelated pid %d) succeeded for a port the test process holds", other)
	}
	// A child of the holder does not hold the port; the holder descends
	// from its own parent, so a launcher that forks the server owns it.
	if _, err := lib(t, fmt.Sprintf("descends_from %d %d", other, me)); err != nil {
		t.Errorf("descends_from(child, test process) failed")
	}
	if _, err := lib(t, fmt.Sprintf("descends_from %d %d", me, other)); err == nil {
		t.Errorf("descends_from(test process, child) succeeded")
	}
	ln.Close()
	if _, err := lib(t, fmt.Sprintf("owns_port %d %d", me, port)); err == nil {
		t.Errorf("owns_port succeeded for a closed port")
	}
}

// TestDevScriptsRefuseAnotherServer starts each deploy/dev service with a
// fresh state directory on the port where the real one already answers, and
// with a stale pid file naming a live unrelated process: the script must
// fail loudly, never report the other server as its own, and never kill the
// process its pid file names.
func TestDevScriptsRefuseAnotherServer(t *testing.T) {
	cases := []struct {
		name, env string
		portVars  func(addr string) []string
		pidFiles  []string
	}{
		{"kafka", testenv.KafkaBrokers, func(addr string) []string {
			_, p, _ := net.SplitHostPort(strings.Split(addr, ",")[0])
			return []string{"DEPC_KAFKA_PORT=" + p}
		}, []string{"kafka/kafka.pid"}},
		{"neo4j", testenv.Neo4jURI, func(addr string) []string {
			u, _ := url.Parse(addr)
			return []string{"DEPC_NEO4J_PORT=" + u.Port()}
		}, []string{"neo4j/neo4j.pid"}},
		{"prometheus", testenv.PrometheusURL, func(addr string) []string {
			u, _ := url.Parse(addr)
			return []string{"DEPC_PROMETHEUS_PORT=" + u.Port()}
		}, []string{"prometheus/prometheus.pid"}},
		{"postgres", testenv.PostgresURL, func(addr string) []string {
			u, _ := url.Parse(addr)
			return []string{"DEPC_POSTGRES_PORT=" + u.Port()}
		}, []string{"postgres/postgres.pid"}},
		{"alertmanager", testenv.AlertmanagerURL, func(addr string) []string {
			u, _ := url.Parse(addr)
			return []string{"DEPC_ALERTMANAGER_PORT=" + u.Port()}
		}, []string{"alertmanager/alertmanager.pid"}},
		{"influxdb", testenv.InfluxDBURL, func(addr string) []string {
			u, _ := url.Parse(addr)
			return []string{"DEPC_INFLUXDB_PORT=" + u.Port()}
		}, []string{"influxdb/influxdb.pid"}},
		{"victoriametrics", testenv.VictoriaMetricsURL, func(addr string) []string {
			u, _ := url.Parse(addr)
			return []string{"DEPC_VICTORIAMETRICS_PORT=" + u.Port()}
		}, []string{"victoriametrics/victoriametrics.pid"}},
		// HBase's and the TSD's pid files name the same stale process: the
		// script must take neither for its own.
		{"opentsdb", testenv.OpenTSDBURL, func(addr string) []string {
			u, _ := url.Parse(addr)
			return []string{"DEPC_OPENTSDB_PORT=" + u.Port()}
		}, []string{"opentsdb/tsd.pid", "opentsdb/hbase.pid"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			addr := testenv.RequireService(t, c.env)
			dir := t.TempDir()
			stale := sleeper(t)
			for _, f := range c.pidFiles {
				if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), []byte(fmt.Sprintln(stale.Process.Pid)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			run := func(verb string) (string, int) {
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, "deploy/dev/"+c.name, verb)
				cmd.Env = append(append(os.Environ(), "DEPC_DEV_DIR="+dir), c.portVars(addr)...)
				out, err := cmd.CombinedOutput()
				code := 0
				if err != nil {
					code = -1
					if ee, ok := err.(*exec.ExitError); ok {
						code = ee.ExitCode()
					}
				}
				return string(out), code
			}
			out, code := run("start")
			if code == 0 {
				t.Errorf("start succeeded although another server holds the port:\n%s", out)
			}
			if !strings.Contains(out, "taken") && !strings.Contains(out, "held by") && !strings.Contains(out, "answers") {
				t.Errorf("start did not say who holds the port:\n%s", out)
			}
			if out, code := run("status"); code == 0 {
				t.Errorf("status reports another server as its own:\n%s", out)
			}
			run("stop")
			if err := stale.Process.Signal(syscall.Signal(0)); err != nil {
				t.Errorf("stop killed pid %d, which the stale pid file named but is not the server", stale.Process.Pid)
			}
		})
	}
}
