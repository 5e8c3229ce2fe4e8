package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/scheduler"
)

// The demo is the original DepC tutorial: team acme, an offer served by two
// websites, each on a filer and an Apache server whose ping the Fake source
// generates.
const (
	demoTeam   = "acme"
	demoSource = "Fake"
	demoCheck  = "Server Ping"
	demoRule   = "Servers"
	demoDays   = 7
)

// demoGraph is the tutorial graph: parent → children.
var demoGraph = []struct {
	parent   depc.NodeKey
	children []depc.NodeKey
}{
	{depc.NodeKey{Label: "Offer", Name: "premium"}, []depc.NodeKey{{Label: "Website", Name: "foo.com"}, {Label: "Website", Name: "bar.com"}}},
	{depc.NodeKey{Label: "Website", Name: "foo.com"}, []depc.NodeKey{{Label: "Filer", Name: "filer1"}, {Label: "Apache", Name: "apache1"}}},
	{depc.NodeKey{Label: "Website", Name: "bar.com"}, []depc.NodeKey{{Label: "Filer", Name: "filer2"}, {Label: "Apache", Name: "apache2"}}},
}

const demoConfig = `{
  "Apache":  {"qos": "rule.Servers"},
  "Filer":   {"qos": "rule.Servers"},
  "Website": {"qos": "operation.AND[Filer, Apache]"},
  "Offer":   {"qos": "aggregation.AVERAGE[Website]"}
}`

// demoObjectives are the demo's objectives (docs/objectives.md).
var demoObjectives = []depc.Objective{
	{Label: "Website", Target: 99, Window: "rolling_7d"},
	{Label: "Website", Name: "foo.com", Target: 99.5, Window: "calendar_month"},
}

// loadDemo creates (or finds again, on a second start) the demo team with
// its graph, source, check, rule, config and objectives, then computes its last
// demoDays days and waits for them. Everything it writes is idempotent.
func loadDemo(ctx context.Context, graph depc.GraphStore, state depc.StateStore, sched *scheduler.Scheduler, now time.Time) error {
	ignoreTaken := func(err error) error {
		if depc.ErrorCode(err) == depc.ECONFLICT {
			return nil
		}
		return err
	}
	if _, err := state.CreateTeam(ctx, depc.Team{Name: demoTeam, Timezone: "UTC"}); ignoreTaken(err) != nil {
		return err
	}
	// Relations open at the start of the day 8 days ago, so the 7
	// computed days see the whole graph.
	today := now.UTC().Truncate(24 * time.Hour)
	since := today.AddDate(0, 0, -(demoDays + 1)).Unix()
	var events []depc.Event
	for _, p := range demoGraph {
		for _, c := range p.children {
			events = append(events, depc.Event{Node: p.parent, Target: c, Kind: depc.EventOpen, From: since})
		}
	}
	if err := graph.Apply(ctx, demoTeam, events); err != nil {
		return err
	}
	if _, err := state.CreateSource(ctx, demoTeam, depc.SourceConfig{Name: demoSource, Plugin: depc.PluginFake, Configuration: json.RawMessage("{}")}); ignoreTaken(err) != nil {
		return err
	}
	check := depc.Check{Name: demoCheck, Source: demoSource, Type: depc.CheckThreshold,
		Parameters: depc.CheckParameters{Query: "depc.tutorial.ping", Threshold: "20"}}
	if _, err := state.CreateCheck(ctx, demoTeam, check); ignoreTaken(err) != nil {
		return err
	}
	if _, err := state.CreateRule(ctx, demoTeam, depc.Rule{Name: demoRule, Checks: []string{demoCheck}}); ignoreTaken(err) != nil {
		return err
	}
	if _, err := state.Config(ctx, demoTeam); depc.ErrorCode(err) == depc.ENOTFOUND {
		var doc json.RawMessage
		if err := json.Unmarshal([]byte(demoConfig), &doc); err != nil {
			return err
		}
		if _, err := state.SaveConfig(ctx, demoTeam, doc, []string{demoRule}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	// Objectives, so that budgets show: every website 99 % over 7 days,
	// and the customer foo.com its own 99.5 % over the month. Set once: a
	// second start keeps what the user changed.
	if objs, err := state.Objectives(ctx, demoTeam); err != nil {
		return err
	} else if len(objs) == 0 {
		for _, o := range demoObjectives {
			if _, err := state.SetObjective(ctx, demoTeam, o); err != nil {
				return err
			}
		}
	}
	days := make([]string, demoDays)
	for i := range days {
		days[i] = depc.FormatDay(today.AddDate(0, 0, i-demoDays))
	}
	run, err := sched.RunNow(ctx, demoTeam, days)
	if err != nil {
		return err
	}
	if run.Status != depc.RunSucceeded {
		return fmt.Errorf("run %d of %s..%s: %s %v", run.ID, days[0], days[len(days)-1], run.Status, run.Errors)
	}
	return nil
}
