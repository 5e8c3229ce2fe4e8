package alert

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

func TestBackoff(t *testing.T) {
	b := Backoff{Base: 10 * time.Second, Max: time.Minute, Attempts: 6}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute}
	for i, w := range want {
		if d, ok := b.Delay(i + 1); !ok || d != w {
			t.Errorf("Delay(%d) = %v, %v; want %v", i+1, d, ok, w)
		}
	}
	if _, ok := b.Delay(6); ok {
		t.Errorf("Delay(6) of 6 attempts: another attempt")
	}
}

// flaky is a receiver that fails its first fails requests with 503.
type flaky struct {
	fails    int32
	requests atomic.Int32
	verify   string // a webhook secret to check, if any
	now      func() time.Time
	t        *testing.T
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.requests.Add(1)
	if f.verify != "" {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(f.verify, r.Header.Get(SignatureHeader), body, f.now(), 0); err != nil {
			f.t.Errorf("request %d: %v", n, err)
		}
	}
	if n <= f.fails {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}
}

// TestDispatchRetries: a receiver that fails twice gets the delivery on
// the third attempt, each attempt recorded, the next one due after the
// backoff (the test moves the clock; nothing waits).
func TestDispatchRetries(t *testing.T) {
	e := newEnv(t, "acme")
	f := &flaky{fails: 2, verify: hookSecret, now: e.clock.Now, t: t}
	srv := httptest.NewServer(f)
	defer srv.Close()
	e.receiver(depc.AlertReceiver{Name: "hook", Type: depc.ReceiverWebhook, URL: srv.URL, Secret: hookSecret})
	e.day("2026-03-09", [2]int64{0, 2160})
	must[Changes](t)(e.evaluator().Team(ctx, "acme"))

	d := NewDispatcher(e.state, NewSender(nil).Send)
	d.Now = e.clock.Now
	d.Backoff = Backoff{Base: 10 * time.Second, Max: time.Minute, Attempts: 5}
	var deliveredAt int64
	step := func(what string, want Result, status string, attempts int, next time.Duration) {
		t.Helper()
		if r := must[Result](t)(d.Dispatch(ctx)); r != want {
			t.Errorf("%s: %+v, want %+v", what, r, want)
		}
		ds := e.deliveries()
		if len(ds) != 1 {
			t.Fatalf("%s: deliveries %+v", what, ds)
		}
		x := ds[0]
		if x.Status != status || x.Attempts != attempts {
			t.Errorf("%s: %s after %d attempts, want %s after %d", what, x.Status, x.Attempts, status, attempts)
		}
		switch status {
		case depc.DeliveryPending:
			if x.NextAttemptAt != e.clock.Now().Add(next).Unix() || x.LastError != "HTTP 503 Service Unavailable" {
				t.Errorf("%s: next attempt at %d, error %q", what, x.NextAttemptAt, x.LastError)
			}
		case depc.DeliveryDelivered:
			if deliveredAt == 0 {
				deliveredAt = e.clock.Now().Unix()
			}
			if x.DeliveredAt != deliveredAt || x.LastError != "" {
				t.Errorf("%s: delivered at %d, error %q", what, x.DeliveredAt, x.LastError)
			}
		}
	}
	step("first attempt", Result{Retried: 1}, depc.DeliveryPending, 1, 10*time.Second)
	e.clock.Add(9 * time.Second)
	step("before the retry is due", Result{}, depc.DeliveryPending, 1, time.Second)
	e.clock.Add(time.Second)
	step("second attempt", Result{Retried: 1}, depc.DeliveryPending, 2, 20*time.Second)
	e.clock.Add(20 * time.Second)
	step("third attempt", Result{Delivered: 1}, depc.DeliveryDelivered, 3, 0)
	e.clock.Add(time.Hour)
	step("nothing more", Result{}, depc.DeliveryDelivered, 3, 0)
	if n := f.requests.Load(); n != 3 {
		t.Errorf("the receiver got %d requests, want 3", n)
	}
}

// TestDispatchGivesUp: after Backoff.Attempts attempts, or at once when
// the receiver refuses the request itself, a delivery fails for good.
func TestDispatchGivesUp(t *testing.T) {
	e := newEnv(t, "acme")
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer down.Close()
	refuses := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such path", http.StatusNotFound)
	}))
	defer refuses.Close()
	e.receiver(depc.AlertReceiver{Name: "down", Type: depc.ReceiverAlertmanager, URL: down.URL})
	e.receiver(depc.AlertReceiver{Name: "refuses", Type: depc.ReceiverAlertmanager, URL: refuses.URL})
	e.day("2026-03-09", [2]int64{0, 2160})
	must[Changes](t)(e.evaluator().Team(ctx, "acme"))
	d := NewDispatcher(e.state, NewSender(nil).Send)
	d.Now = e.clock.Now
	d.Backoff = Backoff{Base: time.Second, Max: time.Second, Attempts: 3}
	var total Result
	for range 5 {
		r := must[Result](t)(d.Dispatch(ctx))
		total.Delivered += r.Delivered
		total.Retried += r.Retried
		total.Failed += r.Failed
		e.clock.Add(time.Second)
	}
	if total != (Result{Retried: 2, Failed: 2}) {
		t.Errorf("dispatches: %+v", total)
	}
	for _, x := range e.deliveries() {
		want := map[string]int{"down": 3, "refuses": 1}[x.Receiver]
		if x.Status != depc.DeliveryFailed || x.Attempts != want || x.DeliveredAt != 0 {
			t.Errorf("%s: %s after %d attempts, want failed after %d", x.Receiver, x.Status, x.Attempts, want)
		}
	}
}

// TestDispatchOnce: dispatchers running at once send each delivery once.
func TestDispatchOnce(t *testing.T) {
	e := newEnv(t, "acme")
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer srv.Close()
	for _, name := range []string{"a", "b", "c"} {
		e.receiver(depc.AlertReceiver{Name: name, Type: depc.ReceiverWebhook, URL: srv.URL, Secret: hookSecret})
	}
	e.day("2026-03-09", [2]int64{82800, 86400}) // three alerts (TestEvaluateBurn)
	must[Changes](t)(e.evaluator().Team(ctx, "acme"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total Result
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := NewDispatcher(e.state, NewSender(nil).Send)
			d.Now = e.clock.Now
			d.Batch = 2
			r, err := d.Dispatch(ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total.Delivered += r.Delivered
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total.Delivered != 9 || requests.Load() != 9 {
		t.Errorf("%d delivered, %d requests; want 9 (3 alerts × 3 receivers) of each", total.Delivered, requests.Load())
	}
}
