package main

import (
	"context"
	"log/slog"

	"github.com/depc-dev/depc/alert"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/objective"
)

// startAlerts runs the evaluation and delivery of alerts (docs/alerts.md)
// until the returned stop is called, which waits for them to end. Every
// process that runs the scheduler runs them: the store records each change
// of an alert once and gives each delivery to one process at a time, so
// any number of them may share a state store.
func startAlerts(ctx context.Context, cfg Config, st *stores, comp *compute.Computer, log *slog.Logger) (stop func()) {
	if !cfg.Alerts.Enabled {
		return func() {}
	}
	var live objective.Live
	if cfg.Alerts.Live {
		live = comp
	}
	sender := alert.NewSender(st.guard)
	sender.ExternalURL = cfg.Alerts.ExternalURL
	sender.Hold = 4 * cfg.Alerts.Refresh
	sender.UserAgent = "depc/" + version
	svc := alert.NewService(st.state, objective.New(st.state, live), sender.Send)
	svc.Interval, svc.Poll, svc.Retention = cfg.Alerts.Interval, cfg.Alerts.Poll, cfg.Alerts.Retention
	svc.Log = log.With("part", "alerts")
	svc.Evaluator.Live = cfg.Alerts.Live
	svc.Evaluator.Refresh = cfg.Alerts.Refresh
	svc.Evaluator.Log = svc.Log
	svc.Dispatcher.Log = svc.Log
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = svc.Run(ctx)
	}()
	return func() { cancel(); <-done }
}
