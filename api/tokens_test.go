package api_test

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/passhash"
)

type tokenAnswer struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	CreatedAt int64  `json:"created_at"`
	ExpiresAt *int64 `json:"expires_at"`
	Expired   bool   `json:"expired"`
	Token     string `json:"token"`
}

// TestTokens: an admin gives a user named tokens that may expire, rotates
// and revokes them; a rotated or revoked token stops at once, an expired
// one does not work; the user manages their own the same way, and cannot
// reach another user's.
func TestTokens(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	first := e.user("vic", "acme", depc.RoleViewer)
	olga := e.user("olga", "acme", depc.RoleViewer)
	as := func(token, method, path string) int {
		return e.do(request{method: method, path: path, token: tok(token)}).Status
	}

	var list []tokenAnswer
	e.call("GET", "/users/vic/tokens", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].Name != depc.DefaultTokenName || list[0].ExpiresAt != nil || list[0].Expired || list[0].Token != "" {
		t.Fatalf("a new user's tokens: %+v", list)
	}
	in := time.Now().Add(24 * time.Hour).Unix()
	var ci tokenAnswer
	e.call("POST", "/users/vic/tokens", map[string]any{"name": "CI", "expires_at": in}, http.StatusCreated, &ci)
	if ci.ID == 0 || ci.Name != "CI" || ci.ExpiresAt == nil || *ci.ExpiresAt != in || !strings.HasPrefix(ci.Token, depc.TokenPrefix) {
		t.Fatalf("created token: %+v", ci)
	}
	if got := as(ci.Token, "GET", "/teams/acme"); got != http.StatusOK {
		t.Errorf("the new token: %d", got)
	}
	e.wantError(request{method: "POST", path: "/users/vic/tokens", body: map[string]any{"name": "CI"}}, http.StatusConflict, depc.ECONFLICT, "CI")
	e.wantError(request{method: "POST", path: "/users/vic/tokens", body: map[string]any{"name": "old", "expires_at": time.Now().Unix() - 10}}, http.StatusBadRequest, depc.EINVALID, "expires_at")
	e.wantError(request{method: "POST", path: "/users/vic/tokens", body: map[string]any{"name": ""}}, http.StatusBadRequest, depc.EINVALID, "name")
	e.wantError(request{method: "POST", path: "/users/ghost/tokens", body: map[string]any{"name": "x"}}, http.StatusNotFound, depc.ENOTFOUND, "ghost")

	// Rotation: a new secret, the same id and lifetime; the old one stops.
	var rotated tokenAnswer
	e.call("POST", "/users/vic/tokens/"+strconv.FormatInt(ci.ID, 10)+"/rotate", nil, http.StatusOK, &rotated)
	if rotated.ID != ci.ID || rotated.Token == ci.Token || rotated.ExpiresAt == nil || *rotated.ExpiresAt < in {
		t.Errorf("rotated: %+v (was %+v)", rotated, ci)
	}
	if got := as(ci.Token, "GET", "/teams/acme"); got != http.StatusUnauthorized {
		t.Errorf("the token before rotation: %d, want 401", got)
	}
	if got := as(rotated.Token, "GET", "/teams/acme"); got != http.StatusOK {
		t.Errorf("the rotated token: %d", got)
	}
	e.call("POST", "/users/vic/tokens/"+strconv.FormatInt(ci.ID, 10)+"/rotate", map[string]any{"expires_at": nil}, http.StatusOK, &rotated)
	if rotated.ExpiresAt != nil {
		t.Errorf("rotated with expires_at null: %+v, want no expiry", rotated)
	}

	// Expired: listed as such, refused.
	old, oldTok, err := e.state.CreateToken(e.ctx, "vic", "expired", time.Now().Unix()-1)
	if err != nil {
		t.Fatal(err)
	}
	r := e.do(request{method: "GET", path: "/teams/acme", token: tok(oldTok)})
	if r.Status != http.StatusUnauthorized || !strings.Contains(r.errorOf(t).Error.Message, "expired") {
		t.Errorf("an expired token: %d %s", r.Status, r.Body)
	}
	e.call("GET", "/users/vic/tokens", nil, http.StatusOK, &list)
	if len(list) != 3 || list[2].ID != old.ID || !list[2].Expired {
		t.Errorf("tokens: %+v, want the expired one marked", list)
	}

	// The user's own tokens.
	var mine tokenAnswer
	r = e.do(request{method: "POST", path: "/me/tokens", token: tok(first), body: map[string]any{"name": "laptop"}})
	mustJSON(t, r, http.StatusCreated, &mine)
	r = e.do(request{method: "GET", path: "/me/tokens", token: tok(mine.Token)})
	mustJSON(t, r, http.StatusOK, &list)
	if len(list) != 4 || list[3].Name != "laptop" {
		t.Errorf("GET /me/tokens: %+v", list)
	}
	// Not another user's.
	if got := as(olga, "DELETE", "/me/tokens/"+strconv.FormatInt(mine.ID, 10)); got != http.StatusNotFound {
		t.Errorf("olga revoking vic's token: %d, want 404", got)
	}
	if got := as(olga, "POST", "/me/tokens/"+strconv.FormatInt(mine.ID, 10)+"/rotate"); got != http.StatusNotFound {
		t.Errorf("olga rotating vic's token: %d, want 404", got)
	}
	if got := as(mine.Token, "DELETE", "/me/tokens/"+strconv.FormatInt(mine.ID, 10)); got != http.StatusNoContent {
		t.Errorf("revoking one's own token: %d", got)
	}
	if got := as(mine.Token, "GET", "/me"); got != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d, want 401 at once", got)
	}
	if got := as(first, "GET", "/me"); got != http.StatusOK {
		t.Errorf("another token of the same user after a revocation: %d", got)
	}
	// The admin token is no user's.
	e.wantError(request{method: "GET", path: "/me/tokens"}, http.StatusBadRequest, depc.EINVALID, "admin token")
	// An admin revokes.
	e.call("DELETE", "/users/vic/tokens/"+strconv.FormatInt(ci.ID, 10), nil, http.StatusNoContent, nil)
	e.wantError(request{method: "DELETE", path: "/users/vic/tokens/" + strconv.FormatInt(ci.ID, 10)}, http.StatusNotFound, depc.ENOTFOUND)
	e.wantError(request{method: "DELETE", path: "/users/vic/tokens/abc"}, http.StatusBadRequest, depc.EINVALID, "token")
}

// TestDeleteUser: a deleted user's tokens stop at once, with its grants.
func TestDeleteUser(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	vic := e.user("vic", "acme", depc.RoleEditor)
	var u struct {
		Name   string        `json:"name"`
		Grants []depc.Grant  `json:"grants"`
		Tokens []tokenAnswer `json:"tokens"`
	}
	e.call("GET", "/users/vic", nil, http.StatusOK, &u)
	if u.Name != "vic" || len(u.Grants) != 1 || u.Grants[0].Role != depc.RoleEditor || len(u.Tokens) != 1 {
		t.Errorf("GET /users/vic: %+v", u)
	}
	if got := e.do(request{method: "GET", path: "/teams/acme", token: tok(vic)}).Status; got != http.StatusOK {
		t.Fatalf("vic: %d", got)
	}
	e.call("DELETE", "/users/vic", nil, http.StatusNoContent, nil)
	if got := e.do(request{method: "GET", path: "/teams/acme", token: tok(vic)}).Status; got != http.StatusUnauthorized {
		t.Errorf("a deleted user's token: %d, want 401", got)
	}
	var grants []map[string]string
	e.call("GET", "/teams/acme/grants", nil, http.StatusOK, &grants)
	if len(grants) != 0 {
		t.Errorf("grants after the user's deletion: %v", grants)
	}
	e.wantError(request{method: "DELETE", path: "/users/vic"}, http.StatusNotFound, depc.ENOTFOUND, "vic")
	e.wantError(request{method: "GET", path: "/users/vic"}, http.StatusNotFound, depc.ENOTFOUND, "vic")
	e.wantError(request{method: "DELETE", path: "/users/bad%20name"}, http.StatusBadRequest, depc.EINVALID, "user")
}

// TestAdminTokenHash: the admin token is checked against its argon2id
// hash; an old SHA-256 hash (from before) still works and is replaced by
// an argon2id one at its first use; a wrong token is refused.
func TestAdminTokenHash(t *testing.T) {
	e := newEnv(t)
	if err := e.state.SetAdminTokenHash(e.ctx, passhash.Legacy(sha256.Sum256([]byte(adminToken)))); err != nil {
		t.Fatal(err)
	}
	e.call("GET", "/teams", nil, http.StatusOK, nil)
	h, err := e.state.AdminTokenHash(e.ctx)
	if err != nil || !strings.HasPrefix(h, "$argon2id$") {
		t.Errorf("the admin token's hash after its first use: %q, %v; want argon2id", h, err)
	}
	e.call("GET", "/teams", nil, http.StatusOK, nil)
	for _, wrong := range []string{adminToken + "x", strings.ToUpper(adminToken), strings.Repeat("x", 5000)} {
		if got := e.do(request{method: "GET", path: "/teams", token: tok(wrong)}).Status; got != http.StatusUnauthorized {
			t.Errorf("a wrong admin token: %d, want 401", got)
		}
	}
}
