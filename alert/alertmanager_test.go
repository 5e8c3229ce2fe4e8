package alert

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/internal/testenv"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/state/postgres"
	"github.com/depc-dev/depc/state/postgres/pgtest"
	"github.com/depc-dev/depc/state/sqlite"
)

// amProxy stands between depc and the real Alertmanager and keeps the
// alerts of one team that were posted, so the test can count sends; the
// Alertmanager itself would hide a second send (same labels, one alert).
type amProxy struct {
	target, team string
	mu           sync.Mutex
	posted       []AMAlert
}

func (p *amProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPost && r.URL.Path == "/api/v2/alerts" {
		var as []AMAlert
		if err := json.Unmarshal(body, &as); err == nil {
			p.mu.Lock()
			for _, a := range as {
				if a.Labels["team"] == p.team {
					p.posted = append(p.posted, a)
				}
			}
			p.mu.Unlock()
		}
	}
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func (p *amProxy) sent() []AMAlert {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]AMAlert(nil), p.posted...)
}

// gettableAlert is what GET /api/v2/alerts lists.
type gettableAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
}

// active lists the team's alerts the Alertmanager holds as active.
func active(t *testing.T, base, team string) []gettableAlert {
	t.Helper()
	q := url.Values{"filter": {`team="` + team + `"`}}
	resp, err := http.Get(base + "/api/v2/alerts?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var as []gettableAlert
	if err := json.NewDecoder(resp.Body).Decode(&as); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v2/alerts: %d %v", resp.StatusCode, err)
	}
	return as
}

// TestAlertmanager runs the whole path against the real Alertmanager of
// deploy/dev: the demo's customer foo.com (its own objective, 99.5 % over
// the month) has a day under target; two replicas — each its own store
// connection, evaluator and dispatcher — run at once; the alert reaches
// the Alertmanager once, and resolves once when the day is recomputed
// above target. Both on SQLite (replicas of one machine) and PostgreSQL.
func TestAlertmanager(t *testing.T) {
	base := strings.TrimSuffix(testenv.RequireService(t, testenv.AlertmanagerURL), "/")
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "state.db")
		testAlertmanager(t, base, func(t *testing.T) fullState {
			st, err := sqlite.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		})
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.Schema(t)
		testAlertmanager(t, base, func(t *testing.T) fullState {
			st, err := postgres.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		})
	})
}

func testAlertmanager(t *testing.T, base string, open func(t *testing.T) fullState) {
	var b [6]byte
	rand.Read(b[:])
	team := "demo-" + hex.EncodeToString(b[:])
	proxy := &amProxy{target: base, team: team}
	srv := httptest.NewServer(proxy)
	defer srv.Close()

	// The Alertmanager's clock is the real one: so is the test's.
	e := newEnvOn(t, open(t), team, time.Time{})
	e.receiver(depc.AlertReceiver{Name: "am", Type: depc.ReceiverAlertmanager, URL: srv.URL})
	yesterday := depc.FormatDay(e.clock.Now().UTC().AddDate(0, 0, -1))
	e.day(yesterday, [2]int64{0, 2160}) // 97.5 %

	type replica struct {
		ev *Evaluator
		d  *Dispatcher
	}
	var replicas []replica
	for range 2 {
		st := open(t)
		budgets := objective.New(st, nil)
		budgets.Now = e.clock.Now
		ev := NewEvaluator(st, budgets)
		ev.Now = e.clock.Now
		d := NewDispatcher(st, NewSender(nil).Send)
		d.Now = e.clock.Now
		replicas = append(replicas, replica{ev, d})
	}
	// run evaluates then dispatches on every replica at once.
	run := func() (Changes, Result) {
		var mu sync.Mutex
		var c Changes
		var r Result
		var wg sync.WaitGroup
		for _, rep := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch, err := rep.ev.Team(ctx, team)
				if err != nil {
					t.Error(err)
				}
				res, err := rep.d.Dispatch(ctx)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				c.add(ch)
				r.Delivered += res.Delivered
				r.Retried += res.Retried
				r.Failed += res.Failed
				mu.Unlock()
			}()
		}
		wg.Wait()
		// A dispatcher may have claimed before the change was recorded:
		// one more pass sends what is left.
		for _, rep := range replicas {
			res, err := rep.d.Dispatch(ctx)
			if err != nil {
				t.Error(err)
			}
			r.Delivered += res.Delivered
		}
		return c, r
	}

	c, r := run()
	if c.Fired != 1 || r != (Result{Delivered: 1}) {
		t.Fatalf("firing: changes %+v, dispatches %+v; want one change, one delivery", c, r)
	}
	sent := proxy.sent()
	if len(sent) != 1 {
		t.Fatalf("the Alertmanager was sent %d alerts, want 1: %+v", len(sent), sent)
	}
	got := active(t, base, team)
	if len(got) != 1 {
		t.Fatalf("the Alertmanager holds %d alerts of the team, want 1: %+v", len(got), got)
	}
	a := got[0]
	wantLabels := map[string]string{"alertname": NameDayUnderTarget, "team": team, "label": "Website", "node": "foo.com",
		"objective": "99.5% calendar_month", "severity": "warning"}
	for k, v := range wantLabels {
		if a.Labels[k] != v {
			t.Errorf("label %s = %q, want %q (%v)", k, a.Labels[k], v, a.Labels)
		}
	}
	if a.Status.State != "active" || a.Annotations["qos"] != "97.500" || a.Annotations["day"] != yesterday ||
		a.StartsAt.After(e.clock.Now()) || !a.EndsAt.After(e.clock.Now().Add(time.Hour)) {
		t.Errorf("alert: %+v", a)
	}

	// Nothing changed: nothing is sent again.
	if c, r := run(); c != (Changes{}) || r != (Result{}) || len(proxy.sent()) != 1 {
		t.Errorf("again: changes %+v, dispatches %+v, %d sent", c, r, len(proxy.sent()))
	}

	// The day is recomputed (say a maintenance window was declared after
	// the fact): all up. The alert resolves, once.
	e.day(yesterday)
	c, r = run()
	if c.Resolved != 1 || r != (Result{Delivered: 1}) {
		t.Fatalf("resolving: changes %+v, dispatches %+v", c, r)
	}
	sent = proxy.sent()
	if len(sent) != 2 || sent[1].EndsAt.After(time.Now()) || !sent[1].StartsAt.Equal(sent[0].StartsAt) {
		t.Fatalf("sent: %+v; want the resolution second, ending in the past", sent)
	}
	if got := active(t, base, team); len(got) != 0 {
		t.Errorf("after the resolution the Alertmanager holds %+v", got)
	}
	for _, d := range e.deliveries() {
		if d.Status != depc.DeliveryDelivered || d.Attempts != 1 {
			t.Errorf("delivery %+v", d)
		}
	}
}
