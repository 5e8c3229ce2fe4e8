package alert

import (
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

var (
	amReceiver   = depc.AlertReceiver{Name: "am", Type: depc.ReceiverAlertmanager, URL: "http://127.0.0.1:1"}
	hookReceiver = depc.AlertReceiver{Name: "hook", Type: depc.ReceiverWebhook, URL: "http://127.0.0.1:1/hook", Secret: hookSecret}
)

const dayAlertID = "DepcDayUnderTarget/warning/99.5% calendar_month/Website/foo.com"

// TestEvaluateDayUnderTarget: the customer foo.com is down 36 minutes at
// the start of 2026-03-09 (97.5 % < its 99.5 %): the alert fires once,
// stays as it is while nothing changes, and resolves when the next day
// meets the target.
func TestEvaluateDayUnderTarget(t *testing.T) {
	e := newEnv(t, "acme")
	ev := e.evaluator()
	// No receiver: nothing is evaluated.
	e.day("2026-03-09", [2]int64{0, 2160})
	if c := must[Changes](t)(ev.Team(ctx, "acme")); c != (Changes{}) || len(e.alerts()) != 0 {
		t.Fatalf("without receivers: %+v, %v", c, e.alerts())
	}
	e.receiver(amReceiver)
	e.receiver(hookReceiver)
	if c := must[Changes](t)(ev.Team(ctx, "acme")); c != (Changes{Fired: 1}) {
		t.Errorf("first evaluation: %+v", c)
	}
	as := e.alerts()
	if len(as) != 1 || as[0].ID != dayAlertID || !as[0].Firing || as[0].Seq != 1 || as[0].StartsAt != e.clock.Now().Unix() ||
		as[0].Annotations["qos"] != "97.500" || as[0].Annotations["day"] != "2026-03-09" || as[0].Labels["team"] != "acme" {
		t.Fatalf("alerts: %+v", as)
	}
	if ds := e.deliveries(); len(ds) != 2 || ds[0].Receiver != "am" || ds[1].Receiver != "hook" || ds[0].Alert.Seq != 1 {
		t.Errorf("deliveries: %+v", ds)
	}
	// Nothing changed: nothing recorded.
	e.clock.Add(time.Minute)
	if c := must[Changes](t)(ev.Team(ctx, "acme")); c != (Changes{}) {
		t.Errorf("second evaluation: %+v", c)
	}
	// Past midnight, before the nightly run: 2026-03-09 is still the
	// latest day, the alert stays (and is refreshed for the Alertmanager:
	// another hour began).
	e.clock.Add(12 * time.Hour)
	if c := must[Changes](t)(ev.Team(ctx, "acme")); c != (Changes{Refreshed: 1}) {
		t.Errorf("before the nightly run: %+v", c)
	}
	// The nightly run computes 2026-03-10, all up: resolved.
	e.day("2026-03-10")
	if c := must[Changes](t)(ev.Team(ctx, "acme")); c != (Changes{Resolved: 1}) {
		t.Errorf("after the next day: %+v", c)
	}
	as = e.alerts()
	if len(as) != 1 || as[0].Firing || as[0].Seq != 2 || as[0].EndsAt != e.clock.Now().Unix() || as[0].Annotations["day"] != "2026-03-09" {
		t.Errorf("resolved: %+v", as)
	}
	ds := e.deliveries()
	if len(ds) != 5 || ds[2].Slot == 0 || ds[3].Alert.Seq != 2 || ds[3].Alert.Firing || ds[4].Alert.Seq != 2 {
		t.Errorf("deliveries: %+v", ds)
	}
	// A later day under target fires it again, as a new state.
	e.day("2026-03-11", [2]int64{3600, 7200})
	e.clock.Add(24 * time.Hour)
	if c := must[Changes](t)(ev.Team(ctx, "acme")); c != (Changes{Fired: 1}) {
		t.Errorf("a later bad day: %+v", c)
	}
	if as := e.alerts(); as[0].Seq != 3 || !as[0].Firing || as[0].EndsAt != 0 {
		t.Errorf("fired again: %+v", as)
	}
}

// TestEvaluateBurn: foo.com down the last hour of 2026-03-09. Burn rates
// look back from the start of today (today not measured): 1 h 3600/3600
// KO, 200× the 0.5 % allowed; 6 h 3600/21600, 33.3×; 1 d 3600/86400,
// 8.3×; 3 d: 2026-03-07 and 08 have no result, so 3600/86400, 8.3× too.
// Both severities fire, and the day is under target (95.833 %).
func TestEvaluateBurn(t *testing.T) {
	e := newEnv(t, "acme")
	e.receiver(hookReceiver)
	e.day("2026-03-09", [2]int64{82800, 86400})
	c := must[Changes](t)(e.evaluator().Team(ctx, "acme"))
	if c != (Changes{Fired: 3}) {
		t.Errorf("evaluation: %+v", c)
	}
	as := e.alerts()
	want := []string{
		"DepcDayUnderTarget/warning/99.5% calendar_month/Website/foo.com",
		"DepcErrorBudgetBurn/critical/99.5% calendar_month/Website/foo.com",
		"DepcErrorBudgetBurn/warning/99.5% calendar_month/Website/foo.com",
	}
	if len(as) != len(want) {
		t.Fatalf("alerts: %+v", as)
	}
	for i, a := range as {
		if a.ID != want[i] {
			t.Errorf("alert %d: %s, want %s", i, a.ID, want[i])
		}
	}
	if got := as[1].Annotations; got["burn_rate_1h"] != "200.0" || got["burn_rate_6h"] != "33.3" || got["burn_rate_1d"] != "8.3" || got["rule"] != "14.4× over 1h" {
		t.Errorf("critical: %v", got)
	}
	if got := as[2].Annotations; got["rule"] != "3.0× over 1d and 1h" {
		t.Errorf("warning: %v", got)
	}
	if as[0].Annotations["qos"] != "95.833" {
		t.Errorf("day: %v", as[0].Annotations)
	}
	// The objective changes: the alerts of the old one resolve, those of
	// the new one fire.
	if _, err := e.state.SetObjective(ctx, "acme", depc.Objective{Label: "Website", Name: "foo.com", Target: 95, Window: "rolling_30d"}); err != nil {
		t.Fatal(err)
	}
	c = must[Changes](t)(e.evaluator().Team(ctx, "acme"))
	// At 95 %: 1 h 20×, 6 h 3.3×, 1 d 0.8×: critical only; 95.833 % meets it.
	if c != (Changes{Fired: 1, Resolved: 3}) {
		t.Errorf("after the objective changed: %+v", c)
	}
}

// TestEvaluateReplicas: evaluators of several replicas on one store record
// each change once, and queue its deliveries once.
func TestEvaluateReplicas(t *testing.T) {
	e := newEnv(t, "acme")
	e.receiver(amReceiver)
	e.receiver(hookReceiver)
	e.day("2026-03-09", [2]int64{0, 2160})
	const n = 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total Changes
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := e.evaluator().Team(ctx, "acme")
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total.add(c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total.Fired != 1 {
		t.Errorf("%d replicas recorded %+v, want the change once", n, total)
	}
	if ds := e.deliveries(); len(ds) != 2 {
		t.Errorf("deliveries: %+v, want one per receiver", ds)
	}
}

// TestEvaluateRefresh: a firing alert is queued again for Alertmanagers
// once per refresh period, not for webhooks.
func TestEvaluateRefresh(t *testing.T) {
	e := newEnv(t, "acme")
	e.receiver(amReceiver)
	e.receiver(hookReceiver)
	e.day("2026-03-09", [2]int64{0, 2160})
	ev := e.evaluator()
	must[Changes](t)(ev.Team(ctx, "acme"))
	// Noon is the start of a period: still the one it fired in.
	e.clock.Add(59 * time.Minute)
	if c := must[Changes](t)(ev.Team(ctx, "acme")); c != (Changes{}) {
		t.Errorf("within the period: %+v", c)
	}
	e.clock.Add(time.Minute)
	if c := must[Changes](t)(ev.Team(ctx, "acme")); c != (Changes{Refreshed: 1}) {
		t.Errorf("next period: %+v", c)
	}
	if c := must[Changes](t)(ev.Team(ctx, "acme")); c != (Changes{}) {
		t.Errorf("again in that period: %+v", c)
	}
	// Another replica (its own memory) asks for the same period: the
	// store queues nothing more.
	if c := must[Changes](t)(e.evaluator().Team(ctx, "acme")); c != (Changes{}) {
		t.Errorf("another replica in that period: %+v", c)
	}
	ds := e.deliveries()
	if len(ds) != 3 || ds[2].Receiver != "am" || ds[2].Slot != e.clock.Now().Unix()/3600 || ds[0].Status != depc.DeliverySuperseded {
		t.Errorf("deliveries: %+v", ds)
	}
}
