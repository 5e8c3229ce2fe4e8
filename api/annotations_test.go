package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// TestAnnotations: an editor notes a node and a whole label; viewers read
// the notes by node (with the label's), by label and by window; the author
// is the caller and a change records who made it; a note on something the
// graph does not have is refused.
func TestAnnotations(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	editor := e.user("eddie", "acme", depc.RoleEditor)
	viewer := e.user("vic", "acme", depc.RoleViewer)
	as := func(token, method, path string, body any, status int, out any) {
		t.Helper()
		r := e.do(request{method: method, path: path, body: body, token: tok(token)})
		if out != nil {
			mustJSON(t, r, status, out)
		} else if r.Status != status {
			t.Fatalf("%s %s: %d %s, want %d", method, path, r.Status, r.Body, status)
		}
	}

	var filer1, filers, site depc.Annotation
	as(editor, "POST", "/teams/acme/annotations", map[string]any{"label": "Filer", "name": "filer1",
		"from": tutorialStart + 600, "to": tutorialStart + 1200, "text": "filer1: disk replaced"}, http.StatusCreated, &filer1)
	if filer1.ID < 1 || filer1.Author != "eddie" || filer1.UpdatedBy != "" || filer1.CreatedAt == 0 || filer1.Text != "filer1: disk replaced" {
		t.Fatalf("created %+v", filer1)
	}
	as(editor, "POST", "/teams/acme/annotations", map[string]any{"label": "Filer",
		"from": tutorialStart, "to": tutorialStart + 86400, "text": "maintenance of every filer"}, http.StatusCreated, &filers)
	as(editor, "POST", "/teams/acme/annotations", map[string]any{"label": "Website", "name": "foo.com",
		"from": tutorialStart + 86400, "to": tutorialStart + 90000, "text": "the day after"}, http.StatusCreated, &site)

	var got []depc.Annotation
	ids := func(as []depc.Annotation) string {
		var s []string
		for _, a := range as {
			s = append(s, fmt.Sprint(a.ID))
		}
		return strings.Join(s, ",")
	}
	want := func(what string, list ...depc.Annotation) {
		t.Helper()
		if ids(got) != ids(list) {
			t.Errorf("%s: ids %s, want %s", what, ids(got), ids(list))
		}
	}
	as(viewer, "GET", "/teams/acme/annotations", nil, http.StatusOK, &got)
	want("all", filers, filer1, site)
	as(viewer, "GET", "/teams/acme/annotations?label=Filer&name=filer1", nil, http.StatusOK, &got)
	want("filer1 and its label", filers, filer1)
	as(viewer, "GET", "/teams/acme/annotations?label=Filer&name=filer2", nil, http.StatusOK, &got)
	want("filer2: its label's", filers)
	as(viewer, "GET", "/teams/acme/annotations?label=Website", nil, http.StatusOK, &got)
	want("label Website", site)
	as(viewer, "GET", "/teams/acme/annotations?day="+tutorialDay, nil, http.StatusOK, &got)
	want("the tutorial day", filers, filer1)
	as(viewer, "GET", "/teams/acme/annotations?from=2020-07-29T00:15:00Z&to=2020-07-29T00:20:00Z", nil, http.StatusOK, &got)
	want("a window of 5 minutes", filers, filer1)
	as(viewer, "GET", "/teams/acme/annotations?from=2020-07-30T00:00:00Z&to=2020-07-31T00:00:00Z&limit=1", nil, http.StatusOK, &got)
	want("the next day", site)
	if got[0] != site {
		t.Errorf("listed %+v, want %+v", got[0], site)
	}

	var one depc.Annotation
	as(viewer, "GET", fmt.Sprintf("/teams/acme/annotations/%d", filer1.ID), nil, http.StatusOK, &one)
	if one != filer1 {
		t.Errorf("GET one: %+v, want %+v", one, filer1)
	}

	// A change by someone else keeps the author and says who changed it.
	var changed depc.Annotation
	e.call("PUT", fmt.Sprintf("/teams/acme/annotations/%d", filer1.ID), map[string]any{"label": "Apache", "name": "apache1",
		"from": tutorialStart + 600, "to": tutorialStart + 900, "text": "not the disk: apache1"}, http.StatusOK, &changed)
	if changed.ID != filer1.ID || changed.Author != "eddie" || changed.UpdatedBy != "admin" || changed.Label != "Apache" || changed.To != tutorialStart+900 {
		t.Errorf("changed %+v", changed)
	}
	as(viewer, "GET", "/teams/acme/annotations?label=Filer&name=filer1", nil, http.StatusOK, &got)
	want("filer1 after the note moved", filers)

	// Viewers do not write.
	e.wantError(request{method: "POST", path: "/teams/acme/annotations", token: tok(viewer),
		body: map[string]any{"label": "Filer", "from": 1, "to": 2, "text": "x"}}, http.StatusForbidden, depc.EFORBIDDEN)
	e.wantError(request{method: "DELETE", path: fmt.Sprintf("/teams/acme/annotations/%d", site.ID), token: tok(viewer)}, http.StatusForbidden, depc.EFORBIDDEN)

	as(editor, "DELETE", fmt.Sprintf("/teams/acme/annotations/%d", site.ID), nil, http.StatusNoContent, nil)
	e.wantError(request{method: "GET", path: fmt.Sprintf("/teams/acme/annotations/%d", site.ID)}, http.StatusNotFound, depc.ENOTFOUND, fmt.Sprintf("annotation %d", site.ID))
	e.wantError(request{method: "PUT", path: fmt.Sprintf("/teams/acme/annotations/%d", site.ID),
		body: map[string]any{"label": "Filer", "from": 1, "to": 2, "text": "x"}}, http.StatusNotFound, depc.ENOTFOUND, fmt.Sprintf("annotation %d", site.ID))
	e.wantError(request{method: "DELETE", path: fmt.Sprintf("/teams/acme/annotations/%d", site.ID)}, http.StatusNotFound, depc.ENOTFOUND)

	// What is refused, naming the field.
	post := func(body any, status int, code string, texts ...string) {
		t.Helper()
		e.wantError(request{method: "POST", path: "/teams/acme/annotations", body: body}, status, code, texts...)
	}
	note := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{"label": "Filer", "name": "filer1", "from": tutorialStart, "to": tutorialStart + 60, "text": "x"}
		change(m)
		return m
	}
	post(note(func(m map[string]any) { m["name"] = "filer9" }), http.StatusNotFound, depc.ENOTFOUND, "filer9")
	post(note(func(m map[string]any) { m["label"], m["name"] = "Nope", "" }), http.StatusNotFound, depc.ENOTFOUND, "label", "Nope")
	post(note(func(m map[string]any) { m["label"] = "not a label" }), http.StatusBadRequest, depc.EINVALID, "label")
	post(note(func(m map[string]any) { m["to"] = tutorialStart }), http.StatusBadRequest, depc.EINVALID, "to")
	post(note(func(m map[string]any) { m["text"] = "  " }), http.StatusBadRequest, depc.EINVALID, "text")
	post(note(func(m map[string]any) { m["text"] = strings.Repeat("x", depc.MaxAnnotationText+1) }), http.StatusBadRequest, depc.EINVALID, "text")
	post(note(func(m map[string]any) { m["author"] = "someone" }), http.StatusBadRequest, depc.EINVALID, "author")
	post(note(func(m map[string]any) { m["from"] = "yesterday" }), http.StatusBadRequest, depc.EINVALID, "from")
	e.wantError(request{method: "GET", path: "/teams/acme/annotations?name=filer1"}, http.StatusBadRequest, depc.EINVALID, "label")
	e.wantError(request{method: "GET", path: "/teams/acme/annotations?from=2020-07-29T00:00:00Z"}, http.StatusBadRequest, depc.EINVALID, "to")
	e.wantError(request{method: "GET", path: "/teams/acme/annotations?from=2020-07-29T00:00:00Z&to=2020-07-28T00:00:00Z"}, http.StatusBadRequest, depc.EINVALID, "to")
	e.wantError(request{method: "GET", path: "/teams/acme/annotations?day=yesterday"}, http.StatusBadRequest, depc.EINVALID, "day")
	e.wantError(request{method: "GET", path: "/teams/acme/annotations?limit=0"}, http.StatusBadRequest, depc.EINVALID, "limit")
	e.wantError(request{method: "GET", path: "/teams/acme/annotations/x"}, http.StatusBadRequest, depc.EINVALID, "id")

	// Another team sees none of it.
	e.call("POST", "/teams", map[string]any{"name": "other"}, http.StatusCreated, nil)
	e.call("GET", "/teams/other/annotations", nil, http.StatusOK, &got)
	want("another team", []depc.Annotation{}...)
	e.wantError(request{method: "GET", path: fmt.Sprintf("/teams/other/annotations/%d", filers.ID)}, http.StatusNotFound, depc.ENOTFOUND)
}

// TestRootCauseAnnotations: a root cause lists the notes of its subgraph
// (its nodes and their labels as a whole) that meet its window, and no
// other.
func TestRootCauseAnnotations(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	mk := func(label, name string, from, to int64, text string) depc.Annotation {
		var a depc.Annotation
		e.call("POST", "/teams/acme/annotations", map[string]any{"label": label, "name": name, "from": from, "to": to, "text": text}, http.StatusCreated, &a)
		return a
	}
	filer1 := mk("Filer", "filer1", tutorialStart+600, tutorialStart+1200, "in foo.com's subgraph")
	apaches := mk("Apache", "", tutorialStart, tutorialStart+60, "every apache")
	mk("Filer", "filer2", tutorialStart+600, tutorialStart+1200, "bar.com's filer")
	mk("Filer", "filer1", tutorialStart+86400, tutorialStart+86460, "the next day")
	var rc struct {
		Annotations []depc.Annotation `json:"annotations"`
	}
	for _, q := range []string{"?day=" + tutorialDay, "?from=2020-07-29T00:00:00Z&to=2020-07-29T01:00:00Z"} {
		e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/rootcause"+q, nil, http.StatusOK, &rc)
		if len(rc.Annotations) != 2 || rc.Annotations[0] != apaches || rc.Annotations[1] != filer1 {
			t.Errorf("rootcause%s: annotations %+v, want apaches then filer1", q, rc.Annotations)
		}
	}
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/rootcause?from=2020-07-29T02:00:00Z&to=2020-07-29T03:00:00Z", nil, http.StatusOK, &rc)
	if rc.Annotations == nil || len(rc.Annotations) != 0 {
		t.Errorf("rootcause of a window without notes: %+v, want []", rc.Annotations)
	}
}
