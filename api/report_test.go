package api_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

// readCSV parses a CSV answer, checking its content type.
func readCSV(t *testing.T, r response) [][]string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("content type %q, want text/csv", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
		t.Errorf("content disposition %q", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, r.Body)
	}
	return rows
}

func qosText(q *float64) string {
	if q == nil {
		return ""
	}
	return strconv.FormatFloat(*q, 'f', -1, 64)
}

// TestExportCSV: the label and node exports say what /qos and
// /nodes/{name}/qos say, a name holding a comma is quoted, and bad
// parameters are JSON errors naming them.
func TestExportCSV(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	// A website whose name needs quoting in CSV, computed with the others.
	e.call("POST", "/teams/acme/messages", []map[string]any{{
		"source": map[string]any{"label": "Website", "name": "shop,eu=1"},
		"target": map[string]any{"label": "Filer", "name": "filer1"},
		"rel":    map[string]any{"from": tutorialOpen},
	}}, http.StatusOK, nil)
	e.call("POST", "/teams/acme/runs?wait=true", map[string]any{"day": tutorialDay}, http.StatusOK, nil)

	// Labels: one line per label and day, as /qos has them.
	var team struct {
		Labels map[string][]struct {
			Day string   `json:"day"`
			QoS *float64 `json:"qos"`
		} `json:"labels"`
	}
	e.call("GET", "/teams/acme/qos?start="+tutorialDay+"&end="+tutorialDay, nil, http.StatusOK, &team)
	want := [][]string{{"label", "day", "qos", "nodes"}}
	for _, l := range []string{"Apache", "Filer", "Offer", "Website"} {
		var ls []struct {
			Nodes int `json:"nodes"`
		}
		e.call("GET", "/teams/acme/labels/"+l+"/qos?start="+tutorialDay+"&end="+tutorialDay, nil, http.StatusOK, &ls)
		want = append(want, []string{l, tutorialDay, qosText(team.Labels[l][0].QoS), strconv.Itoa(ls[0].Nodes)})
	}
	rows := readCSV(t, e.call("GET", "/teams/acme/export/labels.csv?from=2020-07-28&to="+tutorialDay, nil, http.StatusOK, nil))
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("labels.csv = %q, want %q", rows, want)
	}
	rows = readCSV(t, e.call("GET", "/teams/acme/export/labels.csv?label=Filer&from="+tutorialDay+"&to="+tutorialDay, nil, http.StatusOK, nil))
	if !slices.EqualFunc(rows, [][]string{want[0], want[2]}, slices.Equal) {
		t.Errorf("labels.csv?label=Filer = %q", rows)
	}

	// Nodes: every node of the label, with its seconds; an aggregation
	// has none.
	r := e.call("GET", "/teams/acme/export/nodes.csv?label=Website&from="+tutorialDay+"&to=2020-07-30", nil, http.StatusOK, nil)
	if !strings.Contains(string(r.Body), "\nWebsite,\"shop,eu=1\","+tutorialDay+",") {
		t.Errorf("the name with a comma is not quoted:\n%s", r.Body)
	}
	rows = readCSV(t, r)
	want = [][]string{{"label", "name", "day", "qos", "ok", "ko", "unknown"}}
	for _, n := range []string{"bar.com", "foo.com", "shop,eu=1"} {
		var ds []struct {
			QoS     *float64 `json:"qos"`
			OK      *int64   `json:"ok"`
			KO      *int64   `json:"ko"`
			Unknown *int64   `json:"unknown"`
		}
		e.call("GET", "/teams/acme/labels/Website/nodes/"+strings.ReplaceAll(n, ",", "%2C")+"/qos?start="+tutorialDay+"&end="+tutorialDay, nil, http.StatusOK, &ds)
		d := ds[0]
		want = append(want, []string{"Website", n, tutorialDay, qosText(d.QoS), fmt.Sprint(*d.OK), fmt.Sprint(*d.KO), fmt.Sprint(*d.Unknown)})
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("nodes.csv = %q, want %q", rows, want)
	}
	rows = readCSV(t, e.call("GET", "/teams/acme/export/nodes.csv?label=Offer&from="+tutorialDay+"&to="+tutorialDay, nil, http.StatusOK, nil))
	if len(rows) != 2 || rows[1][1] != "premium" || rows[1][3] == "" || rows[1][4] != "" || rows[1][6] != "" {
		t.Errorf("Offer nodes.csv = %q", rows)
	}
	// Two days: by day, then name.
	e.call("POST", "/teams/acme/runs?wait=true", map[string]any{"day": "2020-07-28"}, http.StatusOK, nil)
	rows = readCSV(t, e.call("GET", "/teams/acme/export/nodes.csv?label=Filer&from=2020-07-28&to="+tutorialDay, nil, http.StatusOK, nil))
	var order []string
	for _, r := range rows[1:] {
		order = append(order, r[2]+" "+r[1])
	}
	if want := []string{"2020-07-28 filer1", "2020-07-28 filer2", tutorialDay + " filer1", tutorialDay + " filer2"}; !slices.Equal(order, want) {
		t.Errorf("two days of Filer: %q, want %q", order, want)
	}
	// Nothing computed: the header alone.
	if r := e.call("GET", "/teams/acme/export/nodes.csv?label=Website&from=2020-01-01&to=2020-01-02", nil, http.StatusOK, nil); string(r.Body) != "label,name,day,qos,ok,ko,unknown\n" {
		t.Errorf("empty nodes.csv = %q", r.Body)
	}

	for _, tt := range []struct {
		query, field string
	}{
		{"", "from"},
		{"?from=2020-07-01", "to"},
		{"?to=2020-07-01", "from"},
		{"?from=2020-7-1&to=2020-07-02", "from"},
		{"?from=2020-07-01&to=July", "to"},
		{"?from=2020-07-02&to=2020-07-01", "to"},
		{"?from=2019-01-01&to=2020-07-01", "at most 400 days"},
		{"?from=2020-07-01&to=2020-07-01&label=bad", "label"},
	} {
		e.wantError(request{method: "GET", path: "/teams/acme/export/labels.csv" + tt.query}, http.StatusBadRequest, depc.EINVALID, tt.field)
	}
	for _, tt := range []struct {
		query, field string
	}{
		{"?from=2020-07-01&to=2020-07-01", "label"},
		{"?label=website&from=2020-07-01&to=2020-07-01", "label"},
		{"?label=Website&to=2020-07-01", "from"},
		{"?label=Website&from=2020-07-01", "to"},
		{"?label=Website&from=2020-07-01&to=2020-08-01", "at most 31 days"},
	} {
		e.wantError(request{method: "GET", path: "/teams/acme/export/nodes.csv" + tt.query}, http.StatusBadRequest, depc.EINVALID, tt.field)
	}
}

type reportAnswer struct {
	Team     string `json:"team"`
	Month    string `json:"month"`
	From     string `json:"from"`
	To       string `json:"to"`
	Complete bool   `json:"complete"`
	Met      int    `json:"met"`
	Missed   int    `json:"missed"`
	Unknown  int    `json:"unknown"`
	Nodes    []struct {
		Label          string         `json:"label"`
		Name           string         `json:"name"`
		Objective      depc.Objective `json:"objective"`
		QoS            *float64       `json:"qos"`
		Met            *bool          `json:"met"`
		Counted        int64          `json:"counted"`
		Pending        int64          `json:"pending"`
		Allowed        float64        `json:"allowed"`
		Spent          int64          `json:"spent"`
		Remaining      float64        `json:"remaining"`
		RemainingRatio *float64       `json:"remaining_ratio"`
	} `json:"nodes"`
	Errors []depc.RunError `json:"errors"`
}

// TestReport: July 2020 of the tutorial, read in August: bar.com under
// Website's 99 %, foo.com under its own 99.9 %, over July's 31 days
// (2 678 400 s) with only the 29th computed.
func TestReport(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	e.setNow(time.Date(2020, 8, 1, 6, 0, 0, 0, time.UTC))
	e.call("PUT", "/teams/acme/labels/Website/objective", map[string]any{"target": 99, "window": "rolling_7d"}, http.StatusOK, nil)
	e.call("PUT", "/teams/acme/labels/Website/nodes/foo.com/objective", map[string]any{"target": 99.9, "window": "calendar_month"}, http.StatusOK, nil)
	_, kos1 := expectedPingQoS(t, "filer1")
	_, kosA1 := expectedPingQoS(t, "apache1")
	_, kos2 := expectedPingQoS(t, "filer2")
	_, kosA2 := expectedPingQoS(t, "apache2")
	ko := func(kos ...map[int]bool) int64 {
		union := map[int]bool{}
		for _, k := range kos {
			for m := range k {
				union[m] = true
			}
		}
		return int64(len(union)) * 60
	}
	fooKO, barKO := ko(kos1, kosA1), ko(kos2, kosA2)

	var rep reportAnswer
	// The default month is yesterday's: July.
	e.call("GET", "/teams/acme/report", nil, http.StatusOK, &rep)
	if rep.Month != "2020-07" || rep.From != "2020-07-01" || rep.To != "2020-07-31" || !rep.Complete || len(rep.Nodes) != 2 || len(rep.Errors) != 0 {
		t.Fatalf("report %+v", rep)
	}
	const month = 31 * 86400
	for i, tt := range []struct {
		name    string
		target  float64
		ko      int64
		allowed float64
	}{{"bar.com", 99, barKO, 26784}, {"foo.com", 99.9, fooKO, 2678.4}} {
		n := rep.Nodes[i]
		q := round3(100 * float64(86400-tt.ko) / 86400)
		met := q >= tt.target
		if n.Label != "Website" || n.Name != tt.name || n.Objective.Target != tt.target || n.QoS == nil || *n.QoS != q ||
			n.Met == nil || *n.Met != met || n.Counted != 86400 || n.Pending != month-86400 || n.Allowed != tt.allowed ||
			n.Spent != tt.ko || n.Remaining != round3(tt.allowed-float64(tt.ko)) {
			t.Errorf("%s: %+v, want qos %v met %v allowed %v spent %d", tt.name, n, q, met, tt.allowed, tt.ko)
		}
		if met {
			rep.Met--
		} else {
			rep.Missed--
		}
	}
	if rep.Met != 0 || rep.Missed != 0 || rep.Unknown != 0 {
		t.Errorf("met/missed/unknown counts off by %d/%d/%d", rep.Met, rep.Missed, rep.Unknown)
	}

	rows := readCSV(t, e.call("GET", "/teams/acme/report.csv?month=2020-07", nil, http.StatusOK, nil))
	if len(rows) != 3 || strings.Join(rows[0], ",") != "month,label,name,target,objective_window,qos,met,allowed_seconds,spent_seconds,remaining_seconds,pending_seconds" {
		t.Fatalf("report.csv = %q", rows)
	}
	for i, n := range rep.Nodes {
		met := map[bool]string{true: "met", false: "missed"}[*n.Met]
		want := []string{"2020-07", "Website", n.Name, qosText(&n.Objective.Target), string(n.Objective.Window), qosText(n.QoS), met,
			fmt.Sprint(int64(n.Allowed)), fmt.Sprint(n.Spent), fmt.Sprint(int64(n.Allowed) - n.Spent), fmt.Sprint(n.Pending)}
		if !slices.Equal(rows[i+1], want) {
			t.Errorf("report.csv line %d = %q, want %q", i+1, rows[i+1], want)
		}
	}

	// June: nothing computed; foo.com's own objective is there, unknown.
	e.call("GET", "/teams/acme/report?month=2020-06", nil, http.StatusOK, &rep)
	if len(rep.Nodes) != 1 || rep.Nodes[0].Name != "foo.com" || rep.Nodes[0].Met != nil || rep.Nodes[0].QoS != nil || rep.Unknown != 1 {
		t.Errorf("June report %+v", rep)
	}

	for _, p := range []string{"/teams/acme/report", "/teams/acme/report.csv"} {
		for _, m := range []string{"2020-09", "2020-13", "2020-7", "july", "1969-12"} {
			e.wantError(request{method: "GET", path: p + "?month=" + m}, http.StatusBadRequest, depc.EINVALID, "month")
		}
	}
}
