package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/alert"
)

// TestServeDemoAlerts: `depc serve --demo` evaluates and delivers alerts.
// The demo's customer foo.com runs at 99.583 % a day; with an objective
// of 99.9 % its latest day is under target, and a signed webhook tells
// so; back at the demo's 99.5 % the alert resolves.
func TestServeDemoAlerts(t *testing.T) {
	const secret = "demo-webhook-secret-0123456789"
	bodies := make(chan alert.Webhook, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := alert.Verify(secret, r.Header.Get(alert.SignatureHeader), b, time.Now(), 0); err != nil {
			t.Errorf("webhook: %v", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var wb alert.Webhook
		if err := json.Unmarshal(b, &wb); err != nil {
			t.Error(err)
		}
		bodies <- wb
	}))
	defer hook.Close()
	t.Setenv("DEPC_ALERTS_INTERVAL", "1s")
	t.Setenv("DEPC_ALERTS_POLL", "1s")
	s := startServe(t, "--demo", "--addr", "127.0.0.1:0", "--data", t.TempDir())

	s.must("PUT", "/teams/acme/alerts/receivers/hook", map[string]any{"type": "webhook", "url": hook.URL, "secret": secret}, http.StatusOK, nil)
	// next returns the next body about the day under target (at 99.9 %
	// the demo's downtime may also burn the budget fast enough for a
	// burn alert, depending on the hour: those are left aside).
	next := func(status string) alert.Webhook {
		t.Helper()
		for {
			select {
			case wb := <-bodies:
				if wb.Alert.Labels["alertname"] != alert.NameDayUnderTarget {
					continue
				}
				if wb.Status != status || wb.Team != "acme" || wb.Receiver != "hook" || wb.Alert.Labels["node"] != "foo.com" {
					t.Fatalf("webhook got %+v, want foo.com's day under target %s", wb, status)
				}
				return wb
			case <-time.After(2 * time.Minute):
				t.Fatalf("no %s alert reached the webhook\nstderr:\n%s", status, s.stderr.String())
			}
		}
	}
	s.must("PUT", "/teams/acme/labels/Website/nodes/foo.com/objective", map[string]any{"target": 99.9, "window": "calendar_month"}, http.StatusOK, nil)
	fired := next(alert.StatusFiring)
	if fired.Alert.Labels["objective"] != "99.9% calendar_month" || fired.Alert.Annotations["qos"] == "" {
		t.Errorf("firing: %+v", fired.Alert)
	}
	var as []depc.Alert
	s.must("GET", "/teams/acme/alerts?firing=true", nil, http.StatusOK, &as)
	if !slices.ContainsFunc(as, func(a depc.Alert) bool { return a.ID == fired.Alert.ID }) {
		t.Errorf("GET alerts: %+v", as)
	}

	s.must("PUT", "/teams/acme/labels/Website/nodes/foo.com/objective", map[string]any{"target": 99.5, "window": "calendar_month"}, http.StatusOK, nil)
	resolved := next(alert.StatusResolved)
	if resolved.Alert.ID != fired.Alert.ID || resolved.Alert.EndsAt == nil {
		t.Errorf("resolved: %+v", resolved.Alert)
	}
	// The webhook answered; the dispatcher records that right after.
	var mine []depc.AlertDelivery
	for deadline := time.Now().Add(time.Minute); ; {
		var ds []depc.AlertDelivery
		s.must("GET", "/teams/acme/alerts/deliveries", nil, http.StatusOK, &ds)
		mine = mine[:0]
		for _, d := range ds {
			if d.Alert.ID == fired.Alert.ID {
				mine = append(mine, d)
			}
		}
		if len(mine) == 2 && mine[0].Status == depc.DeliveryDelivered && mine[1].Status == depc.DeliveryDelivered || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(mine) != 2 || mine[0].Status != depc.DeliveryDelivered || mine[1].Status != depc.DeliveryDelivered || mine[0].Alert.Firing {
		t.Errorf("deliveries: %+v", mine)
	}
	s.stop()
}
