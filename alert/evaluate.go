package alert

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/objective"
)

// State is what an Evaluator reads and writes: the teams, the seconds of
// their latest day (ObjectiveStore.LabelSeconds), and the alerts.
type State interface {
	depc.TeamStore
	depc.ObjectiveStore
	depc.AlertStore
}

// Budgets computes a team's budgets (*objective.Budgets).
type Budgets interface {
	Team(ctx context.Context, team string, opts objective.Options) (objective.TeamBudgets, error)
}

// Evaluator records the changes of a team's alerts: it compares what the
// rules want firing with the states the store holds. It is safe for
// concurrent use.
type Evaluator struct {
	state   State
	budgets Budgets
	// Now is the clock (default time.Now); the Budgets should share it.
	Now func() time.Time
	// Live measures today for the burn rates (objective.Options.Live):
	// without it they look back from the start of today.
	Live bool
	// Refresh is how often a firing alert is sent again to the
	// Alertmanagers (default 1 h), which resolve an alert that is not.
	Refresh time.Duration
	// LookBack is how many days before today the latest computed day is
	// looked for (default 3): an alert on a day stays as it is until the
	// nightly run computed the next one.
	LookBack int
	Log      *slog.Logger

	mu sync.Mutex
	// refreshed is the last refresh slot queued per team and alert, so
	// that a firing alert is not queued again at every evaluation (the
	// store would refuse it anyway: this saves the write).
	refreshed map[[2]string]int64
}

// NewEvaluator returns an Evaluator of state with budgets.
func NewEvaluator(state State, budgets Budgets) *Evaluator {
	return &Evaluator{state: state, budgets: budgets, Now: time.Now, Live: true, Refresh: time.Hour, LookBack: 3,
		Log: slog.New(slog.DiscardHandler), refreshed: map[[2]string]int64{}}
}

// Changes counts what an evaluation recorded.
type Changes struct {
	// Fired and Resolved are the state changes this evaluation recorded;
	// Lost those another process recorded first (ECONFLICT).
	Fired, Resolved, Lost int
	// Refreshed is how many deliveries of firing alerts were queued again.
	Refreshed int
}

func (c *Changes) add(o Changes) {
	c.Fired += o.Fired
	c.Resolved += o.Resolved
	c.Lost += o.Lost
	c.Refreshed += o.Refreshed
}

// Any reports whether deliveries may have been queued.
func (c Changes) Any() bool { return c.Fired+c.Resolved+c.Refreshed > 0 }

// All evaluates every team that has a receiver. A team that fails is
// logged and the others go on; the error is the first one.
func (e *Evaluator) All(ctx context.Context) (Changes, error) {
	var total Changes
	teams, err := e.state.Teams(ctx)
	if err != nil {
		return total, err
	}
	var first error
	for _, t := range teams {
		c, err := e.Team(ctx, t.Name)
		total.add(c)
		if err != nil && depc.ErrorCode(err) != depc.ENOTFOUND {
			e.Log.Warn("alerts: evaluation failed", "team", t.Name, "error", err)
			if first == nil {
				first = err
			}
		}
		if ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
	return total, first
}

// Team evaluates one team. A team without receivers is left alone: its
// alerts would go nowhere, and its budgets cost a run's reads.
func (e *Evaluator) Team(ctx context.Context, team string) (Changes, error) {
	var ch Changes
	receivers, err := e.state.AlertReceivers(ctx, team)
	if err != nil || len(receivers) == 0 {
		return ch, err
	}
	t, err := e.state.Team(ctx, team)
	if err != nil {
		return ch, err
	}
	tb, err := e.budgets.Team(ctx, team, objective.Options{Live: e.Live})
	if err != nil {
		return ch, err
	}
	in := Team{Name: team, Budgets: tb.Nodes}
	in.Day, in.Seconds, err = e.latestDay(ctx, t, tb.Nodes)
	if err != nil {
		return ch, err
	}
	current, err := e.state.Alerts(ctx, team)
	if err != nil {
		return ch, err
	}
	now := e.Now().Unix()
	var all, ams []string
	for _, r := range receivers {
		all = append(all, r.Name)
		if r.Type == depc.ReceiverAlertmanager {
			ams = append(ams, r.Name)
		}
	}
	byID := make(map[string]depc.Alert, len(current))
	for _, a := range current {
		byID[a.ID] = a
	}
	record := func(next depc.Alert, counter *int) error {
		_, err := e.state.ChangeAlert(ctx, team, next, all)
		switch depc.ErrorCode(err) {
		case "":
			*counter++
			e.Log.Info("alert changed", "team", team, "alert", next.ID, "firing", next.Firing, "seq", next.Seq)
			return nil
		case depc.ECONFLICT:
			ch.Lost++
			return nil
		}
		return err
	}
	wanted := Rules(in)
	want := make(map[string]bool, len(wanted))
	for _, w := range wanted {
		want[w.ID] = true
		cur, ok := byID[w.ID]
		if ok && cur.Firing {
			n, err := e.refresh(ctx, team, cur, now, ams)
			if err != nil {
				return ch, err
			}
			ch.Refreshed += n
			continue
		}
		next := depc.Alert{ID: w.ID, Seq: cur.Seq + 1, Firing: true, StartsAt: now, Labels: w.Labels, Annotations: w.Annotations}
		if err := record(next, &ch.Fired); err != nil {
			return ch, err
		}
	}
	for _, cur := range current {
		if !cur.Firing || want[cur.ID] {
			continue
		}
		next := cur
		next.Seq++
		next.Firing, next.EndsAt = false, max(now, cur.StartsAt)
		if err := record(next, &ch.Resolved); err != nil {
			return ch, err
		}
	}
	return ch, nil
}

// refresh queues a firing alert again for the Alertmanagers once per
// Refresh period after the one it started in.
func (e *Evaluator) refresh(ctx context.Context, team string, a depc.Alert, now int64, ams []string) (int, error) {
	period := int64(max(e.Refresh/time.Second, 1))
	slot := now / period
	if len(ams) == 0 || slot <= a.StartsAt/period {
		return 0, nil
	}
	key := [2]string{team, a.ID}
	e.mu.Lock()
	done := e.refreshed[key] >= slot
	e.mu.Unlock()
	if done {
		return 0, nil
	}
	n, err := e.state.QueueAlertRefresh(ctx, team, a.ID, a.Seq, slot, now, ams)
	if err != nil {
		return 0, err
	}
	e.mu.Lock()
	e.refreshed[key] = slot
	e.mu.Unlock()
	return n, nil
}

// latestDay finds the team's latest computed day among the LookBack days
// before today, and the seconds of the nodes of the budgets' labels that
// day. One read per label: LabelSeconds calls back once per day that has
// results, so its last call is the latest day.
func (e *Evaluator) latestDay(ctx context.Context, t depc.Team, nodes []objective.NodeBudget) (string, map[depc.NodeKey]depc.NodeSeconds, error) {
	labels := map[string]bool{}
	for _, n := range nodes {
		labels[n.Key.Label] = true
	}
	if len(labels) == 0 {
		return "", nil, nil
	}
	today, _, err := compute.Today(e.Now(), t.Timezone)
	if err != nil {
		return "", nil, err
	}
	last, err := depc.AddDays(today, -1)
	if err != nil {
		return "", nil, err
	}
	first, err := depc.AddDays(today, -max(e.LookBack, 1))
	if err != nil {
		return "", nil, err
	}
	day := ""
	seconds := map[depc.NodeKey]depc.NodeSeconds{}
	for _, label := range slices.Sorted(maps.Keys(labels)) {
		var latest string
		var ns []depc.NodeSeconds
		err := e.state.LabelSeconds(ctx, t.Name, label, first, last, func(d string, nodes []depc.NodeSeconds) error {
			latest, ns = d, append(ns[:0], nodes...)
			return nil
		})
		if err != nil {
			return "", nil, err
		}
		if latest > day {
			// Results are written a day at a time for every label: a
			// later day seen only now means the earlier labels' day
			// is not the latest (a run finished during the reads).
			day = latest
			clear(seconds)
		}
		if latest != day {
			continue
		}
		for _, n := range ns {
			seconds[depc.NodeKey{Label: label, Name: n.Name}] = n
		}
	}
	return day, seconds, nil
}
