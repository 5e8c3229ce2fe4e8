package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

type maintenanceAnswer struct {
	depc.Maintenance
	Runs []depc.Run `json:"runs"`
}

// waitRuns waits until every run has finished and succeeded.
func (e *env) waitRuns(runs []depc.Run) {
	e.t.Helper()
	for _, r := range runs {
		for deadline := time.Now().Add(time.Minute); ; {
			var got depc.Run
			e.call("GET", fmt.Sprintf("/teams/acme/runs/%d", r.ID), nil, http.StatusOK, &got)
			if got.Status.Finished() {
				if got.Status != depc.RunSucceeded {
					e.t.Fatalf("run %d: %+v", r.ID, got)
				}
				break
			}
			if time.Now().After(deadline) {
				e.t.Fatalf("run %d did not finish", r.ID)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// TestMaintenance declares windows over all of foo.com's KO time of the
// tutorial's day, after the fact: the day is recomputed and foo.com is at
// 100 %; deleting them brings its QoS back.
func TestMaintenance(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	e.setNow(time.Unix(tutorialStart+86400+6*3600, 0))

	type dayQoS struct {
		QoS      *float64 `json:"qos"`
		KO       *int64   `json:"ko"`
		Unknown  *int64   `json:"unknown"`
		Downtime []struct {
			From int64 `json:"from"`
			To   int64 `json:"to"`
		} `json:"downtime"`
	}
	fooQoS := func() dayQoS {
		t.Helper()
		var ds []dayQoS
		e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/qos?start="+tutorialDay+"&end="+tutorialDay, nil, http.StatusOK, &ds)
		if len(ds) != 1 {
			t.Fatalf("foo.com: %d days", len(ds))
		}
		return ds[0]
	}
	before := fooQoS()
	if len(before.Downtime) == 0 {
		t.Fatal("foo.com has no downtime in the tutorial")
	}

	var created []maintenanceAnswer
	for _, p := range before.Downtime {
		var m maintenanceAnswer
		e.call("POST", "/teams/acme/maintenance", map[string]any{"label": "Website", "name": "foo.com", "from": p.From, "to": p.To,
			"reason": "switch upgrade"}, http.StatusCreated, &m)
		if m.ID <= 0 || m.Label != "Website" || m.Name != "foo.com" || m.Reason != "switch upgrade" || m.CreatedAt <= 0 ||
			len(m.Runs) != 1 || len(m.Runs[0].Days) != 1 || m.Runs[0].Days[0] != tutorialDay {
			t.Fatalf("POST maintenance = %+v", m)
		}
		created = append(created, m)
		e.waitRuns(m.Runs)
	}
	after := fooQoS()
	if after.QoS == nil || *after.QoS != 100 || *after.KO != 0 || *after.Unknown != *before.KO {
		t.Errorf("foo.com with windows over its KO time: qos %v ko %v unknown %v, want 100, 0, %d", after.QoS, after.KO, after.Unknown, *before.KO)
	}

	// A window to come changes no computed day.
	var future maintenanceAnswer
	e.call("POST", "/teams/acme/maintenance", map[string]any{"from": tutorialStart + 2*86400, "to": tutorialStart + 3*86400,
		"reason": "the whole team moves"}, http.StatusCreated, &future)
	if future.Label != "" || len(future.Runs) != 0 {
		t.Errorf("future window: %+v", future)
	}

	// Lists: a node sees its own, its label's and the team's windows.
	var ms []depc.Maintenance
	e.call("GET", fmt.Sprintf("/teams/acme/maintenance?from=%d&to=%d", tutorialStart, tutorialStart+4*86400), nil, http.StatusOK, &ms)
	if len(ms) != len(created)+1 {
		t.Errorf("all windows: %d, want %d", len(ms), len(created)+1)
	}
	e.call("GET", fmt.Sprintf("/teams/acme/maintenance?from=%d&label=Website&name=bar.com", tutorialStart), nil, http.StatusOK, &ms)
	if len(ms) != 1 || ms[0].ID != future.ID {
		t.Errorf("bar.com's windows: %+v", ms)
	}
	e.call("GET", fmt.Sprintf("/teams/acme/maintenance?from=%d&label=Filer", tutorialStart), nil, http.StatusOK, &ms)
	if len(ms) != 1 {
		t.Errorf("Filer's windows: %+v", ms)
	}
	e.call("GET", fmt.Sprintf("/teams/acme/maintenance?from=%d&label=Website", tutorialStart), nil, http.StatusOK, &ms)
	if len(ms) != len(created)+1 {
		t.Errorf("Website's windows: %+v", ms)
	}
	var one depc.Maintenance
	e.call("GET", fmt.Sprintf("/teams/acme/maintenance/%d", created[0].ID), nil, http.StatusOK, &one)
	if one != created[0].Maintenance {
		t.Errorf("GET maintenance = %+v, want %+v", one, created[0].Maintenance)
	}

	// Changing a window recomputes the old and new days.
	var changed maintenanceAnswer
	e.call("PUT", fmt.Sprintf("/teams/acme/maintenance/%d", future.ID), map[string]any{"label": "Filer",
		"from": tutorialStart - 86400, "to": tutorialStart + 3*86400, "reason": "moved earlier"}, http.StatusOK, &changed)
	if changed.Label != "Filer" || changed.CreatedAt != future.CreatedAt || len(changed.Runs) != 1 || changed.Runs[0].Days[0] != tutorialDay {
		t.Errorf("PUT maintenance = %+v", changed)
	}
	e.waitRuns(changed.Runs)
	var filer []dayQoS
	e.call("GET", "/teams/acme/labels/Filer/nodes/filer1/qos?start="+tutorialDay+"&end="+tutorialDay, nil, http.StatusOK, &filer)
	if len(filer) != 1 || filer[0].QoS != nil || *filer[0].Unknown != 86400 {
		t.Errorf("filer1 in maintenance all day: %+v", filer)
	}

	// Deleting every window brings foo.com's QoS back.
	for _, m := range append(created, future) {
		var del maintenanceAnswer
		e.call("DELETE", fmt.Sprintf("/teams/acme/maintenance/%d", m.ID), nil, http.StatusOK, &del)
		e.waitRuns(del.Runs)
	}
	if q := fooQoS(); q.QoS == nil || *q.QoS != *before.QoS {
		t.Errorf("foo.com after the windows are gone: %v, want %v", q.QoS, *before.QoS)
	}
	// Every change is audited, a deletion with the window before.
	var audit []depc.AuditEntry
	e.call("GET", "/teams/acme/audit?limit=100", nil, http.StatusOK, &audit)
	actions := map[string]int{}
	for _, a := range audit {
		actions[a.Action]++
		if a.Action == "DELETE /teams/{team}/maintenance/{id}" && !strings.Contains(string(a.Before), `"reason"`) {
			t.Errorf("the audit of a deleted window has no window before: %s", a.Before)
		}
	}
	if actions["POST /teams/{team}/maintenance"] != len(created)+1 || actions["PUT /teams/{team}/maintenance/{id}"] != 1 || actions["DELETE /teams/{team}/maintenance/{id}"] != len(created)+1 {
		t.Errorf("audited maintenance writes: %v", actions)
	}
	e.wantError(request{method: "GET", path: fmt.Sprintf("/teams/acme/maintenance/%d", future.ID)}, http.StatusNotFound, depc.ENOTFOUND, "maintenance")
	e.wantError(request{method: "DELETE", path: "/teams/acme/maintenance/999"}, http.StatusNotFound, depc.ENOTFOUND, "999")
	e.wantError(request{method: "GET", path: "/teams/acme/maintenance/x"}, http.StatusBadRequest, depc.EINVALID, "id")

	for _, tt := range []struct {
		body any
		text string
	}{
		{map[string]any{"from": 10, "to": 10, "reason": "r"}, "to"},
		{map[string]any{"from": 10, "reason": "r"}, "from and to"},
		{map[string]any{"from": 10, "to": 20}, "reason"},
		{map[string]any{"from": 10, "to": 20, "reason": strings.Repeat("r", 501)}, "reason"},
		{map[string]any{"name": "foo.com", "from": 10, "to": 20, "reason": "r"}, "label"},
		{map[string]any{"label": "a b", "from": 10, "to": 20, "reason": "r"}, "label"},
		{map[string]any{"from": 10, "to": 20 + depc.MaxMaintenanceLen, "reason": "r"}, "366 days"},
		{map[string]any{"from": 10, "to": 20, "reason": "r", "team": "x"}, "team"},
	} {
		e.wantError(request{method: "POST", path: "/teams/acme/maintenance", body: tt.body}, http.StatusBadRequest, depc.EINVALID, tt.text)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/maintenance?name=x"}, http.StatusBadRequest, depc.EINVALID, "label")
	e.wantError(request{method: "GET", path: "/teams/acme/maintenance?from=-1"}, http.StatusBadRequest, depc.EINVALID, "from")
}
