package statetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
)

// RunAlerts runs the tests of depc.AlertStore against the stores open
// returns (see Run): receivers, the compare-and-set of alert states, one
// delivery per state change and receiver whoever records it, claims that
// two dispatchers never share, attempts recorded, older states never sent
// after newer ones.
func RunAlerts[S Alerts](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Alerts { return open(t) }, []subtest[Alerts]{
		{name: "Receivers", fn: testReceivers},
		{name: "ReceiversInvalid", fn: testReceiversInvalid},
		{name: "ChangeAlert", fn: testChangeAlert},
		{name: "ChangeAlertOnce", fn: testChangeAlertOnce},
		{name: "Claim", fn: testClaim},
		{name: "ClaimOnce", fn: testClaimOnce},
		{name: "Finish", fn: testFinish},
		{name: "Superseded", fn: testSuperseded},
		{name: "Refresh", fn: testRefresh},
		{name: "DeleteReceiver", fn: testDeleteReceiver},
		{name: "Prune", fn: testPrune},
		{name: "UnknownTeam", fn: testAlertsUnknownTeam},
		{name: "TeamIsolation", fn: testAlertsTeamIsolation},
	})
}

var (
	am   = depc.AlertReceiver{Name: "am", Type: depc.ReceiverAlertmanager, URL: "http://127.0.0.1:9093"}
	hook = depc.AlertReceiver{Name: "hook", Type: depc.ReceiverWebhook, URL: "https://hooks.example.com/depc?x=1", Secret: "0123456789abcdef"}
)

// firing is the first state of an alert; resolved(a) the next.
func firing(id string, seq, at int64) depc.Alert {
	return depc.Alert{ID: id, Seq: seq, Firing: true, StartsAt: at,
		Labels:      map[string]string{"alertname": "DayUnderTarget", "label": "Customer", "node": id},
		Annotations: map[string]string{"summary": "under target"}}
}

func resolved(a depc.Alert, at int64) depc.Alert {
	a.Seq++
	a.Firing, a.EndsAt = false, at
	return a
}

func receivers(t *testing.T, s depc.AlertStore, team string, rs ...depc.AlertReceiver) {
	t.Helper()
	for _, r := range rs {
		get(s.SetAlertReceiver(ctx, team, r)).must(t)
	}
}

func testReceivers(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	equal(t, "AlertReceivers of a new team", get(s.AlertReceivers(ctx, "acme")).must(t), []depc.AlertReceiver(nil))
	equal(t, "SetAlertReceiver(hook)", get(s.SetAlertReceiver(ctx, "acme", hook)).must(t), hook)
	equal(t, "SetAlertReceiver(am)", get(s.SetAlertReceiver(ctx, "acme", am)).must(t), am)
	equal(t, "AlertReceiver(hook)", get(s.AlertReceiver(ctx, "acme", "hook")).must(t), hook)
	equal(t, "AlertReceivers", get(s.AlertReceivers(ctx, "acme")).must(t), []depc.AlertReceiver{am, hook})

	// Setting again replaces, type included.
	h2 := depc.AlertReceiver{Name: "hook", Type: depc.ReceiverAlertmanager, URL: "http://am2:9093/prefix"}
	get(s.SetAlertReceiver(ctx, "acme", h2)).must(t)
	equal(t, "AlertReceiver after replace", get(s.AlertReceiver(ctx, "acme", "hook")).must(t), h2)

	mustDo(t, s.DeleteAlertReceiver(ctx, "acme", "hook"))
	wantCode(t, s.DeleteAlertReceiver(ctx, "acme", "hook"), depc.ENOTFOUND, "DeleteAlertReceiver twice")
	_, err := s.AlertReceiver(ctx, "acme", "hook")
	wantCode(t, err, depc.ENOTFOUND, "AlertReceiver after delete")
	equal(t, "AlertReceivers after delete", get(s.AlertReceivers(ctx, "acme")).must(t), []depc.AlertReceiver{am})
}

func testReceiversInvalid(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	for _, tt := range []struct {
		what string
		r    depc.AlertReceiver
	}{
		{"no name", depc.AlertReceiver{Type: am.Type, URL: am.URL}},
		{"control character in name", depc.AlertReceiver{Name: "a\nb", Type: am.Type, URL: am.URL}},
		{"unknown type", depc.AlertReceiver{Name: "x", Type: "email", URL: am.URL}},
		{"no url", depc.AlertReceiver{Name: "x", Type: am.Type}},
		{"relative url", depc.AlertReceiver{Name: "x", Type: am.Type, URL: "/api"}},
		{"ftp url", depc.AlertReceiver{Name: "x", Type: am.Type, URL: "ftp://host/"}},
		{"url with credentials", depc.AlertReceiver{Name: "x", Type: am.Type, URL: "http://u:p@host/"}},
		{"long url", depc.AlertReceiver{Name: "x", Type: am.Type, URL: "http://host/" + strings.Repeat("a", depc.MaxReceiverURLLen)}},
		{"alertmanager with a secret", depc.AlertReceiver{Name: "x", Type: am.Type, URL: am.URL, Secret: hook.Secret}},
		{"webhook without a secret", depc.AlertReceiver{Name: "x", Type: hook.Type, URL: hook.URL}},
		{"webhook with a short secret", depc.AlertReceiver{Name: "x", Type: hook.Type, URL: hook.URL, Secret: "short"}},
	} {
		_, err := s.SetAlertReceiver(ctx, "acme", tt.r)
		wantCode(t, err, depc.EINVALID, "SetAlertReceiver("+tt.what+")")
	}
	equal(t, "AlertReceivers after refused sets", get(s.AlertReceivers(ctx, "acme")).must(t), []depc.AlertReceiver(nil))
}

// deliveryKey is what tests compare of a delivery.
type deliveryKey struct {
	Receiver, Alert string
	Seq, Slot       int64
	Status          string
}

func keysOf(ds []depc.AlertDelivery) []deliveryKey {
	out := []deliveryKey{}
	for _, d := range ds {
		out = append(out, deliveryKey{d.Receiver, d.Alert.ID, d.Alert.Seq, d.Slot, d.Status})
	}
	slices.SortFunc(out, func(a, b deliveryKey) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	return out
}

func claimedKeys(cs []depc.ClaimedDelivery) []deliveryKey {
	ds := make([]depc.AlertDelivery, len(cs))
	for i, c := range cs {
		ds[i] = c.AlertDelivery
	}
	return keysOf(ds)
}

func deliveries(t *testing.T, s depc.AlertStore, team string) []deliveryKey {
	t.Helper()
	return keysOf(get(s.AlertDeliveries(ctx, team, 0)).must(t))
}

func testChangeAlert(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	receivers(t, s, "acme", am, hook)
	equal(t, "Alerts of a new team", get(s.Alerts(ctx, "acme")).must(t), []depc.Alert(nil))

	a := firing("b", 1, 1000)
	// "gone" names no receiver: it is skipped.
	equal(t, "ChangeAlert(fire)", get(s.ChangeAlert(ctx, "acme", a, []string{"hook", "am", "gone", "am"})).must(t), a)
	equal(t, "Alerts", get(s.Alerts(ctx, "acme")).must(t), []depc.Alert{a})
	equal(t, "deliveries after firing", deliveries(t, s, "acme"), []deliveryKey{
		{"am", "b", 1, 0, depc.DeliveryPending}, {"hook", "b", 1, 0, depc.DeliveryPending}})
	ds := get(s.AlertDeliveries(ctx, "acme", 0)).must(t)
	for _, d := range ds {
		equal(t, "delivery's alert", d.Alert, a)
		// Created and due when the state changed.
		if d.Team != "acme" || d.Attempts != 0 || d.LastError != "" || d.DeliveredAt != 0 || d.CreatedAt != 1000 || d.NextAttemptAt != 1000 {
			t.Errorf("new delivery: %+v", d)
		}
	}

	// The same state again, or one that skips a state, is a conflict:
	// another process recorded it first.
	_, err := s.ChangeAlert(ctx, "acme", a, []string{"am"})
	wantCode(t, err, depc.ECONFLICT, "ChangeAlert(seq 1 again)")
	_, err = s.ChangeAlert(ctx, "acme", firing("b", 3, 1000), []string{"am"})
	wantCode(t, err, depc.ECONFLICT, "ChangeAlert(seq 3 after 1)")
	_, err = s.ChangeAlert(ctx, "acme", firing("new", 2, 1000), []string{"am"})
	wantCode(t, err, depc.ECONFLICT, "ChangeAlert(a new alert at seq 2)")

	r := resolved(a, 2000)
	get(s.ChangeAlert(ctx, "acme", r, []string{"am"})).must(t)
	if d := get(s.AlertDeliveries(ctx, "acme", 1)).must(t)[0]; d.CreatedAt != 2000 || d.NextAttemptAt != 2000 {
		t.Errorf("resolution's delivery created at %d, due at %d; want both when it resolved", d.CreatedAt, d.NextAttemptAt)
	}
	c := firing("a", 1, 1500)
	get(s.ChangeAlert(ctx, "acme", c, nil)).must(t)
	equal(t, "Alerts after changes", get(s.Alerts(ctx, "acme")).must(t), []depc.Alert{c, r})

	for _, tt := range []struct {
		what string
		a    depc.Alert
	}{
		{"no id", depc.Alert{Seq: 1, Firing: true, StartsAt: 1}},
		{"long id", depc.Alert{ID: strings.Repeat("x", depc.MaxAlertIDLen+1), Seq: 1, Firing: true, StartsAt: 1}},
		{"seq 0", depc.Alert{ID: "x", Firing: true, StartsAt: 1}},
		{"no start", depc.Alert{ID: "x", Seq: 1, Firing: true}},
		{"firing with an end", depc.Alert{ID: "x", Seq: 1, Firing: true, StartsAt: 5, EndsAt: 6}},
		{"resolved before it starts", depc.Alert{ID: "x", Seq: 1, StartsAt: 5, EndsAt: 4}},
		{"bad label name", depc.Alert{ID: "x", Seq: 1, Firing: true, StartsAt: 1, Labels: map[string]string{"a-b": "v"}}},
		{"label name starting with a digit", depc.Alert{ID: "x", Seq: 1, Firing: true, StartsAt: 1, Labels: map[string]string{"1a": "v"}}},
		{"bad UTF-8", depc.Alert{ID: "x", Seq: 1, Firing: true, StartsAt: 1, Annotations: map[string]string{"a": "\xff"}}},
		{"too much text", depc.Alert{ID: "x", Seq: 1, Firing: true, StartsAt: 1, Annotations: map[string]string{"a": strings.Repeat("x", depc.MaxAlertTextLen)}}},
	} {
		_, err := s.ChangeAlert(ctx, "acme", tt.a, []string{"am"})
		wantCode(t, err, depc.EINVALID, "ChangeAlert("+tt.what+")")
	}
	equal(t, "Alerts after refused changes", get(s.Alerts(ctx, "acme")).must(t), []depc.Alert{c, r})
}

// Two processes that see the same change record it once, and queue its
// deliveries once.
func testChangeAlertOnce(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	receivers(t, s, "acme", am, hook)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.ChangeAlert(ctx, "acme", firing("x", 1, 1000), []string{"am", "hook"})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch depc.ErrorCode(err) {
		case "":
			won++
		case depc.ECONFLICT:
		default:
			t.Errorf("concurrent ChangeAlert: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent ChangeAlert of the same state succeeded, want 1", won, n)
	}
	equal(t, "deliveries", deliveries(t, s, "acme"), []deliveryKey{
		{"am", "x", 1, 0, depc.DeliveryPending}, {"hook", "x", 1, 0, depc.DeliveryPending}})
}

func testClaim(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	receivers(t, s, "acme", am, hook)
	a := firing("x", 1, 1000)
	get(s.ChangeAlert(ctx, "acme", a, []string{"am", "hook"})).must(t)
	now := int64(1000) // when the alert fired: its deliveries are created and due then

	// Not due before it was created.
	equal(t, "claim before", claimedKeys(get(s.ClaimAlertDeliveries(ctx, "one", now-1, 60, 10)).must(t)), []deliveryKey{})
	got := get(s.ClaimAlertDeliveries(ctx, "one", now, 60, 1)).must(t)
	if len(got) != 1 {
		t.Fatalf("claim with limit 1: %d deliveries", len(got))
	}
	got = append(got, get(s.ClaimAlertDeliveries(ctx, "one", now, 60, 10)).must(t)...)
	equal(t, "claimed", claimedKeys(got), []deliveryKey{
		{"am", "x", 1, 0, depc.DeliveryPending}, {"hook", "x", 1, 0, depc.DeliveryPending}})
	for _, c := range got {
		want := am
		if c.Receiver.Name == "hook" {
			want = hook
		}
		equal(t, "claimed delivery's receiver", c.Receiver, want)
		equal(t, "claimed delivery's alert", c.Alert, a)
		if c.Team != "acme" {
			t.Errorf("claimed delivery's team: %q", c.Team)
		}
	}
	// Held: no one else gets them while the lease lasts.
	equal(t, "claim by another during the lease", claimedKeys(get(s.ClaimAlertDeliveries(ctx, "two", now+59, 60, 10)).must(t)), []deliveryKey{})
	// Once it ended, another takes them over, and the first holder can
	// no longer record its attempt.
	again := get(s.ClaimAlertDeliveries(ctx, "two", now+60, 60, 10)).must(t)
	equal(t, "claim by another after the lease", claimedKeys(again), claimedKeys(got))
	wantCode(t, s.FinishAlertDelivery(ctx, got[0].ID, "one", depc.DeliveryResult{At: now + 61}), depc.ECONFLICT, "FinishAlertDelivery by the old holder")
	mustDo(t, s.FinishAlertDelivery(ctx, got[0].ID, "two", depc.DeliveryResult{At: now + 61}))
	wantCode(t, s.FinishAlertDelivery(ctx, got[0].ID, "two", depc.DeliveryResult{At: now + 62}), depc.ECONFLICT, "FinishAlertDelivery twice")
	wantCode(t, s.FinishAlertDelivery(ctx, 1<<40, "two", depc.DeliveryResult{At: now}), depc.ENOTFOUND, "FinishAlertDelivery(unknown)")

	_, err := s.ClaimAlertDeliveries(ctx, "", now, 60, 10)
	wantCode(t, err, depc.EINVALID, "ClaimAlertDeliveries(no owner)")
	_, err = s.ClaimAlertDeliveries(ctx, "one", now, 0, 10)
	wantCode(t, err, depc.EINVALID, "ClaimAlertDeliveries(lease 0)")
}

// Dispatchers claiming at once never get the same delivery.
func testClaimOnce(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	receivers(t, s, "acme", am, hook)
	const alerts = 20
	for i := range alerts {
		get(s.ChangeAlert(ctx, "acme", firing(fmt.Sprintf("a%02d", i), 1, 1000), []string{"am", "hook"})).must(t)
	}
	now := int64(1000) // when the alert fired: its deliveries are created and due then
	const n = 6
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int64]string{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprint("d", i)
			for range 10 {
				cs, err := s.ClaimAlertDeliveries(ctx, owner, now, 60, 3)
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				mu.Lock()
				for _, c := range cs {
					if prev, ok := seen[c.ID]; ok {
						t.Errorf("delivery %d claimed by %s and %s", c.ID, prev, owner)
					}
					seen[c.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 2*alerts {
		t.Errorf("%d deliveries claimed, want %d", len(seen), 2*alerts)
	}
}

func testFinish(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	receivers(t, s, "acme", am, hook)
	get(s.ChangeAlert(ctx, "acme", firing("x", 1, 1000), []string{"am", "hook"})).must(t)
	now := int64(1000) // when the alert fired: its deliveries are created and due then
	cs := get(s.ClaimAlertDeliveries(ctx, "one", now, 60, 10)).must(t)
	byRecv := map[string]depc.ClaimedDelivery{}
	for _, c := range cs {
		byRecv[c.Receiver.Name] = c
	}

	// am is delivered at once; hook fails, is retried later, fails for
	// good.
	mustDo(t, s.FinishAlertDelivery(ctx, byRecv["am"].ID, "one", depc.DeliveryResult{At: now + 1}))
	long := strings.Repeat("é", depc.MaxDeliveryErrorLen)
	mustDo(t, s.FinishAlertDelivery(ctx, byRecv["hook"].ID, "one", depc.DeliveryResult{At: now + 1, Err: long, RetryAt: now + 100}))
	ds := get(s.AlertDeliveries(ctx, "acme", 0)).must(t)
	for _, d := range ds {
		switch d.Receiver {
		case "am":
			if d.Status != depc.DeliveryDelivered || d.Attempts != 1 || d.DeliveredAt != now+1 || d.LastError != "" {
				t.Errorf("delivered: %+v", d)
			}
		case "hook":
			if d.Status != depc.DeliveryPending || d.Attempts != 1 || d.NextAttemptAt != now+100 || d.DeliveredAt != 0 ||
				len(d.LastError) > depc.MaxDeliveryErrorLen || !strings.HasPrefix(long, d.LastError) || d.LastError == "" {
				t.Errorf("failed once (error of %d bytes): %+v", len(d.LastError), d.Status)
			}
		}
	}
	// Not due before its next attempt, not claimed again once delivered.
	equal(t, "claim before the retry", claimedKeys(get(s.ClaimAlertDeliveries(ctx, "one", now+99, 60, 10)).must(t)), []deliveryKey{})
	cs = get(s.ClaimAlertDeliveries(ctx, "two", now+100, 60, 10)).must(t)
	equal(t, "claim at the retry", claimedKeys(cs), []deliveryKey{{"hook", "x", 1, 0, depc.DeliveryPending}})
	mustDo(t, s.FinishAlertDelivery(ctx, cs[0].ID, "two", depc.DeliveryResult{At: now + 101, Err: "503 Service Unavailable"}))
	equal(t, "deliveries", deliveries(t, s, "acme"), []deliveryKey{
		{"am", "x", 1, 0, depc.DeliveryDelivered}, {"hook", "x", 1, 0, depc.DeliveryFailed}})
	for _, d := range get(s.AlertDeliveries(ctx, "acme", 0)).must(t) {
		if d.Receiver == "hook" && (d.Attempts != 2 || d.LastError != "503 Service Unavailable") {
			t.Errorf("failed for good: %+v", d)
		}
	}
	equal(t, "claim after the end", claimedKeys(get(s.ClaimAlertDeliveries(ctx, "two", now+1000, 60, 10)).must(t)), []deliveryKey{})
}

// A receiver never gets an older state of an alert after a newer one.
func testSuperseded(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	receivers(t, s, "acme", am, hook)
	a := firing("x", 1, 1000)
	get(s.ChangeAlert(ctx, "acme", a, []string{"am", "hook"})).must(t)
	now := int64(1000) // when the alert fired: its deliveries are created and due then
	// hook's firing is being sent when the alert resolves; am's is not
	// sent yet.
	cs := get(s.ClaimAlertDeliveries(ctx, "one", now, 60, 1)).must(t)
	if len(cs) != 1 {
		t.Fatalf("claimed %d", len(cs))
	}
	held := cs[0]
	other := "am"
	if held.Receiver.Name == "am" {
		other = "hook"
	}
	r := resolved(a, 1010)
	get(s.ChangeAlert(ctx, "acme", r, []string{"am", "hook"})).must(t)
	equal(t, "deliveries after resolving", deliveries(t, s, "acme"), []deliveryKey{
		{held.Receiver.Name, "x", 1, 0, depc.DeliveryPending},
		{held.Receiver.Name, "x", 2, 0, depc.DeliveryPending},
		{other, "x", 1, 0, depc.DeliverySuperseded},
		{other, "x", 2, 0, depc.DeliveryPending},
	})
	// The resolution waits for the held firing to its receiver.
	// (now + 30: after the resolution, within the holder's lease.)
	equal(t, "claim while the older state is held", claimedKeys(get(s.ClaimAlertDeliveries(ctx, "two", now+30, 60, 10)).must(t)),
		[]deliveryKey{{other, "x", 2, 0, depc.DeliveryPending}})
	// The held firing fails: no retry, a newer state is queued.
	mustDo(t, s.FinishAlertDelivery(ctx, held.ID, "one", depc.DeliveryResult{At: now + 1, Err: "timeout", RetryAt: now + 10}))
	cs = get(s.ClaimAlertDeliveries(ctx, "two", now+30, 60, 10)).must(t)
	equal(t, "claim after the held one failed", claimedKeys(cs), []deliveryKey{{held.Receiver.Name, "x", 2, 0, depc.DeliveryPending}})
	equal(t, "resolution's alert", cs[0].Alert, r)
	equal(t, "deliveries", deliveries(t, s, "acme")[0], deliveryKey{held.Receiver.Name, "x", 1, 0, depc.DeliverySuperseded})

	// The holder of both resolutions dies. Once its lease is over, am's
	// is superseded by a newer state rather than sent; hook's, still the
	// newest to hook, is claimed again.
	get(s.ChangeAlert(ctx, "acme", firing("x", 3, 1500), []string{"am"})).must(t)
	cs = get(s.ClaimAlertDeliveries(ctx, "three", now+1000, 60, 10)).must(t)
	equal(t, "claim after a holder died", claimedKeys(cs), []deliveryKey{
		{"am", "x", 3, 0, depc.DeliveryPending}, {"hook", "x", 2, 0, depc.DeliveryPending}})
	equal(t, "am's resolution", deliveries(t, s, "acme")[1], deliveryKey{"am", "x", 2, 0, depc.DeliverySuperseded})
}

func testRefresh(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	receivers(t, s, "acme", am, hook)
	a := firing("x", 1, 1000)
	get(s.ChangeAlert(ctx, "acme", a, []string{"am", "hook"})).must(t)
	equal(t, "QueueAlertRefresh", get(s.QueueAlertRefresh(ctx, "acme", "x", 1, 7, 1500, []string{"am", "gone"})).must(t), 1)
	// Once per slot, whoever asks.
	equal(t, "QueueAlertRefresh again", get(s.QueueAlertRefresh(ctx, "acme", "x", 1, 7, 1500, []string{"am"})).must(t), 0)
	equal(t, "QueueAlertRefresh(old seq)", get(s.QueueAlertRefresh(ctx, "acme", "x", 0, 8, 1500, []string{"am"})).must(t), 0)
	equal(t, "deliveries", deliveries(t, s, "acme"), []deliveryKey{
		{"am", "x", 1, 0, depc.DeliverySuperseded}, {"am", "x", 1, 7, depc.DeliveryPending}, {"hook", "x", 1, 0, depc.DeliveryPending}})
	for _, d := range get(s.AlertDeliveries(ctx, "acme", 0)).must(t) {
		equal(t, "refresh's alert", d.Alert, a)
	}
	get(s.ChangeAlert(ctx, "acme", resolved(a, 2000), nil)).must(t)
	equal(t, "QueueAlertRefresh(resolved)", get(s.QueueAlertRefresh(ctx, "acme", "x", 1, 8, 1500, []string{"am"})).must(t), 0)
	_, err := s.QueueAlertRefresh(ctx, "acme", "nope", 1, 1, 1500, []string{"am"})
	wantCode(t, err, depc.ENOTFOUND, "QueueAlertRefresh(unknown alert)")
	_, err = s.QueueAlertRefresh(ctx, "acme", "x", 2, 0, 1500, []string{"am"})
	wantCode(t, err, depc.EINVALID, "QueueAlertRefresh(slot 0)")
}

func testDeleteReceiver(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	receivers(t, s, "acme", am, hook)
	get(s.ChangeAlert(ctx, "acme", firing("x", 1, 1000), []string{"am", "hook"})).must(t)
	mustDo(t, s.DeleteAlertReceiver(ctx, "acme", "hook"))
	equal(t, "deliveries", deliveries(t, s, "acme"), []deliveryKey{
		{"am", "x", 1, 0, depc.DeliveryPending}, {"hook", "x", 1, 0, depc.DeliverySuperseded}})
	now := int64(1000) // when the alert fired: its deliveries are created and due then
	equal(t, "claim", claimedKeys(get(s.ClaimAlertDeliveries(ctx, "one", now, 60, 10)).must(t)),
		[]deliveryKey{{"am", "x", 1, 0, depc.DeliveryPending}})
}

func testPrune(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	receivers(t, s, "acme", am)
	a := firing("x", 1, 1000)
	get(s.ChangeAlert(ctx, "acme", a, []string{"am"})).must(t)
	get(s.ChangeAlert(ctx, "acme", firing("y", 1, 1000), []string{"am"})).must(t)
	now := int64(1600)
	for _, c := range get(s.ClaimAlertDeliveries(ctx, "one", now, 60, 10)).must(t) {
		mustDo(t, s.FinishAlertDelivery(ctx, c.ID, "one", depc.DeliveryResult{At: now}))
	}
	r := resolved(a, 1100)
	get(s.ChangeAlert(ctx, "acme", r, []string{"am"})).must(t)

	// A pending delivery keeps its alert.
	equal(t, "PruneAlerts(pending)", get(s.PruneAlerts(ctx, now+1)).must(t), 2)
	equal(t, "deliveries", deliveries(t, s, "acme"), []deliveryKey{{"am", "x", 2, 0, depc.DeliveryPending}})
	equal(t, "Alerts", len(get(s.Alerts(ctx, "acme")).must(t)), 2)
	for _, c := range get(s.ClaimAlertDeliveries(ctx, "one", now, 60, 10)).must(t) {
		mustDo(t, s.FinishAlertDelivery(ctx, c.ID, "one", depc.DeliveryResult{At: now}))
	}
	// x ended at 1100, y fires: only x goes.
	equal(t, "PruneAlerts", get(s.PruneAlerts(ctx, now+1)).must(t), 2)
	equal(t, "Alerts after prune", get(s.Alerts(ctx, "acme")).must(t), []depc.Alert{firing("y", 1, 1000)})
	equal(t, "deliveries after prune", deliveries(t, s, "acme"), []deliveryKey{})
	// A pruned alert starts again at 1.
	get(s.ChangeAlert(ctx, "acme", firing("x", 1, 5000), []string{"am"})).must(t)
	equal(t, "deliveries after a pruned alert fires again", deliveries(t, s, "acme"), []deliveryKey{{"am", "x", 1, 0, depc.DeliveryPending}})
}

func testAlertsUnknownTeam(t *testing.T, s Alerts) {
	unknownTeam(t, map[string]error{
		"SetAlertReceiver":      second(s.SetAlertReceiver(ctx, "nope", am)),
		"SetAlertReceiver(bad)": second(s.SetAlertReceiver(ctx, "nope", depc.AlertReceiver{})),
		"AlertReceiver":         second(s.AlertReceiver(ctx, "nope", "am")),
		"AlertReceivers":        second(s.AlertReceivers(ctx, "nope")),
		"DeleteAlertReceiver":   s.DeleteAlertReceiver(ctx, "nope", "am"),
		"Alerts":                second(s.Alerts(ctx, "nope")),
		"ChangeAlert":           second(s.ChangeAlert(ctx, "nope", firing("x", 1, 1), nil)),
		"ChangeAlert(bad)":      second(s.ChangeAlert(ctx, "nope", depc.Alert{}, nil)),
		"QueueAlertRefresh":     second(s.QueueAlertRefresh(ctx, "nope", "x", 1, 1, 1500, nil)),
		"QueueAlertRefresh(0)":  second(s.QueueAlertRefresh(ctx, "nope", "x", 1, 0, 1500, nil)),
		"AlertDeliveries":       second(s.AlertDeliveries(ctx, "nope", 0)),
	})
}

func testAlertsTeamIsolation(t *testing.T, s Alerts) {
	createTeam(t, s, "acme")
	createTeam(t, s, "other")
	receivers(t, s, "acme", am, hook)
	receivers(t, s, "other", depc.AlertReceiver{Name: "am", Type: depc.ReceiverAlertmanager, URL: "http://other:9093"})
	a := firing("x", 1, 1000)
	get(s.ChangeAlert(ctx, "acme", a, []string{"am", "hook"})).must(t)
	equal(t, "AlertReceivers(other)", len(get(s.AlertReceivers(ctx, "other")).must(t)), 1)
	_, err := s.AlertReceiver(ctx, "other", "hook")
	wantCode(t, err, depc.ENOTFOUND, "AlertReceiver(other, hook)")
	wantCode(t, s.DeleteAlertReceiver(ctx, "other", "hook"), depc.ENOTFOUND, "DeleteAlertReceiver(other, hook)")
	equal(t, "Alerts(other)", get(s.Alerts(ctx, "other")).must(t), []depc.Alert(nil))
	equal(t, "AlertDeliveries(other)", deliveries(t, s, "other"), []deliveryKey{})
	_, err = s.QueueAlertRefresh(ctx, "other", "x", 1, 1, 1500, []string{"am"})
	wantCode(t, err, depc.ENOTFOUND, "QueueAlertRefresh(other)")

	// The other team's alert of the same ID is its own, sent to its own
	// receiver of the same name.
	get(s.ChangeAlert(ctx, "other", a, []string{"am"})).must(t)
	now := int64(1000) // when the alert fired: its deliveries are created and due then
	cs := get(s.ClaimAlertDeliveries(ctx, "one", now, 60, 10)).must(t)
	if len(cs) != 3 {
		t.Fatalf("claimed %d deliveries, want 3", len(cs))
	}
	for _, c := range cs {
		if c.Team == "other" && c.Receiver.URL != "http://other:9093" {
			t.Errorf("other's delivery goes to %s", c.Receiver.URL)
		}
	}
	mustDo(t, s.DeleteAlertReceiver(ctx, "other", "am"))
	equal(t, "acme's deliveries", deliveries(t, s, "acme"), []deliveryKey{
		{"am", "x", 1, 0, depc.DeliveryPending}, {"hook", "x", 1, 0, depc.DeliveryPending}})
}
