package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
)

// concretePath fills the parameters of a route's path with values of the
// tutorial team (names escaped as a client sends them).
func concretePath(p, team string) string {
	r := strings.NewReplacer(
		":team", team, ":user", "someone", ":label", "Website", ":name", "foo.com",
		":source", "Fake", ":shared", "demo", ":check", "Server%20Ping", ":rule", "Servers", ":id", "1", ":receiver", "am",
		// No one's token: revoking or rotating a caller's own would end
		// its later calls.
		":token", "999999",
	)
	return r.Replace(p)
}

// minimalBody is a small body for a route that takes one: an allowed call
// may then be refused as invalid, which is fine here.
func minimalBody(method string) any {
	if method == http.MethodPost || method == http.MethodPut {
		return "{}"
	}
	return nil
}

// TestAccess walks every route of apiRoutes with every kind of caller: no
// token and an unknown token are 401; each role of the route's team is
// allowed iff it includes the access the route needs, 403 otherwise; a
// manager of another team is 403; an admin is allowed everywhere. An allowed
// call may be refused for its minimal body (400, 404, 409), never 401, 403
// or 500.
func TestAccess(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	e.call("POST", "/teams", map[string]any{"name": "other"}, http.StatusCreated, nil)
	tokens := map[string]string{
		"viewer":         e.user("vic", "acme", depc.RoleViewer),
		"editor":         e.user("eddie", "acme", depc.RoleEditor),
		"manager":        e.user("mandy", "acme", depc.RoleManager),
		"other-manager":  e.user("olga", "other", depc.RoleManager),
		"no-role":        e.user("nora", "", ""),
		"admin":          adminToken,
		"no token":       "",
		"unknown token":  "depc_not-a-token",
		"malformed auth": "",
	}
	e.user("someone", "", "")
	// Each caller: the status class it must get for a route needing a
	// given access.
	type verdict int
	const (
		allowed verdict = iota
		unauthorized
		forbidden
	)
	roles := map[string]depc.Role{"viewer": depc.RoleViewer, "editor": depc.RoleEditor, "manager": depc.RoleManager}
	expect := func(caller, access string) verdict {
		switch {
		case access == "public":
			return allowed
		case caller == "no token" || caller == "unknown token" || caller == "malformed auth":
			return unauthorized
		case caller == "admin" || access == "any user":
			return allowed
		case access == "admin":
			return forbidden
		}
		if role, ok := roles[caller]; ok && role.Includes(depc.Role(access)) {
			return allowed
		}
		return forbidden
	}
	// Callers in an order that keeps the tutorial whole for the longest:
	// the manager and the admin may delete the node foo.com.
	callers := []string{"no token", "unknown token", "malformed auth", "no-role", "other-manager", "viewer", "editor", "manager", "admin"}
	for _, caller := range callers {
		for _, r := range api.Routes() {
			path := concretePath(r.Path, "acme")
			req := request{method: r.Method, path: path, body: minimalBody(r.Method), token: tok(tokens[caller])}
			if caller == "malformed auth" {
				req.auth = "Basic YWRtaW46YWRtaW4="
			}
			got := e.do(req)
			want := expect(caller, r.Access)
			var ok bool
			switch want {
			case allowed:
				ok = got.Status != http.StatusUnauthorized && got.Status != http.StatusForbidden && got.Status < 500
			case unauthorized:
				ok = got.Status == http.StatusUnauthorized && got.errorOf(t).Error.Code == depc.EUNAUTHORIZED
			case forbidden:
				ok = got.Status == http.StatusForbidden && got.errorOf(t).Error.Code == depc.EFORBIDDEN
			}
			if !ok {
				t.Errorf("%s %s (needs %s) as %s: status %d, want %s; body %s",
					r.Method, path, r.Access, caller, got.Status, [...]string{"allowed", "401", "403"}[want], got.Body)
			}
		}
	}
}

// TestAccessUnknownTeam: a user without a role gets the same 403 for an
// unknown team as for a team of others, so no token learns which teams
// exist; only an admin sees the 404.
func TestAccessUnknownTeam(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	e.call("POST", "/teams", map[string]any{"name": "other"}, http.StatusCreated, nil)
	viewer := e.user("vic", "acme", depc.RoleViewer)
	for _, team := range []string{"other", "nope", "Not-A-Team"} {
		e.wantError(request{method: "GET", path: "/teams/" + team + "/labels", token: tok(viewer)}, http.StatusForbidden, depc.EFORBIDDEN, "vic", "no role")
	}
	e.wantError(request{method: "GET", path: "/teams/nope/labels"}, http.StatusNotFound, depc.ENOTFOUND, "nope")
	e.wantError(request{method: "GET", path: "/teams/nope"}, http.StatusNotFound, depc.ENOTFOUND, "nope")

	// GET /teams lists only the teams a user has a role in.
	var teams []depc.Team
	r := e.do(request{method: "GET", path: "/teams", token: tok(viewer)})
	mustJSON(t, r, http.StatusOK, &teams)
	if len(teams) != 1 || teams[0].Name != "acme" {
		t.Errorf("GET /teams as a viewer of acme: %+v", teams)
	}
	mustJSON(t, e.do(request{method: "GET", path: "/teams"}), http.StatusOK, &teams)
	if len(teams) != 2 {
		t.Errorf("GET /teams as admin: %+v, want both teams", teams)
	}
}

// TestAccessRoleChanges: a grant takes effect at once, and a removed
// grant or a deleted user loses access at the next request.
func TestAccessRoleChanges(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	tk := e.user("vic", "acme", depc.RoleViewer)
	as := func(method, path string, body any) int {
		return e.do(request{method: method, path: path, body: body, token: tok(tk)}).Status
	}
	if got := as("POST", "/teams/acme/messages", `{"source": {"label": "A", "name": "a"}}`); got != http.StatusForbidden {
		t.Errorf("viewer posting messages: %d, want 403", got)
	}
	e.call("PUT", "/teams/acme/grants/vic", map[string]any{"role": "editor"}, http.StatusOK, nil)
	if got := as("POST", "/teams/acme/messages", `{"source": {"label": "A", "name": "a"}}`); got != http.StatusOK {
		t.Errorf("editor posting messages: %d, want 200", got)
	}
	// An editor may not grant; a manager may.
	if got := as("PUT", "/teams/acme/grants/vic", map[string]any{"role": "manager"}); got != http.StatusForbidden {
		t.Errorf("editor granting itself manager: %d, want 403", got)
	}
	var grants []map[string]string
	e.call("GET", "/teams/acme/grants", nil, http.StatusOK, &grants)
	if len(grants) != 1 || grants[0]["user"] != "vic" || grants[0]["role"] != "editor" {
		t.Errorf("grants: %v", grants)
	}
	e.call("DELETE", "/teams/acme/grants/vic", nil, http.StatusNoContent, nil)
	if got := as("GET", "/teams/acme", nil); got != http.StatusForbidden {
		t.Errorf("after the grant is removed: %d, want 403", got)
	}
	e.wantError(request{method: "PUT", path: "/teams/acme/grants/ghost", body: map[string]any{"role": "viewer"}}, http.StatusNotFound, depc.ENOTFOUND, "ghost")
	e.wantError(request{method: "PUT", path: "/teams/acme/grants/vic", body: map[string]any{"role": "owner"}}, http.StatusBadRequest, depc.EINVALID, "role")
}

// TestDeletedTokenRefusedWithin2s (issue 11, item 5): a token deleted
// through another replica — here in the shared store, behind this server's
// back — is refused by this one within 2 s with the default cache, though
// this server had just let it in.
func TestDeletedTokenRefusedWithin2s(t *testing.T) {
	e := newEnv(t)
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	e.setNow(t0)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	vic := e.user("vic", "acme", depc.RoleViewer)
	get := func() int { return e.do(request{method: "GET", path: "/teams/acme", token: tok(vic)}).Status }
	if got := get(); got != http.StatusOK {
		t.Fatalf("viewer: %d", got)
	}
	ts, err := e.state.Tokens(e.ctx, "vic")
	if err != nil || len(ts) != 1 {
		t.Fatalf("vic's tokens: %+v %v", ts, err)
	}
	if err := e.state.DeleteToken(e.ctx, "vic", ts[0].ID); err != nil {
		t.Fatal(err)
	}
	e.setNow(t0.Add(2 * time.Second))
	if got := get(); got != http.StatusUnauthorized {
		t.Errorf("2 s after the token was deleted by another replica: %d, want 401", got)
	}
}

// TestAuthCache: decisions are remembered for AuthCacheTTL, so a grant
// removed by another process (here, directly in the store) still holds
// until then, while one changed through the API applies at once; with the
// cache off, every request asks the store.
func TestAuthCache(t *testing.T) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
		want int // status after the grant is removed behind the API's back
	}{
		{"cached", time.Hour, http.StatusOK},
		{"off", -1, http.StatusForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *api.Config) { cfg.AuthCacheTTL = c.ttl })
			e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
			vic := e.user("vic", "acme", depc.RoleViewer)
			get := func() int { return e.do(request{method: "GET", path: "/teams/acme", token: tok(vic)}).Status }
			if got := get(); got != http.StatusOK {
				t.Fatalf("viewer: %d", got)
			}
			if err := e.state.DeleteGrant(e.ctx, "acme", "vic"); err != nil {
				t.Fatal(err)
			}
			if got := get(); got != c.want {
				t.Errorf("after the grant is removed in the store: %d, want %d", got, c.want)
			}
			// Through the API, at once, whatever the TTL.
			e.call("PUT", "/teams/acme/grants/vic", map[string]any{"role": "viewer"}, http.StatusOK, nil)
			e.call("DELETE", "/teams/acme/grants/vic", nil, http.StatusNoContent, nil)
			if got := get(); got != http.StatusForbidden {
				t.Errorf("after the grant is removed through the API: %d, want 403", got)
			}
			// An unknown token is never remembered: a user created
			// elsewhere works at once.
			_, token, err := e.state.CreateUser(e.ctx, "olga", true)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.do(request{method: "GET", path: "/teams", token: tok(token)}).Status; got != http.StatusOK {
				t.Errorf("a new user's token: %d", got)
			}
		})
	}
}
