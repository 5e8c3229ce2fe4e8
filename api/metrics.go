package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/qos/budget"
	"github.com/prometheus/client_golang/prometheus"
)

// MetricsNodesPerTeam bounds the nodes with an objective that /metrics
// exports per team: the ones with the lowest remaining budget ratio. A
// team of 100 000 customers would otherwise be a million series; the
// label series sum up the rest (docs/grafana.md gives the series and the
// bound per team).
const MetricsNodesPerTeam = 50

// metricsTTL is how long a team's figures are served before they are
// computed again. They change with a run or a new objective, not from one
// scrape to the next, and computing a large team's budgets takes longer
// than a scrape should, so a stale snapshot is served while a fresh one
// is computed in the background.
const metricsTTL = time.Minute

var (
	descLabelQoS = prometheus.NewDesc("depc_label_qos",
		"QoS (%) of a label, the average of its nodes, on the team's last computed day (yesterday).",
		[]string{"team", "label"}, nil)
	descLabelBudgetRatio = prometheus.NewDesc("depc_label_budget_remaining_ratio",
		"Remaining error budget of a label's nodes with an objective as if they were one: 1 untouched, 0 spent.",
		[]string{"team", "label"}, nil)
	descLabelBudgetNodes = prometheus.NewDesc("depc_label_budget_nodes",
		"Nodes of a label that have a budget.",
		[]string{"team", "label"}, nil)
	descLabelBudgetExhausted = prometheus.NewDesc("depc_label_budget_exhausted_nodes",
		"Nodes of a label whose budget is exhausted (spent more than allowed).",
		[]string{"team", "label"}, nil)
	descNodeQoS = prometheus.NewDesc("depc_node_qos",
		"QoS (%) over its objective's window of a node with an objective (the team's worst budgets only).",
		[]string{"team", "label", "name"}, nil)
	descNodeTarget = prometheus.NewDesc("depc_node_objective_target",
		"Target QoS (%) of the objective that applies to the node.",
		[]string{"team", "label", "name"}, nil)
	descNodeBudgetRatio = prometheus.NewDesc("depc_node_budget_remaining_ratio",
		"Remaining error budget of a node: 1 untouched, 0 spent, below 0 overspent.",
		[]string{"team", "label", "name"}, nil)
	descNodeBudgetRemaining = prometheus.NewDesc("depc_node_budget_remaining_seconds",
		"Remaining error budget of a node, in seconds (negative once exhausted).",
		[]string{"team", "label", "name"}, nil)
	descNodeBudgetSpent = prometheus.NewDesc("depc_node_budget_spent_seconds",
		"KO seconds of a node over its objective's window.",
		[]string{"team", "label", "name"}, nil)
	descNodeBurnRate = prometheus.NewDesc("depc_node_burn_rate",
		"Burn rate of a node's budget over a lookback (1h, 6h, 1d, 3d): 1 spends the budget exactly by the window's end.",
		[]string{"team", "label", "name", "lookback"}, nil)
	descRunStatus = prometheus.NewDesc("depc_last_run_status",
		"1 for the status of the team's last run (queued, running, succeeded, failed), 0 for the others.",
		[]string{"team", "status"}, nil)
	descRunFinished = prometheus.NewDesc("depc_last_run_finished_timestamp_seconds",
		"When the team's last finished run finished (Unix seconds).",
		[]string{"team"}, nil)
	descRunDuration = prometheus.NewDesc("depc_last_run_duration_seconds",
		"How long the team's last finished run took, from its start.",
		[]string{"team"}, nil)
	descRunDays = prometheus.NewDesc("depc_last_run_days",
		"Days the team's last run computes.",
		[]string{"team"}, nil)
	descScrapeErrors = prometheus.NewDesc("depc_metrics_errors",
		"1 when the team's figures could not all be read at the last refresh.",
		[]string{"team"}, nil)
)

var runStatuses = []depc.RunStatus{depc.RunQueued, depc.RunRunning, depc.RunSucceeded, depc.RunFailed}

// domainMetrics exports what depc measures (labels, budgets, runs) to
// Prometheus, per team, with a bounded number of series per team.
type domainMetrics struct {
	state   State
	budgets *objective.Budgets
	now     func() time.Time
	log     *slog.Logger

	mu         sync.Mutex
	snap       []prometheus.Metric
	at         time.Time
	refreshing bool
	// warming is closed when the first snapshot, started by warm, is
	// stored; nil when warm was not called.
	warming chan struct{}
	// life is the serving process's context (warm's): background
	// refreshes end with it. Without warm they run on their own timeout.
	life context.Context
}

func newDomainMetrics(state State, budgets *objective.Budgets, now func() time.Time, log *slog.Logger) *domainMetrics {
	return &domainMetrics{state: state, budgets: budgets, now: now, log: log}
}

// Describe sends every descriptor.
func (m *domainMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLabelQoS, descLabelBudgetRatio, descLabelBudgetNodes,
		descLabelBudgetExhausted, descNodeQoS, descNodeTarget, descNodeBudgetRatio,
		descNodeBudgetRemaining, descNodeBudgetSpent, descNodeBurnRate, descRunStatus,
		descRunFinished, descRunDuration, descRunDays, descScrapeErrors} {
		ch <- d
	}
}

// warm computes the first snapshot in the background: a large team's
// budgets take about a second, which the first scrape after a start would
// otherwise wait for.
func (m *domainMetrics) warm(ctx context.Context) <-chan struct{} {
	m.mu.Lock()
	if m.warming != nil {
		defer m.mu.Unlock()
		return m.warming
	}
	if m.snap != nil {
		m.mu.Unlock()
		return closed
	}
	done := make(chan struct{})
	m.warming, m.refreshing, m.life = done, true, ctx
	m.mu.Unlock()
	go func() {
		defer close(done)
		m.refresh(ctx)
	}()
	return done
}

// refresh computes the figures and serves them from now on, unless life
// ends meanwhile: a stopping process keeps serving what it had rather
// than figures cut short.
func (m *domainMetrics) refresh(life context.Context) {
	ctx, cancel := context.WithTimeout(life, 5*time.Minute)
	defer cancel()
	snap := m.compute(ctx)
	if life.Err() != nil {
		m.mu.Lock()
		m.refreshing = false
		m.mu.Unlock()
		return
	}
	m.store(snap)
}

// closed is a channel that is closed.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Collect sends the last snapshot: computed now when there is none (or
// awaited, while warm computes the first), else refreshed in the
// background once older than metricsTTL.
func (m *domainMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	snap, at, warming := m.snap, m.at, m.warming
	if snap != nil && m.now().Sub(at) >= metricsTTL && !m.refreshing {
		m.refreshing = true
		life := m.life
		if life == nil {
			life = context.Background()
		}
		go m.refresh(life)
	}
	m.mu.Unlock()
	if snap == nil && warming != nil {
		select {
		case <-warming:
		case <-time.After(time.Minute):
		}
		m.mu.Lock()
		snap = m.snap
		m.mu.Unlock()
	}
	if snap == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		snap = m.compute(ctx)
		cancel()
		m.store(snap)
	}
	for _, x := range snap {
		ch <- x
	}
}

func (m *domainMetrics) store(snap []prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snap, m.at, m.refreshing = snap, m.now(), false
}

// compute reads every team's figures.
func (m *domainMetrics) compute(ctx context.Context) []prometheus.Metric {
	teams, err := m.state.Teams(ctx)
	if err != nil {
		m.log.Warn("metrics: teams not read", "error", err)
		return []prometheus.Metric{}
	}
	out := []prometheus.Metric{}
	for _, t := range teams {
		var failed float64
		if err := m.team(ctx, t, &out); err != nil {
			m.log.Warn("metrics: team not read in full", "team", t.Name, "error", err)
			failed = 1
		}
		out = append(out, prometheus.MustNewConstMetric(descScrapeErrors, prometheus.GaugeValue, failed, t.Name))
	}
	return out
}

// team appends one team's series: at most (1 + 3) per label,
// MetricsNodesPerTeam × (5 + 4) for nodes and 7 for its last run.
func (m *domainMetrics) team(ctx context.Context, t depc.Team, out *[]prometheus.Metric) error {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		*out = append(*out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}

	runs, err := m.state.Runs(ctx, t.Name, 1)
	keep(err)
	if len(runs) > 0 {
		r := runs[0]
		for _, st := range runStatuses {
			v := 0.0
			if r.Status == st {
				v = 1
			}
			gauge(descRunStatus, v, t.Name, string(st))
		}
		gauge(descRunDays, float64(len(r.Days)), t.Name)
		if r.FinishedAt != nil {
			gauge(descRunFinished, float64(*r.FinishedAt), t.Name)
			if r.StartedAt != nil {
				gauge(descRunDuration, float64(*r.FinishedAt-*r.StartedAt), t.Name)
			}
		}
	}

	today, _, err := compute.Today(m.now(), t.Timezone)
	if err != nil {
		return err
	}
	yesterday, err := depc.AddDays(today, -1)
	if err != nil {
		return err
	}
	labels, err := m.state.TeamQoS(ctx, t.Name, yesterday, yesterday)
	keep(err)
	for _, l := range labels {
		if l.QoS != nil {
			gauge(descLabelQoS, *l.QoS, t.Name, l.Label)
		}
	}

	tb, err := m.budgets.Team(ctx, t.Name, objective.Options{})
	if err != nil {
		keep(err)
		return firstErr
	}
	for _, l := range tb.Labels {
		if r, ok := l.RemainingRatio(); ok {
			gauge(descLabelBudgetRatio, r, t.Name, l.Label)
		}
		gauge(descLabelBudgetNodes, float64(l.Nodes), t.Name, l.Label)
		gauge(descLabelBudgetExhausted, float64(l.Exhausted), t.Name, l.Label)
	}
	for _, n := range objective.Worst(tb.Nodes, MetricsNodesPerTeam) {
		k, b := n.Key, n.Budget
		gauge(descNodeTarget, n.Objective.Target, t.Name, k.Label, k.Name)
		if b.QoS.Valid {
			gauge(descNodeQoS, b.QoS.Value, t.Name, k.Label, k.Name)
		}
		if r, ok := b.RemainingRatio(); ok {
			gauge(descNodeBudgetRatio, r, t.Name, k.Label, k.Name)
		}
		gauge(descNodeBudgetRemaining, b.Remaining, t.Name, k.Label, k.Name)
		gauge(descNodeBudgetSpent, float64(b.Spent), t.Name, k.Label, k.Name)
		for i, burn := range b.Burn {
			if burn.Valid {
				gauge(descNodeBurnRate, burn.Rate, t.Name, k.Label, k.Name, budget.LookbackNames[i])
			}
		}
	}
	return firstErr
}
