package api_test

import (
	"net/http"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
)

const hookSecret = "webhook-secret-0123456789"

func TestAlertReceivers(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	mgr := e.user("mandy", "acme", depc.RoleManager)
	e.token = mgr

	var got depc.AlertReceiver
	e.call("PUT", "/teams/acme/alerts/receivers/hook", map[string]any{"type": "webhook", "url": "https://hooks.example.com/x", "secret": hookSecret}, http.StatusOK, &got)
	if got != (depc.AlertReceiver{Name: "hook", Type: "webhook", URL: "https://hooks.example.com/x", Secret: api.SecretMask}) {
		t.Errorf("PUT: %+v", got)
	}
	e.call("PUT", "/teams/acme/alerts/receivers/am", map[string]any{"type": "alertmanager", "url": "http://127.0.0.1:9093"}, http.StatusOK, nil)
	var list []depc.AlertReceiver
	e.call("GET", "/teams/acme/alerts/receivers", nil, http.StatusOK, &list)
	if len(list) != 2 || list[0].Name != "am" || list[0].Secret != "" || list[1].Secret != api.SecretMask {
		t.Errorf("GET receivers: %+v", list)
	}
	e.call("GET", "/teams/acme/alerts/receivers/hook", nil, http.StatusOK, &got)
	if got.Secret != api.SecretMask {
		t.Errorf("GET receiver: %+v", got)
	}
	stored := func() depc.AlertReceiver {
		r, err := e.state.AlertReceiver(e.ctx, "acme", "hook")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// The mask keeps the stored secret while type and url stay.
	e.call("PUT", "/teams/acme/alerts/receivers/hook", map[string]any{"type": "webhook", "url": "https://hooks.example.com/x", "secret": api.SecretMask}, http.StatusOK, nil)
	if s := stored().Secret; s != hookSecret {
		t.Errorf("after a PUT with the mask the secret is %q", s)
	}
	e.wantError(request{method: "PUT", path: "/teams/acme/alerts/receivers/hook",
		body: map[string]any{"type": "webhook", "url": "https://elsewhere.example.com/", "secret": api.SecretMask}},
		http.StatusBadRequest, depc.EINVALID, "secret", "url")
	e.wantError(request{method: "PUT", path: "/teams/acme/alerts/receivers/new",
		body: map[string]any{"type": "webhook", "url": "https://hooks.example.com/", "secret": api.SecretMask}},
		http.StatusBadRequest, depc.EINVALID, "secret")
	if s := stored(); s.Secret != hookSecret || s.URL != "https://hooks.example.com/x" {
		t.Errorf("refused PUTs changed the receiver: %+v", s)
	}

	for _, tt := range []struct {
		what  string
		body  map[string]any
		field string
	}{
		{"unknown type", map[string]any{"type": "email", "url": "https://x.example.com/"}, "type"},
		{"no url", map[string]any{"type": "alertmanager"}, "url"},
		{"webhook without secret", map[string]any{"type": "webhook", "url": "https://x.example.com/"}, "secret"},
		{"short secret", map[string]any{"type": "webhook", "url": "https://x.example.com/", "secret": "short"}, "secret"},
		{"alertmanager with a secret", map[string]any{"type": "alertmanager", "url": "https://x.example.com/", "secret": hookSecret}, "secret"},
		// The outbound guard of sources holds for receivers.
		{"cloud metadata", map[string]any{"type": "alertmanager", "url": "http://169.254.169.254/"}, "url"},
		{"metadata by name", map[string]any{"type": "webhook", "url": "http://metadata.google.internal/x", "secret": hookSecret}, "url"},
		{"unknown field", map[string]any{"type": "alertmanager", "url": "https://x.example.com/", "headers": map[string]any{}}, "headers"},
	} {
		e.wantError(request{method: "PUT", path: "/teams/acme/alerts/receivers/bad", body: tt.body}, http.StatusBadRequest, depc.EINVALID, tt.field)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/alerts/receivers/bad"}, http.StatusNotFound, depc.ENOTFOUND, "bad")

	e.call("DELETE", "/teams/acme/alerts/receivers/hook", nil, http.StatusNoContent, nil)
	e.wantError(request{method: "DELETE", path: "/teams/acme/alerts/receivers/hook"}, http.StatusNotFound, depc.ENOTFOUND, "hook")
}

func TestAlertsAndDeliveries(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	e.call("PUT", "/teams/acme/alerts/receivers/am", map[string]any{"type": "alertmanager", "url": "http://127.0.0.1:9093"}, http.StatusOK, nil)
	// What the evaluator records (package alert).
	a := depc.Alert{ID: "DepcDayUnderTarget/warning/99.5% calendar_month/Website/foo.com", Seq: 1, Firing: true, StartsAt: 1000,
		Labels: map[string]string{"alertname": "DepcDayUnderTarget", "node": "foo.com"}}
	if _, err := e.state.ChangeAlert(e.ctx, "acme", a, []string{"am"}); err != nil {
		t.Fatal(err)
	}
	b := depc.Alert{ID: "b", Seq: 2, StartsAt: 900, EndsAt: 950}
	if _, err := e.state.ChangeAlert(e.ctx, "acme", depc.Alert{ID: "b", Seq: 1, Firing: true, StartsAt: 900}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.state.ChangeAlert(e.ctx, "acme", b, nil); err != nil {
		t.Fatal(err)
	}
	viewer := e.user("vic", "acme", depc.RoleViewer)
	e.token = viewer
	var as []depc.Alert
	e.call("GET", "/teams/acme/alerts", nil, http.StatusOK, &as)
	if len(as) != 2 || as[0].ID != a.ID || as[1].ID != "b" || as[1].Labels == nil || as[1].Annotations == nil {
		t.Errorf("GET alerts: %+v", as)
	}
	e.call("GET", "/teams/acme/alerts?firing=true", nil, http.StatusOK, &as)
	if len(as) != 1 || as[0].ID != a.ID {
		t.Errorf("GET alerts?firing=true: %+v", as)
	}
	e.call("GET", "/teams/acme/alerts?firing=false", nil, http.StatusOK, &as)
	if len(as) != 1 || as[0].ID != "b" {
		t.Errorf("GET alerts?firing=false: %+v", as)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/alerts?firing=yes"}, http.StatusBadRequest, depc.EINVALID, "firing")
	var ds []depc.AlertDelivery
	e.call("GET", "/teams/acme/alerts/deliveries", nil, http.StatusOK, &ds)
	if len(ds) != 1 || ds[0].Receiver != "am" || ds[0].Status != depc.DeliveryPending || ds[0].Alert.ID != a.ID || ds[0].Team != "acme" {
		t.Errorf("GET deliveries: %+v", ds)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/alerts/deliveries?limit=0"}, http.StatusBadRequest, depc.EINVALID, "limit")
	// A viewer may not read receivers: a webhook's URL may hold a token.
	e.wantError(request{method: "GET", path: "/teams/acme/alerts/receivers"}, http.StatusForbidden, depc.EFORBIDDEN)
}
