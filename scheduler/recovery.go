package scheduler

import (
	"context"
	"sync"
	"time"

	"github.com/depc-dev/depc"
)

// interruptedPrefix starts the error a run gets each time one of its days
// is taken over from a worker that died (see runDay).
const interruptedPrefix = "interrupted: "

// holding is a day's lease kept alive while its day is computed: a
// goroutine renews it every third of the TTL. The computation's context
// (ctx) ends when the lease is lost: the store says another worker holds
// the day (it was taken over once expired, or the run finished), or the
// lease expired by this process's clock without a renewal getting through
// (the store unreachable): from then on another process may compute the
// day, so this one stops before writing results.
type holding struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	l    depc.DayLease
	lost bool
}

func (s *Scheduler) hold(ctx context.Context, l depc.DayLease) *holding {
	hctx, cancel := context.WithCancel(ctx)
	h := &holding{ctx: hctx, cancel: cancel, done: make(chan struct{}), l: l}
	go func() {
		defer close(h.done)
		every := s.o.LeaseTTL / 3
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
			}
			cur := h.lease()
			nl, err := s.state.RenewDay(hctx, cur, s.now(), s.o.LeaseTTL)
			switch {
			case err == nil:
				h.mu.Lock()
				h.l = nl
				h.mu.Unlock()
				continue
			case hctx.Err() != nil:
				return
			case depc.ErrorCode(err) == depc.EUNAVAILABLE && s.now().Before(cur.ExpiresAt()):
				s.log.Warn("renew a day's lease; trying again", "team", cur.Team, "run", cur.Run, "day", cur.Day, "err", err)
				continue
			}
			s.log.Error("a day's lease is lost; its computation stops", "team", cur.Team, "run", cur.Run, "day", cur.Day, "err", err)
			h.mu.Lock()
			h.lost = true
			h.mu.Unlock()
			cancel()
			return
		}
	}()
	return h
}

// lease returns the lease as last renewed.
func (h *holding) lease() depc.DayLease {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.l
}

// stop stops the renewals and tells whether the lease was lost.
func (h *holding) stop() bool {
	h.cancel()
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lost
}

// release gives a day back to the queue with its run's progress, when the
// scheduler stops while it computes it.
func (s *Scheduler) release(l depc.DayLease) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.state.ReleaseDay(ctx, l, s.now()); err != nil {
		s.log.Error("give an interrupted day back", "team", l.Team, "run", l.Run, "day", l.Day, "err", err)
	}
	s.notify()
}
