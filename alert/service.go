package alert

import (
	"context"
	"log/slog"
	"time"
)

// Service runs an Evaluator and a Dispatcher: evaluations every Interval,
// dispatches every Poll and right after an evaluation queued deliveries,
// and once a day the deletion of deliveries and resolved alerts older
// than Retention.
type Service struct {
	Evaluator  *Evaluator
	Dispatcher *Dispatcher
	// Prune deletes old deliveries and alerts (the store's PruneAlerts).
	Prune func(ctx context.Context, before int64) (int, error)
	// Interval between evaluations (default 1 min), Poll between
	// dispatches (default 5 s), Retention of finished deliveries and
	// resolved alerts (default 30 days).
	Interval, Poll, Retention time.Duration
	Log                       *slog.Logger
}

// NewService returns the Service of an alert store: its evaluations read
// budgets, its deliveries go through send.
func NewService(state State, budgets Budgets, send SendFunc) *Service {
	return &Service{
		Evaluator:  NewEvaluator(state, budgets),
		Dispatcher: NewDispatcher(state, send),
		Prune:      state.PruneAlerts,
		Interval:   time.Minute,
		Poll:       5 * time.Second,
		Retention:  30 * 24 * time.Hour,
		Log:        slog.New(slog.DiscardHandler),
	}
}

// Run evaluates and dispatches until ctx ends. Errors are logged, and the
// next round tries again: a store that cannot be reached now may be back
// at the next.
func (s *Service) Run(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.dispatchLoop(ctx, wake)
	}()
	defer func() { <-done }()

	eval := time.NewTicker(s.Interval)
	defer eval.Stop()
	var lastPrune time.Time
	for {
		c, err := s.Evaluator.All(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("alerts: evaluation", "error", err)
		}
		if c.Any() {
			select {
			case wake <- struct{}{}:
			default:
			}
		}
		if now := s.Evaluator.Now(); now.Sub(lastPrune) >= 24*time.Hour && s.Prune != nil {
			lastPrune = now
			if n, err := s.Prune(ctx, now.Add(-s.Retention).Unix()); err != nil {
				s.Log.Warn("alerts: pruning old deliveries", "error", err)
			} else if n > 0 {
				s.Log.Info("alerts: pruned old deliveries and resolved alerts", "rows", n)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-eval.C:
		}
	}
}

func (s *Service) dispatchLoop(ctx context.Context, wake <-chan struct{}) {
	poll := time.NewTicker(s.Poll)
	defer poll.Stop()
	for {
		r, err := s.Dispatcher.Dispatch(ctx)
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("alerts: dispatch", "error", err)
		}
		if r.Delivered+r.Failed > 0 {
			s.Log.Debug("alerts: dispatched", "delivered", r.Delivered, "retried", r.Retried, "failed", r.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		case <-wake:
		}
	}
}
