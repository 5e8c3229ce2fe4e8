package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

type auditAnswer struct {
	ID     int64           `json:"id"`
	At     int64           `json:"at"`
	Team   string          `json:"team"`
	User   string          `json:"user"`
	Action string          `json:"action"`
	Target string          `json:"target"`
	Status int             `json:"status"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// TestAudit: every successful write is in the audit log — who, when, the
// route and path, the resource before and after — with secrets masked;
// reads, computations and refused writes are not. A team's managers read
// the team's log, an admin the whole log.
func TestAudit(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	e.call("POST", "/teams", map[string]any{"name": "beta"}, http.StatusCreated, nil)
	mandy := e.user("mandy", "acme", depc.RoleManager)
	eddie := e.user("eddie", "acme", depc.RoleEditor)
	betaManager := e.user("bob", "beta", depc.RoleManager)
	as := func(token, method, path string, body any) response {
		return e.do(request{method: method, path: path, body: body, token: tok(token)})
	}
	const tok1, tok2 = "s3cret-first", "s3cret-second"
	mustStatus := func(r response, want int) {
		t.Helper()
		if r.Status != want {
			t.Fatalf("status %d, want %d: %s", r.Status, want, r.Body)
		}
	}
	mustStatus(as(mandy, "POST", "/teams/acme/sources", map[string]any{"name": "P", "plugin": "Prometheus",
		"configuration": map[string]any{"url": "http://127.0.0.1:9090", "bearer_token": tok1}}), http.StatusCreated)
	mustStatus(as(mandy, "PUT", "/teams/acme/sources/P", map[string]any{"plugin": "Prometheus",
		"configuration": map[string]any{"url": "http://127.0.0.1:9091", "bearer_token": tok2}}), http.StatusOK)
	mustStatus(as(eddie, "POST", "/teams/acme/sources", map[string]any{"name": "F", "plugin": "Fake"}), http.StatusForbidden)
	mustStatus(as(mandy, "POST", "/teams/acme/sources", map[string]any{"name": "P", "plugin": "Fake"}), http.StatusConflict)
	mustStatus(as(mandy, "POST", "/teams/acme/sources", map[string]any{"name": "F", "plugin": "Fake"}), http.StatusCreated)
	mustStatus(as(eddie, "POST", "/teams/acme/checks", map[string]any{"name": "Ping", "source": "F", "type": "Threshold",
		"parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "20"}}), http.StatusCreated)
	mustStatus(as(eddie, "POST", "/teams/acme/rules", map[string]any{"name": "R", "checks": []string{"Ping"}}), http.StatusCreated)
	mustStatus(as(eddie, "POST", "/teams/acme/rules/R/execute", map[string]any{"name": "filer1", "start": tutorialStart, "end": tutorialStart + 3600}), http.StatusOK)
	mustStatus(as(mandy, "DELETE", "/teams/acme/rules/R", nil), http.StatusNoContent)
	mustStatus(as(betaManager, "POST", "/teams/beta/sources", map[string]any{"name": "F", "plugin": "Fake"}), http.StatusCreated)

	// The readers.
	mustStatus(as(eddie, "GET", "/teams/acme/audit", nil), http.StatusForbidden)
	mustStatus(as(betaManager, "GET", "/teams/acme/audit", nil), http.StatusForbidden)
	mustStatus(as(mandy, "GET", "/audit", nil), http.StatusForbidden)
	r := as(mandy, "GET", "/teams/acme/audit", nil)
	var log []auditAnswer
	mustJSON(t, r, http.StatusOK, &log)
	for _, secret := range []string{tok1, tok2, mandy, eddie} {
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("the audit log shows a secret: %s", r.Body)
		}
	}
	type want struct{ user, action, target string }
	wants := []want{
		{"mandy", "DELETE /teams/{team}/rules/{rule}", "/teams/acme/rules/R"},
		{"eddie", "POST /teams/{team}/rules", "/teams/acme/rules"},
		{"eddie", "POST /teams/{team}/checks", "/teams/acme/checks"},
		{"mandy", "POST /teams/{team}/sources", "/teams/acme/sources"},
		{"mandy", "PUT /teams/{team}/sources/{source}", "/teams/acme/sources/P"},
		{"mandy", "POST /teams/{team}/sources", "/teams/acme/sources"},
		{"admin", "PUT /teams/{team}/grants/{user}", "/teams/acme/grants/eddie"},
		{"admin", "PUT /teams/{team}/grants/{user}", "/teams/acme/grants/mandy"},
	}
	if len(log) != len(wants) {
		t.Fatalf("acme's log: %d entries, want %d: %s", len(log), len(wants), r.Body)
	}
	for i, w := range wants {
		g := log[i]
		if g.User != w.user || g.Action != w.action || g.Target != w.target || g.Team != "acme" || g.At == 0 || g.Status < 200 || g.Status > 299 {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
		if i > 0 && g.ID >= log[i-1].ID {
			t.Errorf("entries not newest first: %d after %d", g.ID, log[i-1].ID)
		}
	}
	// The PUT has the source before and after, masked.
	put := log[4]
	var before, after struct {
		Configuration map[string]string `json:"configuration"`
	}
	if json.Unmarshal(put.Before, &before) != nil || json.Unmarshal(put.After, &after) != nil ||
		before.Configuration["url"] != "http://127.0.0.1:9090" || after.Configuration["url"] != "http://127.0.0.1:9091" ||
		before.Configuration["bearer_token"] != "********" || after.Configuration["bearer_token"] != "********" {
		t.Errorf("the PUT's before %s and after %s", put.Before, put.After)
	}
	// The DELETE has the rule before, nothing after; a creation nothing before.
	if del := log[0]; !strings.Contains(string(del.Before), `"Ping"`) || string(del.After) != "null" {
		t.Errorf("the DELETE's before %s and after %s", del.Before, del.After)
	}
	if string(log[5].Before) != "null" || !strings.Contains(string(log[5].After), `"P"`) {
		t.Errorf("the creation's before %s and after %s", log[5].Before, log[5].After)
	}

	// Paging.
	var page []auditAnswer
	mustJSON(t, as(mandy, "GET", "/teams/acme/audit?limit=2&before="+strconv.FormatInt(log[1].ID, 10), nil), http.StatusOK, &page)
	if len(page) != 2 || page[0].ID != log[2].ID || page[1].ID != log[3].ID {
		t.Errorf("page after %d: %+v", log[1].ID, page)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/audit?limit=0"}, http.StatusBadRequest, depc.EINVALID, "limit")

	// The admin reads the whole log: the instance's writes (users, with
	// their tokens masked), every team's.
	r = e.do(request{method: "GET", path: "/audit"})
	var all []auditAnswer
	mustJSON(t, r, http.StatusOK, &all)
	if strings.Contains(string(r.Body), mandy) || strings.Contains(string(r.Body), tok1) {
		t.Errorf("the whole log shows a token: %s", r.Body)
	}
	teams := map[string]int{}
	users := 0
	for _, a := range all {
		teams[a.Team]++
		if a.Action == "POST /users" {
			users++
			if !strings.Contains(string(a.After), `"token":"********"`) {
				t.Errorf("POST /users recorded %s, want its token masked", a.After)
			}
		}
		if a.User == "" {
			t.Errorf("an entry without its user: %+v", a)
		}
	}
	if teams["acme"] != 8 || teams["beta"] != 2 || users != 3 {
		t.Errorf("the whole log: %v by team, %d users created; %s", teams, users, r.Body)
	}
	var beta []auditAnswer
	mustJSON(t, e.do(request{method: "GET", path: "/audit?team=beta"}), http.StatusOK, &beta)
	if len(beta) != 2 || beta[0].User != "bob" || beta[1].User != "admin" {
		t.Errorf("/audit?team=beta: %+v", beta)
	}
}
