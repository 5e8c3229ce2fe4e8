package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
)

// TestDomainMetrics: /metrics exports the tutorial's label averages, the
// budgets and burn rates of the nodes with an objective, and the last run's
// status, each series labelled by team.
func TestDomainMetrics(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	e.setNow(time.Unix(tutorialStart+86400+6*3600, 0)) // 2020-07-30 06:00 UTC
	e.call("PUT", "/teams/acme/labels/Website/objective", map[string]any{"target": 99, "window": "rolling_7d"}, http.StatusOK, nil)

	r := e.do(request{method: "GET", path: "/metrics", token: tok("")})
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", r.Status, r.Body)
	}
	body := string(r.Body)
	for _, want := range []string{
		`depc_label_qos{label="Website",team="acme"}`,
		`depc_label_qos{label="Filer",team="acme"}`,
		`depc_label_budget_remaining_ratio{label="Website",team="acme"}`,
		`depc_label_budget_nodes{label="Website",team="acme"} 2`,
		`depc_node_objective_target{label="Website",name="foo.com",team="acme"} 99`,
		`depc_node_qos{label="Website",name="bar.com",team="acme"}`,
		`depc_node_budget_remaining_ratio{label="Website",name="foo.com",team="acme"}`,
		`depc_node_budget_remaining_seconds{label="Website",name="foo.com",team="acme"}`,
		`depc_node_budget_spent_seconds{label="Website",name="foo.com",team="acme"}`,
		`depc_node_burn_rate{label="Website",lookback="1d",name="foo.com",team="acme"}`,
		`depc_last_run_status{status="succeeded",team="acme"} 1`,
		`depc_last_run_status{status="failed",team="acme"} 0`,
		`depc_last_run_days{team="acme"} 1`,
		`depc_last_run_duration_seconds{team="acme"}`,
		`depc_metrics_errors{team="acme"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Nodes without an objective have no node series.
	if strings.Contains(body, `name="filer1"`) {
		t.Errorf("/metrics exports filer1, which has no objective")
	}
}

// TestMetricsWarm: after WarmMetrics the first scrape is served from the
// figures computed at start, not computed when it arrives: an objective set
// in between is not in it (it is after the next refresh).
func TestMetricsWarm(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	e.setNow(time.Unix(tutorialStart+86400+6*3600, 0))
	select {
	case <-e.api.WarmMetrics(e.ctx):
	case <-time.After(time.Minute):
		t.Fatal("the warm-up did not end within a minute")
	}
	e.call("PUT", "/teams/acme/labels/Website/objective", map[string]any{"target": 99, "window": "rolling_7d"}, http.StatusOK, nil)
	scrape := func() string {
		r := e.do(request{method: "GET", path: "/metrics", token: tok("")})
		if r.Status != http.StatusOK {
			t.Fatalf("GET /metrics: %d %s", r.Status, r.Body)
		}
		return string(r.Body)
	}
	body := scrape()
	if !strings.Contains(body, `depc_label_qos{label="Website",team="acme"}`) {
		t.Errorf("the first scrape lacks the label QoS computed at start:\n%s", body)
	}
	if strings.Contains(body, "depc_node_objective_target") {
		t.Errorf("the first scrape has an objective set after the warm-up: it was computed again")
	}
	// Once the snapshot is older than its TTL, a scrape refreshes it in the
	// background; a later one has the objective.
	e.setNow(time.Unix(tutorialStart+86400+7*3600, 0))
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(scrape(), `depc_node_objective_target{label="Website",name="foo.com",team="acme"} 99`) {
		if time.Now().After(deadline) {
			t.Fatal("the objective never reached /metrics after the snapshot's TTL")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMetricsStopping: once the serving process's context has ended, a
// scrape past the TTL refreshes nothing: the figures served stay those
// it had, not figures cut short by the cancelled context.
func TestMetricsStopping(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	e.setNow(time.Unix(tutorialStart+86400+6*3600, 0))
	ctx, stop := context.WithCancel(e.ctx)
	<-e.api.WarmMetrics(ctx)
	stop()
	e.call("PUT", "/teams/acme/labels/Website/objective", map[string]any{"target": 99, "window": "rolling_7d"}, http.StatusOK, nil)
	e.setNow(time.Unix(tutorialStart+86400+7*3600, 0))
	for range 5 {
		r := e.do(request{method: "GET", path: "/metrics", token: tok("")})
		body := string(r.Body)
		if !strings.Contains(body, `depc_label_qos{label="Website",team="acme"}`) {
			t.Fatalf("a scrape after the stop lost the figures it had:\n%s", body)
		}
		if strings.Contains(body, "depc_node_objective_target") {
			t.Fatal("a refresh ran after the process's context ended")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMetricsNodesBound: the node series of a team are bounded whatever
// its size.
func TestMetricsNodesBound(t *testing.T) {
	if api.MetricsNodesPerTeam <= 0 || api.MetricsNodesPerTeam > 100 {
		t.Errorf("MetricsNodesPerTeam = %d", api.MetricsNodesPerTeam)
	}
}

// TestExportGrafana: the team's dashboard is the team dashboard of
// deploy/grafana with the team filled in.
func TestExportGrafana(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	r := e.call("GET", "/teams/acme/export/grafana", nil, http.StatusOK, nil)
	var d struct {
		UID        string `json:"uid"`
		Title      string `json:"title"`
		Panels     []any  `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(r.Body, &d); err != nil {
		t.Fatal(err)
	}
	if d.UID != "depc-team-acme" || !strings.Contains(d.Title, "acme") || len(d.Panels) == 0 {
		t.Errorf("dashboard uid %q title %q, %d panels", d.UID, d.Title, len(d.Panels))
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		if v.Name == "team" && v.Query != "acme" {
			t.Errorf("team variable query %v", v.Query)
		}
	}
	if vars["team"] != "constant" || vars["datasource"] != "datasource" {
		t.Errorf("variables %v", vars)
	}
	e.wantError(request{method: "GET", path: "/teams/nope/export/grafana"}, http.StatusNotFound, depc.ENOTFOUND)
}
