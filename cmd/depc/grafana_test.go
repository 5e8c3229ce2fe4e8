package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc/deploy/grafana"
	"github.com/depc-dev/depc/internal/testenv"
)

// TestGrafanaDashboards loads deploy/grafana's dashboards and runs each
// panel's PromQL query against a real Prometheus, started here on its own
// port, that scrapes a real `depc serve --demo`: every query must return
// data. The shared dev Prometheus (deploy/dev/prometheus) is not touched:
// only its binary is used.
func TestGrafanaDashboards(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv(testenv.Require) == "1" {
			t.Fatalf("prometheus is not installed and %s=1: deploy/dev/prometheus start installs it", testenv.Require)
		}
		t.Skipf("prometheus is not installed (deploy/dev/prometheus start installs it; DEPC_REQUIRE_SERVICES=1 fails instead)")
	}
	s := startServe(t, "--demo", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	target := strings.TrimPrefix(s.url, "http://")

	dir := t.TempDir()
	config := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: depc\n    static_configs:\n      - targets: [%q]\n", target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	logf, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	promURL := "http://" + addr
	promLog := func() string { b, _ := os.ReadFile(filepath.Join(dir, "prometheus.log")); return string(b) }

	type query struct{ dashboard, panel, expr string }
	var queries []query
	for _, name := range grafana.Names {
		raw, err := grafana.Dashboard(name)
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(d.Panels) == 0 {
			t.Fatalf("%s: no panel", name)
		}
		for _, p := range d.Panels {
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", name, p.Title)
			}
			for _, tg := range p.Targets {
				// Grafana's variables: the demo team for $team (a
				// regex for the overview's multi-value one).
				expr := strings.NewReplacer("$team", "acme").Replace(tg.Expr)
				queries = append(queries, query{name, p.Title, expr})
			}
		}
	}

	// Each query must return data once Prometheus has scraped depc:
	// retried until then (a minute at most).
	deadline := time.Now().Add(90 * time.Second)
	for _, q := range queries {
		for {
			n, err := promQuery(promURL, q.expr)
			if err == nil && n > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s, panel %q: %s returned %d series (%v)\nprometheus log:\n%s", q.dashboard, q.panel, q.expr, n, err, promLog())
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	s.stop()
}

// promQuery runs an instant query and returns how many series it found.
func promQuery(base, expr string) (int, error) {
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var ans struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return 0, fmt.Errorf("%s: %s", resp.Status, body)
	}
	if ans.Status != "success" {
		return 0, fmt.Errorf("%s: %s", resp.Status, ans.Error)
	}
	return len(ans.Data.Result), nil
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
