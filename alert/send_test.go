package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/outbound"
)

var ctx = context.Background()

const hookSecret = "webhook-secret-0123456789"

func delivery(r depc.AlertReceiver, a depc.Alert) depc.ClaimedDelivery {
	return depc.ClaimedDelivery{AlertDelivery: depc.AlertDelivery{ID: 42, Team: "acme", Receiver: r.Name, Alert: a}, Receiver: r}
}

var fooAlert = depc.Alert{ID: "DepcDayUnderTarget/warning/99.5% calendar_month/Website/foo.com", Seq: 1, Firing: true, StartsAt: 1_773_000_000,
	Labels:      map[string]string{"alertname": NameDayUnderTarget, "team": "acme", "label": "Website", "node": "foo.com"},
	Annotations: map[string]string{"summary": "under target"}}

// TestWebhookSigned: a receiver that checks the signature as docs/alerts.md
// says accepts what Send posts, firing then resolved.
func TestWebhookSigned(t *testing.T) {
	now := time.Unix(1_773_000_100, 0)
	var got []Webhook
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := Verify(hookSecret, r.Header.Get(SignatureHeader), body, now, 0); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if r.Header.Get(DeliveryHeader) != "42" || r.Header.Get("Content-Type") != "application/json" || r.Method != http.MethodPost {
			t.Errorf("request: %s %v", r.Method, r.Header)
		}
		var wb Webhook
		if err := json.Unmarshal(body, &wb); err != nil {
			t.Error(err)
		}
		got = append(got, wb)
	}))
	defer srv.Close()
	s := NewSender(nil)
	hook := depc.AlertReceiver{Name: "hook", Type: depc.ReceiverWebhook, URL: srv.URL + "/depc?k=v", Secret: hookSecret}
	if err := s.Send(ctx, delivery(hook, fooAlert), now); err != nil {
		t.Fatal(err)
	}
	resolved := fooAlert
	resolved.Seq, resolved.Firing, resolved.EndsAt = 2, false, 1_773_000_050
	if err := s.Send(ctx, delivery(hook, resolved), now); err != nil {
		t.Fatal(err)
	}
	// The wrong secret is refused by the receiver: permanent.
	bad := hook
	bad.Secret = "another-secret-0123456789"
	var se *SendError
	if err := s.Send(ctx, delivery(bad, fooAlert), now); !errors.As(err, &se) || !se.Permanent || !strings.Contains(se.Msg, "401") {
		t.Errorf("Send with the wrong secret: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("%d bodies received", len(got))
	}
	start := time.Unix(1_773_000_000, 0).UTC()
	end := time.Unix(1_773_000_050, 0).UTC()
	want := []Webhook{
		{Version: "1", Delivery: 42, Team: "acme", Receiver: "hook", Status: "firing", SentAt: now.UTC(),
			Alert: WebhookAlert{ID: fooAlert.ID, Seq: 1, Labels: fooAlert.Labels, Annotations: fooAlert.Annotations, StartsAt: start}},
		{Version: "1", Delivery: 42, Team: "acme", Receiver: "hook", Status: "resolved", SentAt: now.UTC(),
			Alert: WebhookAlert{ID: fooAlert.ID, Seq: 2, Labels: fooAlert.Labels, Annotations: fooAlert.Annotations, StartsAt: start, EndsAt: &end}},
	}
	for i := range want {
		gj, _ := json.Marshal(got[i])
		wj, _ := json.Marshal(want[i])
		if !bytes.Equal(gj, wj) {
			t.Errorf("body %d:\n got  %s\n want %s", i, gj, wj)
		}
	}
}

func TestAlertmanagerPayload(t *testing.T) {
	now := time.Unix(1_773_000_100, 0)
	var got [][]AMAlert
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		var as []AMAlert
		if err := json.NewDecoder(r.Body).Decode(&as); err != nil {
			t.Error(err)
		}
		got = append(got, as)
	}))
	defer srv.Close()
	s := NewSender(nil)
	s.ExternalURL = "https://depc.example.com/"
	am := depc.AlertReceiver{Name: "am", Type: depc.ReceiverAlertmanager, URL: srv.URL + "/am/"}
	if err := s.Send(ctx, delivery(am, fooAlert), now); err != nil {
		t.Fatal(err)
	}
	resolved := fooAlert
	resolved.Seq, resolved.Firing, resolved.EndsAt = 2, false, 1_773_000_050
	if err := s.Send(ctx, delivery(am, resolved), now); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0]) != 1 || len(got[1]) != 1 {
		t.Fatalf("received %v", got)
	}
	if paths[0] != "/am/api/v2/alerts" {
		t.Errorf("path %s", paths[0])
	}
	start := time.Unix(1_773_000_000, 0)
	f, r := got[0][0], got[1][0]
	// Firing: ends Hold after the send unless refreshed. Resolved: ended
	// when it resolved, in the past.
	if !f.StartsAt.Equal(start) || !f.EndsAt.Equal(now.Add(s.Hold)) || f.Labels["node"] != "foo.com" || f.Annotations["summary"] != "under target" {
		t.Errorf("firing: %+v", f)
	}
	if !r.StartsAt.Equal(start) || !r.EndsAt.Equal(time.Unix(1_773_000_050, 0)) {
		t.Errorf("resolved: %+v", r)
	}
	if f.GeneratorURL != "https://depc.example.com/t/acme/labels/Website/nodes/foo.com" {
		t.Errorf("generatorURL %s", f.GeneratorURL)
	}
}

// syncBuffer is a log destination the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSendErrors: which failures are retried, and what a receiver answered
// reaches the server log but not the delivery's error.
func TestSendErrors(t *testing.T) {
	var status int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status == http.StatusFound {
			http.Redirect(w, r, "http://169.254.169.254/", status)
			return
		}
		http.Error(w, "internal detail 7f3a", status)
	}))
	defer srv.Close()
	var logs syncBuffer
	guard, err := outbound.New(outbound.Policy{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSender(guard)
	am := depc.AlertReceiver{Name: "am", Type: depc.ReceiverAlertmanager, URL: srv.URL}
	for _, tt := range []struct {
		status    int
		permanent bool
	}{
		{http.StatusServiceUnavailable, false},
		{http.StatusInternalServerError, false},
		{http.StatusTooManyRequests, false},
		{http.StatusRequestTimeout, false},
		{http.StatusBadRequest, true},
		{http.StatusNotFound, true},
		{http.StatusFound, true},
	} {
		status = tt.status
		err := s.Send(ctx, delivery(am, fooAlert), time.Now())
		var se *SendError
		if !errors.As(err, &se) || se.Permanent != tt.permanent || !strings.HasPrefix(se.Msg, "HTTP ") || strings.Contains(se.Msg, "7f3a") {
			t.Errorf("status %d: %v (permanent %v), want permanent %v and no body", tt.status, err, se != nil && se.Permanent, tt.permanent)
		}
	}
	if !strings.Contains(logs.String(), "7f3a") || !strings.Contains(logs.String(), "alert receiver acme/am") {
		t.Errorf("the server log misses what the receiver answered:\n%s", logs.String())
	}

	// Nobody listens: retried.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	err = s.Send(ctx, delivery(depc.AlertReceiver{Name: "am", Type: depc.ReceiverAlertmanager, URL: closed}, fooAlert), time.Now())
	var se *SendError
	if !errors.As(err, &se) || se.Permanent {
		t.Errorf("connection refused: %v, want a retried error", err)
	}

	// An address the guard refuses: permanent, said as the guard says it.
	strict, err := outbound.New(outbound.Policy{Allow: []string{"alerts.example.com"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = NewSender(strict).Send(ctx, delivery(am, fooAlert), time.Now())
	if !errors.As(err, &se) || !se.Permanent {
		t.Errorf("refused by the guard: %v, want a permanent error", err)
	}
}
