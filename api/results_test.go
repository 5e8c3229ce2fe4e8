package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

// threeDecimals matches a JSON number with at most 3 decimals.
var threeDecimals = regexp.MustCompile(`^-?\d+(\.\d{1,3})?$`)

// qosNumbers returns every value of a "qos" key in a JSON answer, as
// written.
func qosNumbers(t *testing.T, body []byte) []string {
	t.Helper()
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if n, ok := val.(json.Number); ok && k == "qos" {
					out = append(out, n.String())
				}
				walk(val)
			}
		case []any:
			for _, val := range x {
				walk(val)
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	walk(v)
	return out
}

// TestTutorialResults checks every read of results against QoS computed
// here from the Fake source's data: rule nodes, AND, AVERAGE, label
// averages, worst nodes and root cause.
func TestTutorialResults(t *testing.T) {
	e := newEnv(t)
	e.tutorial()

	rule := map[string]float64{}
	kos := map[string]map[int]bool{}
	for _, n := range []string{"filer1", "apache1", "filer2", "apache2"} {
		rule[n], kos[n] = expectedPingQoS(t, n)
	}
	foo := andQoS(kos["filer1"], kos["apache1"])
	bar := andQoS(kos["filer2"], kos["apache2"])
	if foo == 100 || bar == 100 {
		t.Fatal("the tutorial data should have some downtime")
	}

	type dayResult struct {
		Day      string   `json:"day"`
		QoS      *float64 `json:"qos"`
		OK       *int64   `json:"ok"`
		KO       *int64   `json:"ko"`
		Unknown  *int64   `json:"unknown"`
		Downtime []struct {
			From int64 `json:"from"`
			To   int64 `json:"to"`
		} `json:"downtime"`
	}
	nodeQoS := func(label, name string) dayResult {
		t.Helper()
		var out []dayResult
		r := e.call("GET", "/teams/acme/labels/"+label+"/nodes/"+name+"/qos?start=2020-07-28&end=2020-07-30", nil, http.StatusOK, &out)
		for _, q := range qosNumbers(t, r.Body) {
			if !threeDecimals.MatchString(q) {
				t.Errorf("%s/%s: QoS %s has more than 3 decimals", label, name, q)
			}
		}
		if len(out) != 1 || out[0].Day != tutorialDay {
			t.Fatalf("%s/%s: %+v, want only %s (the days around were not computed)", label, name, out, tutorialDay)
		}
		return out[0]
	}
	for _, c := range []struct {
		label, name string
		want        float64
		ko          int
	}{
		{"Filer", "filer1", rule["filer1"], len(kos["filer1"])},
		{"Apache", "apache1", rule["apache1"], len(kos["apache1"])},
		{"Filer", "filer2", rule["filer2"], len(kos["filer2"])},
		{"Website", "foo.com", foo, int(1440 - foo*1440/100 + 0.5)},
		{"Website", "bar.com", bar, int(1440 - bar*1440/100 + 0.5)},
	} {
		got := nodeQoS(c.label, c.name)
		if got.QoS == nil || *got.QoS != round3(c.want) {
			t.Errorf("%s/%s: qos %v, want %v", c.label, c.name, got.QoS, round3(c.want))
		}
		if got.KO == nil || *got.KO != int64(60*c.ko) || *got.OK+*got.KO+*got.Unknown != 86400 {
			t.Errorf("%s/%s: ok %v ko %v unknown %v, want ko %d", c.label, c.name, got.OK, got.KO, got.Unknown, 60*c.ko)
		}
		var down int64
		for _, d := range got.Downtime {
			if d.From < tutorialStart || d.To > tutorialStart+86400 || d.From >= d.To {
				t.Errorf("%s/%s: downtime %+v outside the day", c.label, c.name, d)
			}
			down += d.To - d.From
		}
		if got.KO != nil && down != *got.KO {
			t.Errorf("%s/%s: downtime sums to %d, ko is %d", c.label, c.name, down, *got.KO)
		}
	}
	// AND: a website is at most as good as each of its children.
	if foo > rule["filer1"] || foo > rule["apache1"] {
		t.Errorf("foo.com %v above a child (%v, %v)", foo, rule["filer1"], rule["apache1"])
	}
	// The offer is the average of its websites, and has no timeline.
	offer := nodeQoS("Offer", "premium")
	if offer.QoS == nil || *offer.QoS != round3((foo+bar)/2) || offer.OK != nil || offer.KO != nil || offer.Downtime != nil {
		t.Errorf("premium: %+v, want qos %v and null ok/ko/downtime", offer, round3((foo+bar)/2))
	}

	// Label averages.
	var label []struct {
		Day   string   `json:"day"`
		QoS   *float64 `json:"qos"`
		Nodes int      `json:"nodes"`
	}
	e.call("GET", "/teams/acme/labels/Website/qos?start="+tutorialDay+"&end="+tutorialDay, nil, http.StatusOK, &label)
	if len(label) != 1 || label[0].Nodes != 2 || label[0].QoS == nil || *label[0].QoS != round3((foo+bar)/2) {
		t.Errorf("Website averages: %+v, want 2 nodes at %v", label, round3((foo+bar)/2))
	}
	var team struct {
		Labels map[string][]struct {
			Day string   `json:"day"`
			QoS *float64 `json:"qos"`
		} `json:"labels"`
	}
	e.call("GET", "/teams/acme/qos?start=2020-07-01&end=2020-07-31", nil, http.StatusOK, &team)
	if len(team.Labels) != 4 || len(team.Labels["Filer"]) != 1 || *team.Labels["Filer"][0].QoS != round3((rule["filer1"]+rule["filer2"])/2) {
		t.Errorf("team averages: %+v", team)
	}

	// Worst websites, lowest first.
	var worst []struct {
		Name string  `json:"name"`
		QoS  float64 `json:"qos"`
	}
	e.call("GET", "/teams/acme/labels/Website/worst?day="+tutorialDay, nil, http.StatusOK, &worst)
	if len(worst) != 2 || worst[0].QoS > worst[1].QoS {
		t.Fatalf("worst: %+v", worst)
	}
	lowest := map[bool]string{true: "foo.com", false: "bar.com"}[foo < bar]
	if worst[0].Name != lowest {
		t.Errorf("worst first: %s, want %s", worst[0].Name, lowest)
	}
	e.call("GET", "/teams/acme/labels/Website/worst?day="+tutorialDay+"&limit=1", nil, http.StatusOK, &worst)
	if len(worst) != 1 {
		t.Errorf("worst limit=1: %+v", worst)
	}
	e.call("GET", "/teams/acme/labels/Website/worst?day=2020-07-30", nil, http.StatusOK, &worst)
	if len(worst) != 0 {
		t.Errorf("worst of a day not computed: %+v", worst)
	}

	// Root cause of foo.com: filer1 and apache1 explain all of its
	// downtime (AND), each by its own KO time.
	var rc struct {
		Node struct {
			Label, Name string
			QoS         *float64 `json:"qos"`
			KO          *int64   `json:"ko"`
		} `json:"node"`
		Causes []struct {
			Label, Name string
			QoS         *float64 `json:"qos"`
			Overlap     int64    `json:"overlap"`
		} `json:"causes"`
		Graph struct {
			Nodes []struct{ Label, Name string } `json:"nodes"`
			Edges []struct {
				From struct{ Label, Name string } `json:"from"`
				To   struct{ Label, Name string } `json:"to"`
			} `json:"edges"`
		} `json:"graph"`
	}
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/rootcause?day="+tutorialDay, nil, http.StatusOK, &rc)
	if rc.Node.Name != "foo.com" || rc.Node.QoS == nil || *rc.Node.QoS != round3(foo) {
		t.Errorf("rootcause node: %+v", rc.Node)
	}
	overlap := map[string]int64{}
	for _, c := range rc.Causes {
		overlap[c.Name] = c.Overlap
	}
	if overlap["filer1"] != int64(60*len(kos["filer1"])) || overlap["apache1"] != int64(60*len(kos["apache1"])) || len(rc.Causes) != 2 {
		t.Errorf("causes: %+v, want filer1 %d s and apache1 %d s", rc.Causes, 60*len(kos["filer1"]), 60*len(kos["apache1"]))
	}
	if len(rc.Causes) == 2 && rc.Causes[0].Overlap < rc.Causes[1].Overlap {
		t.Errorf("causes not sorted by overlap: %+v", rc.Causes)
	}
	if len(rc.Graph.Nodes) != 3 || len(rc.Graph.Edges) != 2 {
		t.Errorf("rootcause graph: %+v", rc.Graph)
	}

	// Live QoS: today so far, for a node whose relations are open.
	var live struct {
		Day     string            `json:"day"`
		QoS     *float64          `json:"qos"`
		OK      *int64            `json:"ok"`
		KO      *int64            `json:"ko"`
		Unknown *int64            `json:"unknown"`
		Errors  []json.RawMessage `json:"errors"`
	}
	before := time.Now().UTC().Format(time.DateOnly)
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/qos/live", nil, http.StatusOK, &live)
	after := time.Now().UTC().Format(time.DateOnly)
	if (live.Day != before && live.Day != after) || live.OK == nil || live.Errors == nil || len(live.Errors) != 0 {
		t.Errorf("live: %+v, want today's result without errors", live)
	}
	if live.OK != nil && *live.OK+*live.KO+*live.Unknown > 86400 {
		t.Errorf("live: more than a day of seconds: %+v", live)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Customer/nodes/c1/qos/live"}, http.StatusBadRequest, depc.EINVALID, "Customer")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/nope/qos/live"}, http.StatusNotFound, depc.ENOTFOUND)
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/nope/rootcause?day=" + tutorialDay}, http.StatusNotFound, depc.ENOTFOUND)

	// Bad ranges and days.
	for _, q := range []string{"", "?start=2020-07-29", "?start=2020-07-30&end=2020-07-29", "?start=2020-7-29&end=2020-07-30", "?start=2020-01-01&end=2022-01-01"} {
		e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/foo.com/qos" + q}, http.StatusBadRequest, depc.EINVALID)
		e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/qos" + q}, http.StatusBadRequest, depc.EINVALID)
		e.wantError(request{method: "GET", path: "/teams/acme/qos" + q}, http.StatusBadRequest, depc.EINVALID)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/worst?day=29-07-2020"}, http.StatusBadRequest, depc.EINVALID, "day")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/worst?limit=0"}, http.StatusBadRequest, depc.EINVALID, "limit")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/foo.com/rootcause?day=yesterday"}, http.StatusBadRequest, depc.EINVALID, "day")
}

// TestRuns: a run without wait is queued (202) and then finishes; with
// wait it answers the finished run; invalid requests name the field.
func TestRuns(t *testing.T) {
	e := newEnv(t)
	e.tutorial() // run 1, with wait

	var queued depc.Run
	e.call("POST", "/teams/acme/runs", map[string]any{"from": "2020-07-27", "to": "2020-07-28"}, http.StatusAccepted, &queued)
	if queued.ID != 2 || len(queued.Days) != 2 || queued.Days[0] != "2020-07-27" || queued.Status != depc.RunQueued {
		t.Errorf("queued run: %+v", queued)
	}
	// Wait for it through the API, as a client polls.
	var run depc.Run
	deadline := time.Now().Add(time.Minute)
	for {
		e.call("GET", "/teams/acme/runs/"+strconv.FormatInt(queued.ID, 10), nil, http.StatusOK, &run)
		if run.Status.Finished() || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if run.Status != depc.RunSucceeded || run.Progress != 1 || run.StartedAt == nil || run.FinishedAt == nil || run.Nodes != 14 {
		t.Errorf("finished backfill: %+v, want succeeded with 2 days × 7 nodes", run)
	}
	var runs []depc.Run
	e.call("GET", "/teams/acme/runs", nil, http.StatusOK, &runs)
	if len(runs) != 2 || runs[0].ID != 2 || runs[1].ID != 1 {
		t.Errorf("runs: %+v, want 2 then 1", runs)
	}
	// The 28th has the relations opening at its start: computed.
	var out []json.RawMessage
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/qos?start=2020-07-27&end=2020-07-29", nil, http.StatusOK, &out)
	if len(out) != 3 {
		t.Errorf("foo.com over 3 computed days: %d results", len(out))
	}

	today := time.Now().UTC().Format(time.DateOnly)
	for _, c := range []struct {
		body  string
		texts []string
	}{
		{`{}`, []string{"day"}},
		{`{"day": "2020-13-01"}`, []string{"day"}},
		{`{"day": "2020-07-29", "from": "2020-07-01"}`, []string{"day"}},
		{`{"from": "2020-07-29"}`, []string{"from"}},
		{`{"from": "2020-07-29", "to": "2020-07-01"}`, []string{"to"}},
		{`{"day": "` + today + `"}`, []string{today, "live"}},
		{`{"day": 20200729}`, []string{"day"}},
	} {
		e.wantError(request{method: "POST", path: "/teams/acme/runs", body: c.body}, http.StatusBadRequest, depc.EINVALID, c.texts...)
	}
	e.wantError(request{method: "POST", path: "/teams/acme/runs?wait=perhaps", body: `{"day": "2020-07-29"}`}, http.StatusBadRequest, depc.EINVALID, "wait")
	e.wantError(request{method: "GET", path: "/teams/acme/runs/99"}, http.StatusNotFound, depc.ENOTFOUND)
	e.wantError(request{method: "GET", path: "/teams/acme/runs/x"}, http.StatusBadRequest, depc.EINVALID, "id")
	// A team without a config has nothing to compute.
	e.call("POST", "/teams", map[string]any{"name": "empty"}, http.StatusCreated, nil)
	e.wantError(request{method: "POST", path: "/teams/empty/runs", body: `{"day": "2020-07-29"}`}, http.StatusBadRequest, depc.EINVALID, "config")
}
