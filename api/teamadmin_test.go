package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
	"github.com/depc-dev/depc/graph/graphtest/memgraph"
	"github.com/depc-dev/depc/state/sqlite"
)

// TestRenameTeam: every store follows a rename — the graph, the results,
// the catalog, the grants — the old name is gone, and the entry is in the
// renamed team's audit log.
func TestRenameTeam(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	vic := e.user("vic", "acme", depc.RoleManager)
	e.call("POST", "/teams", map[string]any{"name": "other"}, http.StatusCreated, nil)
	var before json.RawMessage
	e.call("GET", "/teams/acme/qos?start="+tutorialDay+"&end="+tutorialDay, nil, http.StatusOK, &before)

	e.wantError(request{method: "POST", path: "/teams/acme/rename", body: map[string]any{"name": "other"}}, http.StatusConflict, depc.ECONFLICT, "already exists")
	e.wantError(request{method: "POST", path: "/teams/acme/rename", body: map[string]any{"name": "Not Valid"}}, http.StatusBadRequest, depc.EINVALID, "name")
	e.wantError(request{method: "POST", path: "/teams/acme/rename", token: tok(vic), body: map[string]any{"name": "acme2"}}, http.StatusForbidden, depc.EFORBIDDEN)
	var got depc.Team
	e.call("POST", "/teams/acme/rename", map[string]any{"name": "acme2"}, http.StatusOK, &got)
	if got.Name != "acme2" {
		t.Errorf("renamed team = %+v", got)
	}
	e.wantError(request{method: "GET", path: "/teams/acme"}, http.StatusNotFound, depc.ENOTFOUND)
	var after json.RawMessage
	mustJSON(t, e.do(request{method: "GET", path: "/teams/acme2/qos?start=" + tutorialDay + "&end=" + tutorialDay, token: tok(vic)}), http.StatusOK, &after)
	if string(after) != string(before) {
		t.Errorf("the results changed with the name:\n%s\n%s", before, after)
	}
	if l, err := e.graph.Labels(e.ctx, "acme2"); err != nil || len(l) != 4 {
		t.Errorf("the graph under the new name: %v, %v", l, err)
	}
	if l, _ := e.graph.Labels(e.ctx, "acme"); len(l) != 0 {
		t.Errorf("the graph under the old name: %v", l)
	}
	var sources []depc.SourceConfig
	e.call("GET", "/teams/acme2/sources", nil, http.StatusOK, &sources)
	if len(sources) != 1 {
		t.Errorf("sources under the new name: %v", sources)
	}
	var audit []depc.AuditEntry
	mustJSON(t, e.do(request{method: "GET", path: "/teams/acme2/audit", token: tok(vic)}), http.StatusOK, &audit)
	if len(audit) == 0 || audit[0].Action != "POST /teams/{team}/rename" || audit[0].Team != "acme2" {
		t.Errorf("the rename is not the newest entry of the team's audit log: %+v", audit[:min(1, len(audit))])
	}
	// The old name is free.
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	var labels []json.RawMessage
	e.call("GET", "/teams/acme/labels", nil, http.StatusOK, &labels)
	if len(labels) != 0 {
		t.Errorf("a new team of the old name has labels: %s", labels)
	}
}

// TestDeleteTeam: a deleted team is gone from both stores, and a new team
// of its name starts empty.
func TestDeleteTeam(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	vic := e.user("vic", "acme", depc.RoleManager)
	e.wantError(request{method: "DELETE", path: "/teams/acme", token: tok(vic)}, http.StatusForbidden, depc.EFORBIDDEN)
	e.call("DELETE", "/teams/acme", nil, http.StatusNoContent, nil)
	e.wantError(request{method: "GET", path: "/teams/acme"}, http.StatusNotFound, depc.ENOTFOUND)
	e.wantError(request{method: "DELETE", path: "/teams/acme"}, http.StatusNotFound, depc.ENOTFOUND)
	if l, err := e.graph.Labels(e.ctx, "acme"); err != nil || len(l) != 0 {
		t.Errorf("the graph of the deleted team: %v, %v", l, err)
	}
	e.wantError(request{method: "GET", path: "/teams/acme", token: tok(vic)}, http.StatusForbidden, depc.EFORBIDDEN)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	var sources []json.RawMessage
	e.call("GET", "/teams/acme/sources", nil, http.StatusOK, &sources)
	if len(sources) != 0 {
		t.Errorf("a new team of the deleted one's name has sources: %s", sources)
	}
	var audit []depc.AuditEntry
	e.call("GET", "/audit", nil, http.StatusOK, &audit)
	found := false
	for _, a := range audit {
		found = found || (a.Action == "DELETE /teams/{team}" && a.Team == "acme" && a.Status == http.StatusNoContent)
	}
	if !found {
		t.Errorf("the deletion is not in the audit log")
	}
}

// TestTeamChangesWaitForRuns: while a run of the team is queued (no
// scheduler here takes it), deleting or renaming the team is refused and
// changes nothing.
func TestTeamChangesWaitForRuns(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if err := st.SetAdminTokenHash(ctx, adminTokenHash()); err != nil {
		t.Fatal(err)
	}
	g := memgraph.New()
	srv := httptest.NewServer(api.New(api.Config{}, api.Deps{Graph: g, State: st}))
	t.Cleanup(srv.Close)
	e := &env{t: t, ctx: ctx, srv: srv, token: adminToken}
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	if err := g.Apply(ctx, "acme", []depc.Event{{Node: depc.NodeKey{Label: "Website", Name: "w"}, Kind: depc.EventExists}}); err != nil {
		t.Fatal(err)
	}
	run, err := st.CreateRun(ctx, "acme", []string{"2026-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	e.wantError(request{method: "DELETE", path: "/teams/acme"}, http.StatusConflict, depc.ECONFLICT, "queued")
	e.wantError(request{method: "POST", path: "/teams/acme/rename", body: map[string]any{"name": "beta"}}, http.StatusConflict, depc.ECONFLICT, "queued")
	if l, _ := g.Labels(ctx, "acme"); len(l) != 1 {
		t.Errorf("a refused change touched the graph: %v", l)
	}
	run.Status = depc.RunFailed
	if err := st.UpdateRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	e.call("POST", "/teams/acme/rename", map[string]any{"name": "beta"}, http.StatusOK, nil)
	e.call("DELETE", "/teams/beta", nil, http.StatusNoContent, nil)
}
