package api_test

import (
	"net/http"
	"testing"

	"github.com/depc-dev/depc"
)

// rootCauseJSON is the part of a root cause answer these tests read.
type rootCauseJSON struct {
	Node struct {
		Label, Name string
		QoS         *float64 `json:"qos"`
		KO          *int64   `json:"ko"`
	} `json:"node"`
	Window struct {
		From int64 `json:"from"`
		To   int64 `json:"to"`
	} `json:"window"`
	Explanation *struct {
		Expr     string  `json:"expr"`
		KO       *int64  `json:"ko"`
		Lost     float64 `json:"lost"`
		Summary  string  `json:"summary"`
		Children []struct {
			Name  string   `json:"name"`
			QoS   *float64 `json:"qos"`
			Share float64  `json:"share"`
		} `json:"children"`
		Leaves []struct {
			Name   string  `json:"name"`
			Share  float64 `json:"share"`
			Checks []struct {
				Name     string         `json:"name"`
				Evidence []evidenceJSON `json:"evidence"`
			} `json:"checks"`
		} `json:"leaves"`
		Paths []struct {
			Share float64 `json:"share"`
			Steps []struct {
				Label, Name string
			} `json:"steps"`
		} `json:"paths"`
	} `json:"explanation"`
	Errors []depc.RunError `json:"errors"`
}

type evidenceJSON struct {
	At    int64    `json:"at"`
	Value *float64 `json:"value"`
}

// TestRootCauseWindow: GET …/rootcause with from and to (RFC 3339)
// explains any window up to 31 days, across days too; the day form
// carries the same explanation; bad windows are EINVALID naming the
// field.
func TestRootCauseWindow(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	const path = "/teams/acme/labels/Website/nodes/foo.com/rootcause"

	var day rootCauseJSON
	e.call("GET", path+"?day="+tutorialDay, nil, http.StatusOK, &day)
	x := day.Explanation
	if x == nil || x.Expr != "operation.AND[Filer, Apache]" || x.KO == nil || day.Node.KO == nil || *x.KO != *day.Node.KO || x.Lost != float64(*x.KO) {
		t.Fatalf("day form: %+v", day)
	}
	if day.Window.From != tutorialStart || day.Window.To != tutorialStart+86400 || len(day.Errors) != 0 {
		t.Errorf("day form window %+v errors %v", day.Window, day.Errors)
	}
	// Worst first: the children by share, the leaves by share.
	for i := 1; i < len(x.Children); i++ {
		if x.Children[i].Share > x.Children[i-1].Share {
			t.Errorf("children not worst first: %+v", x.Children)
		}
	}
	var leaves float64
	for _, l := range x.Leaves {
		leaves += l.Share
		if len(l.Checks) != 1 || l.Checks[0].Name != "Server Ping" || len(l.Checks[0].Evidence) == 0 {
			t.Errorf("leaf %s: checks %+v", l.Name, l.Checks)
		}
	}
	if d := leaves - x.Lost; d > 0.01 || d < -0.01 {
		t.Errorf("leaves share %g, lost %g", leaves, x.Lost)
	}
	if len(x.Paths) == 0 || x.Paths[0].Steps[0].Name != "foo.com" {
		t.Errorf("paths %+v", x.Paths)
	}

	// The day as a window: the same explanation.
	var win rootCauseJSON
	e.call("GET", path+"?from=2020-07-29T00:00:00Z&to=2020-07-30T00:00:00Z", nil, http.StatusOK, &win)
	if win.Explanation == nil || win.Explanation.Summary != x.Summary || win.Explanation.Lost != x.Lost || *win.Node.KO != *day.Node.KO {
		t.Errorf("window of the day: %+v\nday: %+v", win.Explanation, x)
	}
	// An incident from 23:40 to 00:25, across midnight, at second
	// resolution; and a time zone offset.
	e.call("GET", path+"?from=2020-07-29T23:40:00Z&to=2020-07-30T00:25:00Z", nil, http.StatusOK, &win)
	if win.Window.From != tutorialStart+86400-1200 || win.Window.To != tutorialStart+86400+1500 || win.Explanation == nil || win.Node.KO == nil || *win.Node.KO > 2700 {
		t.Errorf("across midnight: %+v", win)
	}
	e.call("GET", path+"?from=2020-07-29T14:00:07%2B02:00&to=2020-07-29T12:10:00Z", nil, http.StatusOK, &win)
	if win.Window.From != tutorialStart+43207 || win.Window.To != tutorialStart+43800 {
		t.Errorf("offset: window %+v", win.Window)
	}

	for _, tc := range []struct {
		query, field string
	}{
		{"?from=2020-07-29T00:00:00Z", "to"},
		{"?to=2020-07-29T00:00:00Z", "from"},
		{"?from=2020-07-29&to=2020-07-30T00:00:00Z", "from"},
		{"?from=2020-07-29T00:00:00Z&to=tomorrow", "to"},
		{"?from=2020-07-29T10:00:00Z&to=2020-07-29T09:00:00Z", "to"},
		{"?from=2020-07-29T10:00:00Z&to=2020-07-29T10:00:00Z", "to"},
		{"?from=2020-07-01T00:00:00Z&to=2020-08-01T00:00:01Z", "to"},
		{"?day=2020-07-29&from=2020-07-29T00:00:00Z&to=2020-07-30T00:00:00Z", "day"},
	} {
		e.wantError(request{method: "GET", path: path + tc.query}, http.StatusBadRequest, depc.EINVALID, tc.field)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/nope/rootcause?from=2020-07-29T00:00:00Z&to=2020-07-30T00:00:00Z"}, http.StatusNotFound, depc.ENOTFOUND)
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Nope/nodes/x/rootcause?from=2020-07-29T00:00:00Z&to=2020-07-30T00:00:00Z"}, http.StatusBadRequest, depc.EINVALID, "Nope")
	// 31 days is the most.
	e.call("GET", path+"?from=2020-07-01T00:00:00Z&to=2020-08-01T00:00:00Z", nil, http.StatusOK, &win)

	// Every role of the team reads it; another team's manager does not.
	for _, role := range []depc.Role{depc.RoleViewer, depc.RoleEditor, depc.RoleManager} {
		token := e.user("u-"+string(role), "acme", role)
		if r := e.do(request{method: "GET", path: path + "?from=2020-07-29T23:40:00Z&to=2020-07-30T00:25:00Z", token: &token}); r.Status != http.StatusOK {
			t.Errorf("%s: status %d", role, r.Status)
		}
	}
	e.call("POST", "/teams", map[string]any{"name": "other"}, http.StatusCreated, nil)
	other := e.user("olga", "other", depc.RoleManager)
	e.wantError(request{method: "GET", path: path + "?from=2020-07-29T23:40:00Z&to=2020-07-30T00:25:00Z", token: &other}, http.StatusForbidden, depc.EFORBIDDEN)
	e.wantError(request{method: "GET", path: path + "?from=2020-07-29T23:40:00Z&to=2020-07-30T00:25:00Z", token: tok("")}, http.StatusUnauthorized, depc.EUNAUTHORIZED)
}

// TestNeighboursWorstFirst: with day, dependencies and dependents carry
// each neighbour's QoS of the day; sort=qos lists them worst first, so a
// long list starts with the neighbours that cost the node QoS (issue 13).
func TestNeighboursWorstFirst(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	type neighbour struct {
		Label, Name string
		QoS         *float64 `json:"qos"`
	}
	get := func(path string) []neighbour {
		var out struct {
			Dependencies []neighbour `json:"dependencies"`
			Dependents   []neighbour `json:"dependents"`
		}
		e.call("GET", path, nil, http.StatusOK, &out)
		return append(out.Dependencies, out.Dependents...)
	}
	byName := get("/teams/acme/labels/Website/nodes/foo.com/dependencies?day=" + tutorialDay)
	worst := get("/teams/acme/labels/Website/nodes/foo.com/dependencies?sort=qos&day=" + tutorialDay)
	if len(byName) != 2 || len(worst) != 2 {
		t.Fatalf("dependencies %+v / %+v", byName, worst)
	}
	for _, n := range byName {
		q, _ := expectedPingQoS(t, n.Name)
		if n.QoS == nil || *n.QoS != round3(q) {
			t.Errorf("%s: qos %v, want %v", n.Name, n.QoS, round3(q))
		}
	}
	if byName[0].Label > byName[1].Label || *worst[0].QoS > *worst[1].QoS {
		t.Errorf("order: by name %+v, worst first %+v", byName, worst)
	}
	// A day not computed: null, present.
	var raw struct {
		Dependencies []map[string]any `json:"dependencies"`
	}
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/dependencies?inactive=true&sort=qos&day=2020-07-20", nil, http.StatusOK, &raw)
	if len(raw.Dependencies) != 2 {
		t.Errorf("inactive dependencies %v", raw.Dependencies)
	}
	for _, n := range raw.Dependencies {
		if q, ok := n["qos"]; !ok || q != nil {
			t.Errorf("not computed: %v", n)
		}
	}
	// Without day, no qos.
	var plain struct {
		Dependencies []map[string]any `json:"dependencies"`
	}
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/dependencies", nil, http.StatusOK, &plain)
	for _, n := range plain.Dependencies {
		if _, ok := n["qos"]; ok {
			t.Errorf("qos without a day: %v", n)
		}
	}
	if d := get("/teams/acme/labels/Filer/nodes/filer1/dependents?sort=qos&day=" + tutorialDay); len(d) != 1 || d[0].QoS == nil {
		t.Errorf("dependents %+v", d)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/foo.com/dependencies?sort=qos"}, http.StatusBadRequest, depc.EINVALID, "sort")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/foo.com/dependents?sort=best&day=" + tutorialDay}, http.StatusBadRequest, depc.EINVALID, "sort")
}
