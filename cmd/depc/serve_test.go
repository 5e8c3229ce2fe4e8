package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/fake"
)

// syncBuffer is an io.Writer the server writes to while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// running is a `depc serve` started by a test.
type running struct {
	t      *testing.T
	url    string
	token  string
	cancel context.CancelFunc
	done   chan error
	stdout *syncBuffer
	stderr *syncBuffer
}

var (
	readyLine = regexp.MustCompile(`depc: ready at (http://\S+)`)
	tokenLine = regexp.MustCompile(`depc: admin token [^:]*: (\S+)`)
)

// startServe runs the whole program, `depc serve` with the arguments, in a
// goroutine, and returns once it says where it listens and its admin
// token. The test's end stops it and wants a clean shutdown.
func startServe(t *testing.T, args ...string) *running {
	t.Helper()
	r := startServeWith(t, "", args...)
	if r.token == "" {
		r.stop()
		t.Fatalf("depc serve printed no admin token:\n%s", r.stdout.String())
	}
	return r
}

// startServeWith is startServe for a server that prints no admin token
// (configured, or set at an earlier start): requests use token.
func startServeWith(t *testing.T, token string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{t: t, cancel: cancel, done: make(chan error, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	go func() { r.done <- run(ctx, append([]string{"serve"}, args...), r.stdout, r.stderr) }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out := r.stdout.String()
		if ready := readyLine.FindStringSubmatch(out); ready != nil {
			r.url, r.token = ready[1], token
			// The token line comes before the ready line.
			if printed := tokenLine.FindStringSubmatch(out); printed != nil {
				r.token = printed[1]
			}
			break
		}
		select {
		case err := <-r.done:
			cancel()
			t.Fatalf("depc serve ended before it was ready: %v\nstdout:\n%s\nstderr:\n%s", err, out, r.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("depc serve not ready:\nstdout:\n%s\nstderr:\n%s", out, r.stderr.String())
		}
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// stop cancels the program's context and wants run to return nil.
func (r *running) stop() {
	r.t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("depc serve returned %v after its context ended\nstderr:\n%s", err, r.stderr.String())
		}
	case <-time.After(time.Minute):
		r.t.Errorf("depc serve did not stop\nstderr:\n%s", r.stderr.String())
	}
}

// call sends a request to /api/v1 + path with the admin token (or the one
// given) and returns the status and body.
func (r *running) call(method, path string, body any, token ...string) (int, []byte) {
	r.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			r.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, r.url+"/api/v1"+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	tk := r.token
	if len(token) > 0 {
		tk = token[0]
	}
	if tk != "" {
		req.Header.Set("Authorization", "Bearer "+tk)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// must sends a request, wants the status and decodes the answer into out.
func (r *running) must(method, path string, body any, want int, out any) {
	r.t.Helper()
	status, b := r.call(method, path, body)
	if status != want {
		r.t.Fatalf("%s %s: %d, want %d: %s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			r.t.Fatalf("%s %s: %s: %v", method, path, b, err)
		}
	}
}

// wantError sends a request and wants the status and error code.
func (r *running) wantError(method, path string, body any, status int, code string, token ...string) {
	r.t.Helper()
	got, b := r.call(method, path, body, token...)
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if got != status || json.Unmarshal(b, &e) != nil || e.Error.Code != code || e.Error.Message == "" {
		r.t.Errorf("%s %s: %d %s, want %d %s", method, path, got, b, status, code)
	}
}

// pingKO returns the minutes of the tutorial day (2020-07-29) during
// which the Fake source's ping of a node is above 20 ms: each datapoint
// holds for its minute.
func pingKO(t *testing.T, name string, start int64) map[int]bool {
	t.Helper()
	ko := map[int]bool{}
	err := fake.New().Fetch(context.Background(), depc.CheckParameters{Query: "depc.tutorial.ping", Threshold: "20"},
		depc.Window{Start: start, End: start + 86400}, []string{name}, func(r depc.SourceResult) {
			if r.Err != nil || len(r.Series) != 1 || len(r.Series[0].Points) != 1440 {
				t.Fatalf("fake %s: %v", name, r.Err)
			}
			for i, p := range r.Series[0].Points {
				if p.V > 20 {
					ko[i] = true
				}
			}
		})
	if err != nil {
		t.Fatal(err)
	}
	return ko
}

func qosOfKO(kos ...map[int]bool) float64 {
	union := map[int]bool{}
	for _, ko := range kos {
		for m := range ko {
			union[m] = true
		}
	}
	return 100 * float64(1440-len(union)) / 1440
}

func round3(x float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 3, 64), 64)
	return r
}

// TestServeTutorial runs the whole program and follows the tutorial over
// HTTP: a team, its graph, a Fake source, a check, a rule, a config, a run
// of 2020-07-29, then every read of its results, checked against QoS
// computed here from the Fake data; then each documented error once.
func TestServeTutorial(t *testing.T) {
	s := startServe(t, "--addr", "127.0.0.1:0", "--data", t.TempDir())

	s.must("POST", "/teams", map[string]any{"name": "acme", "timezone": "UTC"}, http.StatusCreated, nil)
	const start = 1595980800 // 2020-07-29 00:00 UTC
	var msgs []map[string]any
	for _, rel := range [][4]string{
		{"Offer", "premium", "Website", "foo.com"}, {"Offer", "premium", "Website", "bar.com"},
		{"Website", "foo.com", "Filer", "filer1"}, {"Website", "foo.com", "Apache", "apache1"},
		{"Website", "bar.com", "Filer", "filer2"}, {"Website", "bar.com", "Apache", "apache2"},
	} {
		msgs = append(msgs, map[string]any{
			"source": map[string]any{"label": rel[0], "name": rel[1]},
			"target": map[string]any{"label": rel[2], "name": rel[3]},
			"rel":    map[string]any{"from": start - 86400},
		})
	}
	var accepted struct {
		Accepted int               `json:"accepted"`
		Rejected []json.RawMessage `json:"rejected"`
	}
	s.must("POST", "/teams/acme/messages", msgs, http.StatusOK, &accepted)
	if accepted.Accepted != 6 || len(accepted.Rejected) != 0 {
		t.Fatalf("messages: %+v", accepted)
	}
	s.must("POST", "/teams/acme/sources", map[string]any{"name": "Fake", "plugin": "Fake"}, http.StatusCreated, nil)
	s.must("POST", "/teams/acme/checks", map[string]any{"name": "Server Ping", "source": "Fake", "type": "Threshold",
		"parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "20"}}, http.StatusCreated, nil)
	s.must("POST", "/teams/acme/rules", map[string]any{"name": "Servers", "checks": []string{"Server Ping"}}, http.StatusCreated, nil)
	s.must("PUT", "/teams/acme/config", map[string]any{
		"Apache":  map[string]any{"qos": "rule.Servers"},
		"Filer":   map[string]any{"qos": "rule.Servers"},
		"Website": map[string]any{"qos": "operation.AND[Filer, Apache]"},
		"Offer":   map[string]any{"qos": "aggregation.AVERAGE[Website]"},
	}, http.StatusOK, nil)
	var run depc.Run
	s.must("POST", "/teams/acme/runs?wait=true", map[string]any{"day": "2020-07-29"}, http.StatusOK, &run)
	if run.Status != depc.RunSucceeded || run.Nodes != 7 || len(run.Errors) != 0 {
		t.Fatalf("run: %+v", run)
	}

	// Expected QoS, from the Fake data alone.
	ko := map[string]map[int]bool{}
	for _, n := range []string{"filer1", "apache1", "filer2", "apache2"} {
		ko[n] = pingKO(t, n, start)
	}
	want := map[string]float64{
		"Filer/filer1": qosOfKO(ko["filer1"]), "Apache/apache1": qosOfKO(ko["apache1"]),
		"Filer/filer2": qosOfKO(ko["filer2"]), "Apache/apache2": qosOfKO(ko["apache2"]),
		"Website/foo.com": qosOfKO(ko["filer1"], ko["apache1"]), "Website/bar.com": qosOfKO(ko["filer2"], ko["apache2"]),
	}
	want["Offer/premium"] = (want["Website/foo.com"] + want["Website/bar.com"]) / 2
	// The tutorial's filer1: ping 74, 133, 43 at minutes 391-393 (spec/fake-source.md).
	if !ko["filer1"][391] || !ko["filer1"][392] || !ko["filer1"][393] || round3(want["Filer/filer1"]) != 99.792 {
		t.Fatalf("the Fake data differ from spec/fake-source.md: filer1 KO %v", ko["filer1"])
	}
	got := map[string]float64{}
	for key, w := range want {
		label, name, _ := strings.Cut(key, "/")
		var days []struct {
			Day string   `json:"day"`
			QoS *float64 `json:"qos"`
		}
		s.must("GET", "/teams/acme/labels/"+label+"/nodes/"+name+"/qos?start=2020-07-29&end=2020-07-29", nil, http.StatusOK, &days)
		if len(days) != 1 || days[0].Day != "2020-07-29" || days[0].QoS == nil || *days[0].QoS != round3(w) {
			t.Errorf("%s: %+v, want %v", key, days, round3(w))
			continue
		}
		got[key] = *days[0].QoS
	}
	// Consistency of what was read: AND is at most its worst child, the
	// offer the average of its websites.
	for _, site := range [][3]string{{"Website/foo.com", "Filer/filer1", "Apache/apache1"}, {"Website/bar.com", "Filer/filer2", "Apache/apache2"}} {
		if got[site[0]] > min(got[site[1]], got[site[2]]) {
			t.Errorf("%s %v is above a child (%v, %v)", site[0], got[site[0]], got[site[1]], got[site[2]])
		}
	}

	var label []struct {
		Day   string   `json:"day"`
		QoS   *float64 `json:"qos"`
		Nodes int      `json:"nodes"`
	}
	s.must("GET", "/teams/acme/labels/Website/qos?start=2020-07-29&end=2020-07-29", nil, http.StatusOK, &label)
	if len(label) != 1 || label[0].Nodes != 2 || *label[0].QoS != round3(want["Offer/premium"]) {
		t.Errorf("Website label QoS: %+v, want %v", label, round3(want["Offer/premium"]))
	}
	var worst []struct {
		Name string  `json:"name"`
		QoS  float64 `json:"qos"`
	}
	s.must("GET", "/teams/acme/labels/Filer/worst?day=2020-07-29", nil, http.StatusOK, &worst)
	if len(worst) != 2 || worst[0].QoS > worst[1].QoS || worst[0].QoS != round3(min(want["Filer/filer1"], want["Filer/filer2"])) {
		t.Errorf("worst filers: %+v", worst)
	}
	var rc struct {
		Causes []struct {
			Name    string `json:"name"`
			Overlap int64  `json:"overlap"`
		} `json:"causes"`
	}
	s.must("GET", "/teams/acme/labels/Website/nodes/foo.com/rootcause?day=2020-07-29", nil, http.StatusOK, &rc)
	overlap := map[string]int64{}
	for _, c := range rc.Causes {
		overlap[c.Name] = c.Overlap
	}
	if len(rc.Causes) != 2 || overlap["filer1"] != int64(60*len(ko["filer1"])) || overlap["apache1"] != int64(60*len(ko["apache1"])) {
		t.Errorf("root cause of foo.com: %+v", rc.Causes)
	}

	// Every documented error, once.
	var user struct {
		Token string `json:"token"`
	}
	s.must("POST", "/users", map[string]any{"name": "vic"}, http.StatusCreated, &user)
	s.must("PUT", "/teams/acme/grants/vic", map[string]any{"role": "viewer"}, http.StatusOK, nil)
	s.wantError("PUT", "/teams/acme/config", `{"Website": {"qos": "operation.AND[Filer, Cache]"}}`, 400, depc.EINVALID)
	s.wantError("GET", "/teams/acme", nil, 401, depc.EUNAUTHORIZED, "")
	s.wantError("GET", "/teams/acme", nil, 401, depc.EUNAUTHORIZED, "depc_unknown")
	s.wantError("POST", "/teams/acme/messages", msgs, 403, depc.EFORBIDDEN, user.Token)
	s.wantError("GET", "/teams/acme/labels/Filer/nodes/filer9", nil, 404, depc.ENOTFOUND)
	s.wantError("POST", "/teams", map[string]any{"name": "acme"}, 409, depc.ECONFLICT)
	s.wantError("DELETE", "/teams/acme/rules/Servers", nil, 409, depc.ECONFLICT)
	s.wantError("POST", "/teams", `{"name": "big"}`+strings.Repeat(" ", 1<<20), 413, depc.ETOOLARGE)
	// With the UI served at /, unknown API routes stay JSON 404s.
	s.wantError("GET", "/nothing", nil, 404, depc.ENOTFOUND)
	s.wantError("POST", "/nothing", "{}", 404, depc.ENOTFOUND)
	// The viewer reads.
	if status, _ := s.call("GET", "/teams/acme/labels", nil, user.Token); status != http.StatusOK {
		t.Errorf("viewer reading labels: %d", status)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json", "/"} {
		resp, err := http.Get(s.url + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	s.stop()
}

// TestServeDemo: `depc serve --demo` says ready with team acme computed for
// its last 7 days.
func TestServeDemo(t *testing.T) {
	s := startServe(t, "--demo", "--addr", "127.0.0.1:0", "--data", t.TempDir())
	today := time.Now().UTC()
	startDay := today.AddDate(0, 0, -7).Format(time.DateOnly)
	endDay := today.AddDate(0, 0, -1).Format(time.DateOnly)
	var days []struct {
		Day string   `json:"day"`
		QoS *float64 `json:"qos"`
	}
	s.must("GET", fmt.Sprintf("/teams/acme/labels/Website/nodes/foo.com/qos?start=%s&end=%s", startDay, endDay), nil, http.StatusOK, &days)
	if len(days) != 7 {
		// The day may have changed between the demo's start and now.
		t.Fatalf("foo.com: %d days, want 7: %+v", len(days), days)
	}
	for _, d := range days {
		if d.QoS == nil || *d.QoS <= 0 || *d.QoS > 100 {
			t.Errorf("foo.com %s: qos %v", d.Day, d.QoS)
		}
	}
	var offer []struct {
		QoS *float64 `json:"qos"`
	}
	s.must("GET", fmt.Sprintf("/teams/acme/labels/Offer/qos?start=%s&end=%s", startDay, endDay), nil, http.StatusOK, &offer)
	if len(offer) != 7 {
		t.Errorf("Offer averages: %d days", len(offer))
	}
	// The customer foo.com has an objective, and a budget over the days
	// computed.
	var budget struct {
		Objective struct {
			Target float64 `json:"target"`
		} `json:"objective"`
		Allowed float64 `json:"allowed"`
		Days    []struct {
			Day string `json:"day"`
		} `json:"days"`
	}
	s.must("GET", "/teams/acme/labels/Website/nodes/foo.com/budget", nil, http.StatusOK, &budget)
	if budget.Objective.Target != 99.5 || budget.Allowed <= 0 || len(budget.Days) == 0 {
		t.Errorf("foo.com budget: %+v", budget)
	}
	s.stop()
}

// TestBenchAPI runs `depc bench api` on the tiny workload, briefly and with
// the load generator in process: every request must succeed.
func TestBenchAPI(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"bench", "api", "--size", "tiny", "--days", "2", "--rate", "200",
		"--duration", "1s", "--in-process", "--data", t.TempDir()}, &out, &errOut)
	if err != nil {
		t.Fatalf("bench api: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{"sent 200 requests", ", 0 errors", "qos ", "worst ", "dependencies ", "target (p99 <= 20 ms, no error): "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("bench api output does not say %q:\n%s", want, out.String())
		}
	}
	for _, bad := range [][]string{{"--rate", "0"}, {"--days", "9"}, {"--size", "huge"}, {"--duration", "0s"}} {
		if err := run(context.Background(), append([]string{"bench", "api"}, bad...), &out, &errOut); err == nil {
			t.Errorf("bench api %v: no error", bad)
		}
	}
}
