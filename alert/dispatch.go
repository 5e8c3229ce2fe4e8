package alert

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/depc-dev/depc"
)

// Deliveries is the part of the store a Dispatcher uses.
type Deliveries interface {
	ClaimAlertDeliveries(ctx context.Context, owner string, now, lease int64, limit int) ([]depc.ClaimedDelivery, error)
	FinishAlertDelivery(ctx context.Context, id int64, owner string, r depc.DeliveryResult) error
}

// SendFunc sends one delivery at now (Sender.Send). A *SendError that is
// Permanent is not retried.
type SendFunc func(ctx context.Context, d depc.ClaimedDelivery, now time.Time) error

// Backoff is when a failed delivery is tried again: Base after the first
// failure, doubling after each next one up to Max, and no more once
// Attempts were made.
type Backoff struct {
	Base, Max time.Duration
	Attempts  int
}

// DefaultBackoff tries for about four hours: 10 s, 20 s, 40 s, … 30 min.
var DefaultBackoff = Backoff{Base: 10 * time.Second, Max: 30 * time.Minute, Attempts: 15}

// Delay is the wait after the attempts-th failed attempt (attempts >= 1),
// and false once no attempt is left.
func (b Backoff) Delay(attempts int) (time.Duration, bool) {
	if attempts >= b.Attempts {
		return 0, false
	}
	d := b.Base
	for i := 1; i < attempts && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max), true
}

// Dispatcher sends the deliveries it claims from the store. Several
// dispatchers, in one process or in several, may share a store: a claim is
// a lease that no other takes while it lasts.
type Dispatcher struct {
	store Deliveries
	send  SendFunc
	// Owner names this dispatcher in claims (default: host, pid and a
	// random part).
	Owner string
	// Lease is how long a claim holds (default 1 min): more than a send
	// takes (DefaultTimeout), so that a delivery being sent is not taken
	// over, and short enough that one of a dispatcher that died is sent
	// soon after by another.
	Lease time.Duration
	// Batch is how many deliveries one claim takes (default 50), and
	// Parallel how many are sent at once (default 4).
	Batch, Parallel int
	Backoff         Backoff
	// Now is the clock (default time.Now).
	Now func() time.Time
	Log *slog.Logger
}

// NewDispatcher returns a Dispatcher over store sending with send.
func NewDispatcher(store Deliveries, send SendFunc) *Dispatcher {
	return &Dispatcher{store: store, send: send, Owner: defaultOwner(), Lease: time.Minute, Batch: 50, Parallel: 4,
		Backoff: DefaultBackoff, Now: time.Now, Log: slog.New(slog.DiscardHandler)}
}

func defaultOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + hex.EncodeToString(b)
}

// Result counts what Dispatch did.
type Result struct {
	// Delivered were accepted, Retried failed and will be tried again,
	// Failed failed for good (or were superseded meanwhile).
	Delivered, Retried, Failed int
}

// Dispatch claims the deliveries due now and sends them, until none is
// left due, and records each attempt. It returns what it did; an error is
// the store's (what was done before it is recorded).
func (d *Dispatcher) Dispatch(ctx context.Context) (Result, error) {
	var total Result
	for {
		now := d.Now()
		cs, err := d.store.ClaimAlertDeliveries(ctx, d.Owner, now.Unix(), int64(max(d.Lease/time.Second, 1)), d.Batch)
		if err != nil || len(cs) == 0 {
			return total, err
		}
		r, err := d.sendAll(ctx, cs)
		total.Delivered += r.Delivered
		total.Retried += r.Retried
		total.Failed += r.Failed
		if err != nil {
			return total, err
		}
	}
}

func (d *Dispatcher) sendAll(ctx context.Context, cs []depc.ClaimedDelivery) (Result, error) {
	var (
		mu    sync.Mutex
		r     Result
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, max(d.Parallel, 1))
	for _, c := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			outcome, err := d.one(ctx, c)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				if first == nil {
					first = err
				}
			case outcome == depc.DeliveryDelivered:
				r.Delivered++
			case outcome == depc.DeliveryPending:
				r.Retried++
			default:
				r.Failed++
			}
		}()
	}
	wg.Wait()
	return r, first
}

// one sends one delivery and records the attempt; it returns what the
// delivery became.
func (d *Dispatcher) one(ctx context.Context, c depc.ClaimedDelivery) (string, error) {
	err := d.send(ctx, c, d.Now())
	at := d.Now()
	res := depc.DeliveryResult{At: at.Unix()}
	outcome := depc.DeliveryDelivered
	if err != nil {
		res.Err = err.Error()
		outcome = depc.DeliveryFailed
		var se *SendError
		permanent := errors.As(err, &se) && se.Permanent
		if delay, ok := d.Backoff.Delay(c.Attempts + 1); ok && !permanent {
			res.RetryAt = at.Add(delay).Unix()
			outcome = depc.DeliveryPending
		}
		d.Log.Warn("alert delivery failed", "team", c.Team, "receiver", c.Receiver.Name, "alert", c.Alert.ID,
			"delivery", c.ID, "attempt", c.Attempts+1, "error", res.Err, "retry", outcome == depc.DeliveryPending)
	}
	if ferr := d.store.FinishAlertDelivery(ctx, c.ID, d.Owner, res); ferr != nil {
		if depc.ErrorCode(ferr) == depc.ECONFLICT {
			// The lease ended during the send and another dispatcher
			// took the delivery over: its attempt is the one recorded.
			d.Log.Warn("alert delivery taken over during its send", "delivery", c.ID, "error", ferr)
			return outcome, nil
		}
		return outcome, ferr
	}
	return outcome, nil
}
