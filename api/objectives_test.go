package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

type budgetAnswer struct {
	Label          string              `json:"label"`
	Name           string              `json:"name"`
	Objective      depc.Objective      `json:"objective"`
	From           string              `json:"from"`
	To             string              `json:"to"`
	Live           bool                `json:"live"`
	BurnAt         int64               `json:"burn_at"`
	Measured       int64               `json:"measured"`
	Counted        int64               `json:"counted"`
	Pending        int64               `json:"pending"`
	Allowed        float64             `json:"allowed"`
	Spent          int64               `json:"spent"`
	Remaining      float64             `json:"remaining"`
	RemainingRatio *float64            `json:"remaining_ratio"`
	Exhausted      bool                `json:"exhausted"`
	QoS            *float64            `json:"qos"`
	BurnRates      map[string]*float64 `json:"burn_rates"`
	Days           []struct {
		Day       string  `json:"day"`
		Spent     int64   `json:"spent"`
		Remaining float64 `json:"remaining"`
	} `json:"days"`
	Errors []depc.RunError `json:"errors"`
}

type labelBudgetAnswer struct {
	Label          string          `json:"label"`
	Objective      *depc.Objective `json:"objective"`
	Nodes          int             `json:"nodes"`
	Exhausted      int             `json:"exhausted"`
	Allowed        float64         `json:"allowed"`
	Spent          int64           `json:"spent"`
	Remaining      float64         `json:"remaining"`
	RemainingRatio *float64        `json:"remaining_ratio"`
	WorstRatio     *float64        `json:"worst_ratio"`
}

type teamBudgetsAnswer struct {
	Today  string              `json:"today"`
	Live   bool                `json:"live"`
	BurnAt int64               `json:"burn_at"`
	Labels []labelBudgetAnswer `json:"labels"`
	Worst  []budgetAnswer      `json:"worst"`
	Errors []depc.RunError     `json:"errors"`
}

// TestObjectives sets objectives on the tutorial and reads the budgets the
// day after the tutorial's day: the KO seconds of each website that day,
// computed here from the Fake source, against what each objective allows.
func TestObjectives(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	e.setNow(time.Unix(tutorialStart+86400+6*3600, 0)) // 2020-07-30 06:00 UTC

	// Website: 99 % over 7 days; foo.com its own 99.9 % over July.
	var o depc.Objective
	e.call("PUT", "/teams/acme/labels/Website/objective", map[string]any{"target": 99, "window": "rolling_7d"}, http.StatusOK, &o)
	if o != (depc.Objective{Label: "Website", Target: 99, Window: "rolling_7d"}) {
		t.Errorf("PUT label objective = %+v", o)
	}
	e.call("PUT", "/teams/acme/labels/Website/nodes/foo.com/objective", map[string]any{"target": 99.9, "window": "calendar_month"}, http.StatusOK, &o)
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/objective", nil, http.StatusOK, &o)
	if o != (depc.Objective{Label: "Website", Name: "foo.com", Target: 99.9, Window: "calendar_month"}) {
		t.Errorf("GET node objective = %+v", o)
	}
	var all []depc.Objective
	e.call("GET", "/teams/acme/objectives", nil, http.StatusOK, &all)
	if len(all) != 2 || all[0].Name != "" || all[1].Name != "foo.com" {
		t.Errorf("GET objectives = %+v", all)
	}
	for _, tt := range []struct {
		body any
		text string
	}{
		{map[string]any{"target": 100, "window": "rolling_7d"}, "target"},
		{map[string]any{"target": 0, "window": "rolling_7d"}, "target"},
		{map[string]any{"window": "rolling_7d"}, "target: required"},
		{map[string]any{"target": 99, "window": "weekly"}, "window"},
		{map[string]any{"target": 99}, "window"},
		{map[string]any{"target": 99, "window": "rolling_7d", "label": "x"}, "label"},
	} {
		e.wantError(request{method: "PUT", path: "/teams/acme/labels/Filer/objective", body: tt.body}, http.StatusBadRequest, depc.EINVALID, tt.text)
	}
	e.wantError(request{method: "PUT", path: "/teams/acme/labels/bad%20label/objective", body: map[string]any{"target": 99, "window": "rolling_7d"}},
		http.StatusBadRequest, depc.EINVALID, "label")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/objective"}, http.StatusNotFound, depc.ENOTFOUND, "Filer")

	_, kos1 := expectedPingQoS(t, "filer1")
	_, kosA1 := expectedPingQoS(t, "apache1")
	_, kos2 := expectedPingQoS(t, "filer2")
	_, kosA2 := expectedPingQoS(t, "apache2")
	koSeconds := func(kos ...map[int]bool) int64 {
		union := map[int]bool{}
		for _, ko := range kos {
			for m := range ko {
				union[m] = true
			}
		}
		return int64(len(union)) * 60
	}
	fooKO, barKO := koSeconds(kos1, kosA1), koSeconds(kos2, kosA2)

	// The team's budgets as of midnight: bar.com under the label's
	// objective, foo.com under its own.
	var tb teamBudgetsAnswer
	e.call("GET", "/teams/acme/budgets", nil, http.StatusOK, &tb)
	if tb.Today != "2020-07-30" || tb.Live || tb.BurnAt != tutorialStart+86400 || len(tb.Worst) != 2 || len(tb.Errors) != 0 {
		t.Fatalf("team budgets %+v", tb)
	}
	byName := map[string]budgetAnswer{}
	for _, b := range tb.Worst {
		byName[b.Name] = b
	}
	bar, foo := byName["bar.com"], byName["foo.com"]
	// bar.com: 7 days (July 24..30) of 86 400 s, 1 % of it allowed.
	if bar.From != "2020-07-24" || bar.To != "2020-07-30" || bar.Allowed != 6048 || bar.Spent != barKO ||
		bar.Remaining != 6048-float64(barKO) || bar.Objective.Name != "" || bar.Measured != 86400 {
		t.Errorf("bar.com budget %+v, want 6048 allowed, %d spent", bar, barKO)
	}
	// Its 1-day burn as of midnight is the tutorial day's: KO share / 0.01.
	if want := round3(float64(barKO) / 86400 / 0.01); bar.BurnRates["1d"] == nil || *bar.BurnRates["1d"] != want {
		t.Errorf("bar.com 1d burn %v, want %v", bar.BurnRates["1d"], want)
	}
	// foo.com: July, 31 days; 0.1 % of it is 2678.4 s.
	if foo.From != "2020-07-01" || foo.To != "2020-07-31" || foo.Allowed != 2678.4 || foo.Spent != fooKO || foo.Objective.Name != "foo.com" {
		t.Errorf("foo.com budget %+v, want 2678.4 allowed, %d spent", foo, fooKO)
	}
	if r := tb.Worst[0].RemainingRatio; r == nil || *r > *tb.Worst[1].RemainingRatio {
		t.Errorf("worst budgets not lowest first: %+v", tb.Worst)
	}
	if len(tb.Labels) != 1 || tb.Labels[0].Label != "Website" || tb.Labels[0].Nodes != 2 || tb.Labels[0].Objective == nil ||
		tb.Labels[0].Spent != fooKO+barKO || tb.Labels[0].Allowed != round3(6048+2678.4) {
		t.Errorf("label budgets %+v", tb.Labels)
	}
	e.call("GET", "/teams/acme/budgets?limit=1", nil, http.StatusOK, &tb)
	if len(tb.Worst) != 1 {
		t.Errorf("limit=1: %d worst", len(tb.Worst))
	}

	// Live: today so far counts too.
	e.call("GET", "/teams/acme/budgets?live=true", nil, http.StatusOK, &tb)
	if !tb.Live || tb.BurnAt != tutorialStart+86400+6*3600 {
		t.Errorf("live team budgets: live %v burn at %d", tb.Live, tb.BurnAt)
	}
	for _, b := range tb.Worst {
		if b.Measured != 86400+6*3600 {
			t.Errorf("live %s measured %d", b.Name, b.Measured)
		}
	}

	// One node, with its days; today is measured.
	var nb budgetAnswer
	e.call("GET", "/teams/acme/labels/Website/nodes/bar.com/budget", nil, http.StatusOK, &nb)
	if !nb.Live || len(nb.Days) != 2 || nb.Days[0].Day != tutorialDay || nb.Days[0].Spent != barKO ||
		nb.Days[0].Remaining != 6048-float64(barKO) || nb.Days[1].Day != "2020-07-30" || nb.Errors == nil {
		t.Errorf("bar.com budget %+v", nb)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/nodes/filer1/budget"}, http.StatusNotFound, depc.ENOTFOUND, "no objective")

	var lb struct {
		labelBudgetAnswer
		Worst []budgetAnswer `json:"worst"`
	}
	e.call("GET", "/teams/acme/labels/Website/budget?limit=5", nil, http.StatusOK, &lb)
	if lb.Label != "Website" || lb.Nodes != 2 || len(lb.Worst) != 2 {
		t.Errorf("label budget %+v", lb)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/budget"}, http.StatusNotFound, depc.ENOTFOUND, "Filer")
	e.wantError(request{method: "GET", path: "/teams/acme/budgets?limit=0"}, http.StatusBadRequest, depc.EINVALID, "limit")

	// Deleting foo.com's objective puts it under its label's.
	e.call("DELETE", "/teams/acme/labels/Website/nodes/foo.com/objective", nil, http.StatusNoContent, nil)
	e.wantError(request{method: "DELETE", path: "/teams/acme/labels/Website/nodes/foo.com/objective"}, http.StatusNotFound, depc.ENOTFOUND, "foo.com")
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/budget", nil, http.StatusOK, &nb)
	if nb.Objective.Name != "" || nb.Allowed != 6048 {
		t.Errorf("foo.com under its label: %+v", nb)
	}
	e.call("DELETE", "/teams/acme/labels/Website/objective", nil, http.StatusNoContent, nil)
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/foo.com/budget"}, http.StatusNotFound, depc.ENOTFOUND, "no objective")

	// Objectives are audited: the change with the objective before and after.
	var audit []depc.AuditEntry
	e.call("GET", "/teams/acme/audit?limit=100", nil, http.StatusOK, &audit)
	var put *depc.AuditEntry
	for i := range audit {
		if audit[i].Action == "PUT /teams/{team}/labels/{label}/nodes/{name}/objective" {
			put = &audit[i]
		}
	}
	if put == nil || put.Target != "/teams/acme/labels/Website/nodes/foo.com/objective" || !strings.Contains(string(put.After), `"target":99.9`) {
		t.Errorf("the audit log has no entry of the node objective's PUT: %+v", put)
	}

	// A viewer reads, only an editor writes.
	viewer := e.user("vic", "acme", depc.RoleViewer)
	r := e.do(request{method: "PUT", path: "/teams/acme/labels/Website/objective", token: &viewer, body: map[string]any{"target": 99, "window": "rolling_7d"}})
	if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "forbidden") {
		t.Errorf("viewer PUT objective: %d %s", r.Status, r.Body)
	}
	if r := e.do(request{method: "GET", path: "/teams/acme/budgets", token: &viewer}); r.Status != http.StatusOK {
		t.Errorf("viewer GET budgets: %d %s", r.Status, r.Body)
	}
}
