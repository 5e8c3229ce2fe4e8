package api_test

import (
	"net/http"
	"testing"

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
