package influxdb_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/influxdb"
)

// fakeServer answers every /query with body and status, and keeps the last
// request.
func fakeServer(t *testing.T, status int, body string) (*httptest.Server, *http.Request) {
	t.Helper()
	var last http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last = *r.Clone(context.Background())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &last
}

func openAt(t *testing.T, srv *httptest.Server, settings string) *influxdb.Source {
	t.Helper()
	if settings != "" {
		settings = ", " + settings
	}
	s, err := influxdb.Open([]byte(fmt.Sprintf(`{"url": %q, "database": "telegraf"%s}`, srv.URL, settings)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

var w = depc.Window{Start: 1000, End: 2000}

func TestFetchRequest(t *testing.T) {
	for _, tt := range []struct{ settings, auth string }{
		{`"basic_auth": {"username": "u", "password": "p"}`, "Basic dTpw"},
		{`"token": "tok"`, "Token tok"},
		{`"bearer_token": "jwt"`, "Bearer jwt"},
		{`"headers": {"Authorization": "Custom x", "X-Org": "o"}, "retention_policy": "rp1"`, "Custom x"},
	} {
		srv, last := fakeServer(t, 200, `{"results":[{"statement_id":0}]}`)
		s := openAt(t, srv, tt.settings)
		got := fetch(t, s, depc.CheckParameters{Query: "SELECT v FROM m"}, w, "a", "b")
		if got["a"].Err != nil || got["b"].Err != nil || len(got) != 2 {
			t.Fatalf("%s: %+v", tt.settings, got)
		}
		q := last.URL.Query()
		if last.Method != http.MethodGet || last.URL.Path != "/query" || q.Get("db") != "telegraf" || q.Get("epoch") != "s" || q.Get("chunked") != "true" ||
			!strings.HasPrefix(q.Get("q"), `SELECT v FROM m WHERE ("name" =~ /^(?:a|b)$/) AND time >= '1970-01-01T00:11:40Z' AND time < '1970-01-01T00:33:20Z'`) {
			t.Errorf("%s: request %s %s", tt.settings, last.Method, last.URL)
		}
		if a := last.Header.Get("Authorization"); a != tt.auth {
			t.Errorf("%s: Authorization %q, want %q", tt.settings, a, tt.auth)
		}
		if strings.Contains(tt.settings, "rp1") && (q.Get("rp") != "rp1" || last.Header.Get("X-Org") != "o") {
			t.Errorf("%s: rp %q, X-Org %q", tt.settings, q.Get("rp"), last.Header.Get("X-Org"))
		}
	}
}

// TestFetchDecodes: chunks joined, columns split into series, booleans as
// 1 and 0, nulls skipped, points sorted, one per second (the last), and
// only points of the window and its lookback.
func TestFetchDecodes(t *testing.T) {
	body := `{"results":[{"statement_id":0,"series":[
		{"name":"m","tags":{"name":"a"},"columns":["time","v","ok"],"values":[[699,1,true],[700,1,true],[1000,2,false]],"partial":true}
	],"partial":true}]}
{"results":[{"statement_id":0,"series":[
		{"name":"m","tags":{"name":"a"},"columns":["time","v","ok"],"values":[[1060,null,true],[1030,3.5,null],[1030,4e0,true],[2000,9,true]]},
		{"name":"m","tags":{"name":"other"},"columns":["time","v","ok"],"values":[[1000,1,true]]},
		{"name":"m","tags":{"name":"b"},"columns":["time","v","ok"],"values":[[1000,null,null]]},
		{"name":"m","columns":["time","v","ok"],"values":[[1000,1,true]]}
	]}]}
`
	srv, _ := fakeServer(t, 200, body)
	s := openAt(t, srv, "")
	got := fetch(t, s, depc.CheckParameters{Query: "SELECT v, ok FROM m"}, w, "a", "b")
	if got["b"].Err != nil || got["b"].Series != nil {
		t.Errorf("b = %+v, want no data", got["b"])
	}
	a := got["a"]
	if a.Err != nil || len(a.Series) != 2 {
		t.Fatalf("a = %+v", a)
	}
	want := map[string][]qos.Point{
		"v":  {{T: 700, V: 1}, {T: 1000, V: 2}, {T: 1030, V: 4}},
		"ok": {{T: 700, V: 1}, {T: 1000, V: 0}, {T: 1030, V: 1}, {T: 1060, V: 1}},
	}
	for _, sr := range a.Series {
		f := sr.Labels[influxdb.LabelField]
		if sr.Labels["name"] != "a" || sr.Labels[influxdb.LabelMeasurement] != "m" || fmt.Sprint(sr.Points) != fmt.Sprint(want[f]) {
			t.Errorf("series %v: %v, want %v", sr.Labels, sr.Points, want[f])
		}
	}
}

func TestFetchErrors(t *testing.T) {
	tests := []struct {
		status             int
		body               string
		code, prefix, text string
	}{
		// InfluxDB's errors about the statement or the database are shown.
		{400, `{"error":"error parsing query: found EOF"}`, depc.EINVALID, "parameters.query: influxdb at http://", "refused the query: error parsing query: found EOF"},
		{200, `{"results":[{"statement_id":0,"error":"database not found: telegraf"}]}`, depc.EINVALID, "configuration.database: influxdb at http://", "database not found: telegraf"},
		{200, `{"results":[{"statement_id":0,"error":"retention policy not found: rp"}]}`, depc.EINVALID, "configuration.retention_policy: influxdb at http://", "retention policy not found: rp"},
		{200, `{"results":[{"statement_id":0,"error":"undefined function nope()"}]}`, depc.EINVALID, "parameters.query: influxdb at http://", "could not run the query: undefined function nope()"},
		{200, `{"error":"max-select-point limit exceeded: (100/1)"}`, depc.EINVALID, "parameters.query: influxdb at http://", "max-select-point limit exceeded"},
		{200, `{"results":[{"series":[{"name":"m","tags":{"name":"a"},"columns":["time","v"],"values":[[1000,"up"]]}]}]}`, depc.EINVALID, "parameters.query: influxdb at http://", `column "v" of "m" holds strings`},
		// Anything else: the status and a hint, never the body.
		{400, `secret`, depc.EUNAVAILABLE, "influxdb at http://", "answered HTTP 400"},
		{401, `{"error":"authorization failed: secret"}`, depc.EUNAVAILABLE, "influxdb at http://", "answered HTTP 401 (check the source's credentials"},
		{403, `{"error":"error authorizing query: secret"}`, depc.EUNAVAILABLE, "influxdb at http://", "answered HTTP 403 (check the source's credentials, and that its user may read the database)"},
		{404, `404 page not found secret`, depc.EUNAVAILABLE, "influxdb at http://", "answered HTTP 404 (check the source's url"},
		{500, `{"error":"secret"}`, depc.EUNAVAILABLE, "influxdb at http://", "answered HTTP 500"},
		{503, ``, depc.EUNAVAILABLE, "influxdb at http://", "answered HTTP 503"},
		{414, `secret`, depc.EINVALID, "configuration.max_query_bytes: ", "lower max_query_bytes"},
		{200, `{"results":[{"statement_id":0,"error":"query-timeout limit exceeded secret"}]}`, depc.EUNAVAILABLE, "influxdb at http://", "the query was stopped before it ended"},
		{200, `{"results":[{"statement_id":0,"error":"authorization failed secret"}]}`, depc.EUNAVAILABLE, "influxdb at http://", "refused the credentials"},
		{200, `{"results":[{"series":[{"name":"m","tags":{"name":"a"},"columns":["v"],"values":[[1]]}]}]}`, depc.EUNAVAILABLE, "influxdb at http://", "the answer is not an InfluxDB /query answer"},
		{200, `{"results":[{"series":[{"name":"m","tags":{"name":"a"},"columns":["time","v"],"values":[[1000.5,1]]}]}]}`, depc.EUNAVAILABLE, "influxdb at http://", "the answer is not an InfluxDB /query answer"},
		{200, `{"results":[{"series":[{"name":"m","tags":{"name":"a"},"columns":["time","v"],"values":[[1000,1,2]]}]}]}`, depc.EUNAVAILABLE, "influxdb at http://", "the answer is not an InfluxDB /query answer"},
		{200, `<html>secret</html>`, depc.EUNAVAILABLE, "influxdb at http://", "the answer is not an InfluxDB /query answer"},
		{200, ``, depc.EUNAVAILABLE, "influxdb at http://", "the answer is not an InfluxDB /query answer"},
		{200, `{"results":[{"series":[{"name":"m","tags":{"name":"a"},"columns":["time","v"],"values":[[1000,1]`, depc.EUNAVAILABLE, "influxdb at http://", "the answer was cut: the connection closed before the end of the answer"},
	}
	for _, tt := range tests {
		srv, _ := fakeServer(t, tt.status, tt.body)
		s := openAt(t, srv, "")
		got := fetch(t, s, depc.CheckParameters{Query: "SELECT v FROM m"}, w, "a", "b")
		for _, n := range []string{"a", "b"} {
			err := got[n].Err
			msg := depc.ErrorMessage(err)
			if depc.ErrorCode(err) != tt.code || !strings.HasPrefix(msg, tt.prefix) || !strings.Contains(msg, tt.text) || strings.Contains(msg, "secret") || got[n].Series != nil {
				t.Errorf("%d %.60s: %s: %v, want %s %q … %q", tt.status, tt.body, n, err, tt.code, tt.prefix, tt.text)
			}
		}
	}
}

// TestFetchTooLarge: an answer over max_response_bytes is an error naming
// the setting, whatever it holds.
func TestFetchTooLarge(t *testing.T) {
	var rows []string
	for i := range 1000 {
		rows = append(rows, fmt.Sprintf("[%d,1]", 1000+i))
	}
	body := `{"results":[{"series":[{"name":"m","tags":{"name":"a"},"columns":["time","v"],"values":[` + strings.Join(rows, ",") + `]}]}]}`
	srv, _ := fakeServer(t, 200, body)
	s := openAt(t, srv, `"max_response_bytes": 4096`)
	err := fetch(t, s, depc.CheckParameters{Query: "SELECT v FROM m"}, w, "a")["a"].Err
	if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "configuration.max_response_bytes: influxdb at ") {
		t.Errorf("%v, want EINVALID naming max_response_bytes", err)
	}
	s = openAt(t, srv, "")
	if r := fetch(t, s, depc.CheckParameters{Query: "SELECT v FROM m"}, w, "a")["a"]; r.Err != nil || len(r.Series) != 1 || len(r.Series[0].Points) != 1000 {
		t.Errorf("without the limit: %v, %d series", r.Err, len(r.Series))
	}
}

func TestFetchUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	s, err := influxdb.Open([]byte(fmt.Sprintf(`{"url": %q, "database": "d"}`, u)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = fetch(t, s, depc.CheckParameters{Query: "SELECT v FROM m"}, w, "a")["a"].Err
	if depc.ErrorCode(err) != depc.EUNAVAILABLE || !strings.HasPrefix(depc.ErrorMessage(err), "influxdb at "+u+" is unreachable: ") {
		t.Errorf("%v, want EUNAVAILABLE unreachable", err)
	}
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := openAt(t, srv, `"timeout": "1s"`)
	err := fetch(t, s, depc.CheckParameters{Query: "SELECT v FROM m"}, w, "a")["a"].Err
	if depc.ErrorCode(err) != depc.EUNAVAILABLE || !strings.Contains(depc.ErrorMessage(err), "no answer within 1s") {
		t.Errorf("%v, want EUNAVAILABLE no answer within 1s", err)
	}
	// The caller giving up is Fetch's error, not the nodes'.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s = openAt(t, srv, "")
	err = s.Fetch(ctx, depc.CheckParameters{Query: "SELECT v FROM m"}, w, []string{"a"}, func(r depc.SourceResult) {
		t.Errorf("result %+v after the caller gave up", r)
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Fetch = %v, want the context's error", err)
	}
}

func TestFetchBadInput(t *testing.T) {
	srv, _ := fakeServer(t, 200, `{"results":[{"statement_id":0}]}`)
	s := openAt(t, srv, "")
	got := fetch(t, s, depc.CheckParameters{Query: "SELECT v FROM m"}, w, "", "a\xff", "a", "a")
	if len(got) != 3 || depc.ErrorCode(got[""].Err) != depc.EINVALID || depc.ErrorCode(got["a\xff"].Err) != depc.EINVALID || got["a"].Err != nil {
		t.Errorf("%+v", got)
	}
	for _, bad := range []struct {
		p     depc.CheckParameters
		w     depc.Window
		field string
	}{
		{depc.CheckParameters{Query: "DROP DATABASE x"}, w, "parameters.query"},
		{depc.CheckParameters{Query: "SELECT v FROM m"}, depc.Window{Start: 10, End: 10}, "window"},
		{depc.CheckParameters{Query: "SELECT v FROM m"}, depc.Window{Start: 0, End: 1 << 62}, "window"},
	} {
		got := fetch(t, s, bad.p, bad.w, "a", "b")
		for _, n := range []string{"a", "b"} {
			if err := got[n].Err; depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), bad.field) {
				t.Errorf("%+v %v: %s: %v, want EINVALID naming %s", bad.p, bad.w, n, err, bad.field)
			}
		}
	}
}
