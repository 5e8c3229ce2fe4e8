package api_test

import (
	"net/http"
	"testing"

	"github.com/depc-dev/depc"
)

// TestNews: an admin announces, changes and deletes news; every user
// reads them, newest first.
func TestNews(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	viewer := e.user("vic", "acme", depc.RoleViewer)

	var a, b depc.News
	e.call("POST", "/news", map[string]any{"title": "Upgrade", "text": "Saturday 10:00 UTC"}, http.StatusCreated, &a)
	e.call("POST", "/news", map[string]any{"title": "Late run", "text": "The run of the 3rd was late."}, http.StatusCreated, &b)
	if a.ID == 0 || a.Author == "" || a.CreatedAt == 0 {
		t.Errorf("created %+v", a)
	}
	var list []depc.News
	r := e.do(request{method: "GET", path: "/news", token: tok(viewer)})
	if r.Status != http.StatusOK {
		t.Fatalf("GET /news as a viewer: %d %s", r.Status, r.Body)
	}
	e.call("GET", "/news?limit=1", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].ID != b.ID {
		t.Errorf("GET /news?limit=1 = %+v", list)
	}
	var u depc.News
	e.call("PUT", "/news/"+itoa(a.ID), map[string]any{"title": "Upgrade moved", "text": "Sunday"}, http.StatusOK, &u)
	if u.Title != "Upgrade moved" || u.Author != a.Author || u.CreatedAt != a.CreatedAt {
		t.Errorf("PUT = %+v", u)
	}
	e.wantError(request{method: "POST", path: "/news", body: map[string]any{"title": "x", "text": "y"}, token: tok(viewer)}, http.StatusForbidden, depc.EFORBIDDEN)
	e.wantError(request{method: "POST", path: "/news", body: map[string]any{"title": "", "text": "y"}}, http.StatusBadRequest, depc.EINVALID, "title")
	e.call("DELETE", "/news/"+itoa(a.ID), nil, http.StatusNoContent, nil)
	e.wantError(request{method: "GET", path: "/news/" + itoa(a.ID)}, http.StatusNotFound, depc.ENOTFOUND)
	e.wantError(request{method: "GET", path: "/news/x"}, http.StatusBadRequest, depc.EINVALID, "id")
	e.call("GET", "/news", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].ID != b.ID {
		t.Errorf("GET /news after delete = %+v", list)
	}
}
