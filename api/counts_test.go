package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

// TestCounts: the impacted count and CSV walk every page of /impacted;
// the dependency count counts the active dependencies and dependents.
func TestCounts(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	basic := tutorialMessages()[0]
	basic["source"] = map[string]any{"label": "Offer", "name": "basic"}
	e.call("POST", "/teams/acme/messages", []map[string]any{basic}, http.StatusOK, nil)

	var count struct {
		Count int `json:"count"`
	}
	e.call("GET", "/teams/acme/labels/Filer/nodes/filer1/impacted/count?label=Offer", nil, http.StatusOK, &count)
	if count.Count != 2 {
		t.Errorf("impacted count = %d, want 2 (basic, premium)", count.Count)
	}
	e.call("GET", "/teams/acme/labels/Filer/nodes/filer1/impacted/count?label=Apache", nil, http.StatusOK, &count)
	if count.Count != 0 {
		t.Errorf("impacted Apache count = %d, want 0", count.Count)
	}

	r := e.call("GET", "/teams/acme/labels/Filer/nodes/filer1/impacted/csv?label=Offer", nil, http.StatusOK, nil)
	if got, want := string(r.Body), "label,name\nOffer,basic\nOffer,premium\n"; got != want {
		t.Errorf("impacted csv = %q, want %q", got, want)
	}
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("impacted csv content type %q", ct)
	}

	var deps struct {
		Dependencies int `json:"dependencies"`
		Dependents   int `json:"dependents"`
	}
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/dependencies/count", nil, http.StatusOK, &deps)
	if deps.Dependencies != 2 || deps.Dependents != 2 {
		t.Errorf("foo.com counts = %+v, want 2 dependencies (filer1, apache1) and 2 dependents (basic, premium)", deps)
	}

	for _, p := range []string{"impacted/count", "impacted/csv"} {
		e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/nodes/filer1/" + p}, http.StatusBadRequest, depc.EINVALID, "label")
		e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/nodes/nope/" + p + "?label=Offer"}, http.StatusNotFound, depc.ENOTFOUND)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/nodes/nope/dependencies/count"}, http.StatusNotFound, depc.ENOTFOUND)
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/nodes/filer1/dependencies/count?at=-5"}, http.StatusBadRequest, depc.EINVALID, "at")
}

// TestStatistics: the tutorial's labels with and without QoS on its day,
// the nodes computed that day, and its run with a duration.
func TestStatistics(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	var st struct {
		Labels []struct {
			Label      string  `json:"label"`
			Nodes      int     `json:"nodes"`
			WithQoS    int     `json:"with_qos"`
			WithoutQoS int     `json:"without_qos"`
			Day        *string `json:"day"`
		} `json:"labels"`
		Days []struct {
			Day   string `json:"day"`
			Nodes int    `json:"nodes"`
		} `json:"days"`
		Runs []struct {
			Status   string `json:"status"`
			Duration *int64 `json:"duration"`
			Days     int    `json:"days"`
		} `json:"runs"`
	}
	e.call("GET", "/teams/acme/statistics?start="+tutorialDay+"&end="+tutorialDay, nil, http.StatusOK, &st)
	if len(st.Labels) != 4 {
		t.Fatalf("labels %+v", st.Labels)
	}
	for _, l := range st.Labels {
		if l.Nodes == 0 || l.WithQoS != l.Nodes || l.WithoutQoS != 0 || l.Day == nil || *l.Day != tutorialDay {
			t.Errorf("label %+v", l)
		}
	}
	if len(st.Days) != 1 || st.Days[0].Nodes != 7 {
		t.Errorf("days %+v, want 7 nodes on %s", st.Days, tutorialDay)
	}
	// The run was created today, not on the tutorial's day.
	if len(st.Runs) != 0 {
		t.Errorf("runs of %s: %+v", tutorialDay, st.Runs)
	}
	// Around now (a day either side, so that midnight does not matter).
	now := time.Now().UTC()
	e.call("GET", "/teams/acme/statistics?start="+now.AddDate(0, 0, -1).Format(time.DateOnly)+"&end="+now.AddDate(0, 0, 1).Format(time.DateOnly), nil, http.StatusOK, &st)
	if len(st.Runs) != 1 || st.Runs[0].Status != "succeeded" || st.Runs[0].Duration == nil || st.Runs[0].Days != 1 {
		t.Errorf("runs around now: %+v", st.Runs)
	}
	for _, l := range st.Labels {
		if l.WithQoS != 0 || l.WithoutQoS != l.Nodes || l.Day != nil {
			t.Errorf("label around now %+v", l)
		}
	}
	e.wantError(request{method: "GET", path: "/teams/acme/statistics"}, http.StatusBadRequest, depc.EINVALID, "start")
}
