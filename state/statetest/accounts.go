package statetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// RunAccounts runs the tests of depc.AccountStore against the stores open
// returns (see Run).
func RunAccounts[S Accounts](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Accounts { return open(t) }, []subtest[Accounts]{
		{name: "Users", fn: testUsers},
		{name: "Tokens", fn: testTokens},
		{name: "AdminToken", fn: testAdminToken},
		{name: "Grants", fn: testGrants},
		{name: "UnknownTeam", fn: testAccountsUnknownTeam},
	})
}

func testUsers(t *testing.T, s Accounts) {
	alice, tokA := get2(s.CreateUser(ctx, "alice", false)).must(t)
	root, tokR := get2(s.CreateUser(ctx, "root@example.com", true)).must(t)
	if alice.Name != "alice" || alice.Admin || !root.Admin {
		t.Errorf("created users: %+v %+v", alice, root)
	}
	if !strings.HasPrefix(tokA, depc.TokenPrefix) || len(tokA) < len(depc.TokenPrefix)+43 || tokA == tokR {
		t.Errorf("tokens %q and %q: want distinct %s tokens of 256 bits", tokA, tokR, depc.TokenPrefix)
	}

	_, _, err := s.CreateUser(ctx, "alice", true)
	wantCode(t, err, depc.ECONFLICT, "CreateUser(taken)")
	for _, name := range []string{"", "a b", "-x", "x\n", strings.Repeat("x", 129), "é"} {
		_, _, err := s.CreateUser(ctx, name, false)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("CreateUser(%q)", name))
	}

	equal(t, "User(alice)", get(s.User(ctx, "alice")).must(t), alice)
	_, err = s.User(ctx, "bob")
	wantCode(t, err, depc.ENOTFOUND, "User(bob)")
	equal(t, "Users", get(s.Users(ctx)).must(t), []depc.User{alice, root})

	// Lookup is by the token's hash.
	equal(t, "UserByToken(alice)", get(s.UserByToken(ctx, depc.HashToken(tokA))).must(t), alice)
	equal(t, "UserByToken(root)", get(s.UserByToken(ctx, depc.HashToken(tokR))).must(t), root)
	for _, h := range []depc.TokenHash{depc.HashToken(tokA + "x"), depc.HashToken(""), {}, depc.HashToken(depc.HashToken(tokA).String())} {
		_, err := s.UserByToken(ctx, h)
		wantCode(t, err, depc.ENOTFOUND, "UserByToken(wrong)")
	}

	// Rotation: the old token stops working at once.
	tokA2 := get(s.RotateToken(ctx, "alice")).must(t)
	if tokA2 == tokA {
		t.Errorf("RotateToken returned the same token")
	}
	_, err = s.UserByToken(ctx, depc.HashToken(tokA))
	wantCode(t, err, depc.ENOTFOUND, "UserByToken(old token)")
	equal(t, "UserByToken(new token)", get(s.UserByToken(ctx, depc.HashToken(tokA2))).must(t), alice)
	_, err = s.RotateToken(ctx, "bob")
	wantCode(t, err, depc.ENOTFOUND, "RotateToken(bob)")

	wantCode(t, s.DeleteUser(ctx, "bob"), depc.ENOTFOUND, "DeleteUser(bob)")
	mustDo(t, s.DeleteUser(ctx, "alice"))
	_, err = s.User(ctx, "alice")
	wantCode(t, err, depc.ENOTFOUND, "User after delete")
	_, err = s.UserByToken(ctx, depc.HashToken(tokA2))
	wantCode(t, err, depc.ENOTFOUND, "UserByToken after delete")
	// The name is free again, with a new token.
	_, tokA3 := get2(s.CreateUser(ctx, "alice", false)).must(t)
	if tokA3 == tokA2 {
		t.Errorf("a recreated user got its old token")
	}
}

func testAdminToken(t *testing.T, s Accounts) {
	_, err := s.AdminTokenHash(ctx)
	wantCode(t, err, depc.ENOTFOUND, "AdminTokenHash(none)")
	// The hash is an opaque string to the store (passhash's PHC string).
	h1 := "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	mustDo(t, s.SetAdminTokenHash(ctx, h1))
	equal(t, "AdminTokenHash", get(s.AdminTokenHash(ctx)).must(t), h1)
	h2 := "sha256$" + depc.HashToken("configured").String()
	mustDo(t, s.SetAdminTokenHash(ctx, h2))
	equal(t, "AdminTokenHash after replace", get(s.AdminTokenHash(ctx)).must(t), h2)
	wantCode(t, s.SetAdminTokenHash(ctx, ""), depc.EINVALID, "SetAdminTokenHash(empty)")
	// The admin token is no user's token.
	_, err = s.UserByToken(ctx, depc.HashToken("configured"))
	wantCode(t, err, depc.ENOTFOUND, "UserByToken(admin token)")
}

// testTokens: a user's tokens are named, may expire, are renewed and
// revoked one by one; an expired token finds no user.
func testTokens(t *testing.T, s Accounts) {
	alice, first := get2(s.CreateUser(ctx, "alice", false)).must(t)
	get2(s.CreateUser(ctx, "bob", false)).must(t)
	ts := get(s.Tokens(ctx, "alice")).must(t)
	if len(ts) != 1 || ts[0].Name != depc.DefaultTokenName || ts[0].ExpiresAt != 0 || ts[0].ID == 0 || ts[0].CreatedAt != alice.CreatedAt {
		t.Fatalf("a new user's tokens: %+v, want one %q token that does not expire", ts, depc.DefaultTokenName)
	}
	const future = 4102444800 // 2100-01-01
	ci, ci1 := get2(s.CreateToken(ctx, "alice", "CI pipeline", future)).must(t)
	if ci.ID == 0 || ci.ID == ts[0].ID || ci.Name != "CI pipeline" || ci.ExpiresAt != future || ci.CreatedAt == 0 ||
		!strings.HasPrefix(ci1, depc.TokenPrefix) || ci1 == first {
		t.Errorf("CreateToken = %+v, %q", ci, ci1)
	}
	old, oldTok := get2(s.CreateToken(ctx, "alice", "expired", 1)).must(t) // 1970
	for _, tok := range []string{first, ci1} {
		equal(t, "UserByToken", get(s.UserByToken(ctx, depc.HashToken(tok))).must(t), alice)
	}
	_, err := s.UserByToken(ctx, depc.HashToken(oldTok))
	wantCode(t, err, depc.ENOTFOUND, "UserByToken(expired)")
	equal(t, "Tokens", get(s.Tokens(ctx, "alice")).must(t), []depc.Token{ts[0], ci, old})

	_, _, err = s.CreateToken(ctx, "alice", "CI pipeline", 0)
	wantCode(t, err, depc.ECONFLICT, "CreateToken(name taken)")
	get2(s.CreateToken(ctx, "bob", "CI pipeline", 0)).must(t) // names are per user
	for _, name := range []string{"", " x", "a\nb", strings.Repeat("x", depc.MaxResourceNameLen+1)} {
		_, _, err = s.CreateToken(ctx, "alice", name, 0)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("CreateToken(name %q)", name))
	}
	_, _, err = s.CreateToken(ctx, "alice", "neg", -1)
	wantCode(t, err, depc.EINVALID, "CreateToken(expires_at -1)")
	_, _, err = s.CreateToken(ctx, "carol", "x", 0)
	wantCode(t, err, depc.ENOTFOUND, "CreateToken(unknown user)")
	_, err = s.Tokens(ctx, "carol")
	wantCode(t, err, depc.ENOTFOUND, "Tokens(unknown user)")

	// Renewal: a new secret and expiry, the same id and name.
	renewed, ci2 := get2(s.RenewToken(ctx, "alice", ci.ID, 0)).must(t)
	if renewed.ID != ci.ID || renewed.Name != ci.Name || renewed.ExpiresAt != 0 || ci2 == ci1 {
		t.Errorf("RenewToken = %+v, %q; want the same id and name, no expiry, a new secret", renewed, ci2)
	}
	_, err = s.UserByToken(ctx, depc.HashToken(ci1))
	wantCode(t, err, depc.ENOTFOUND, "UserByToken(before renewal)")
	equal(t, "UserByToken(renewed)", get(s.UserByToken(ctx, depc.HashToken(ci2))).must(t), alice)
	_, oldTok2 := get2(s.RenewToken(ctx, "alice", old.ID, future)).must(t)
	equal(t, "UserByToken(renewed after expiry)", get(s.UserByToken(ctx, depc.HashToken(oldTok2))).must(t), alice)
	bobs := get(s.Tokens(ctx, "bob")).must(t)
	_, _, err = s.RenewToken(ctx, "alice", bobs[0].ID, 0)
	wantCode(t, err, depc.ENOTFOUND, "RenewToken(another user's token)")
	_, _, err = s.RenewToken(ctx, "alice", 1<<40, 0)
	wantCode(t, err, depc.ENOTFOUND, "RenewToken(unknown id)")
	_, _, err = s.RenewToken(ctx, "alice", ci.ID, -5)
	wantCode(t, err, depc.EINVALID, "RenewToken(expires_at -5)")

	// Revocation: that token stops, the others go on.
	wantCode(t, s.DeleteToken(ctx, "alice", bobs[0].ID), depc.ENOTFOUND, "DeleteToken(another user's token)")
	wantCode(t, s.DeleteToken(ctx, "carol", ci.ID), depc.ENOTFOUND, "DeleteToken(unknown user)")
	mustDo(t, s.DeleteToken(ctx, "alice", ci.ID))
	wantCode(t, s.DeleteToken(ctx, "alice", ci.ID), depc.ENOTFOUND, "DeleteToken(again)")
	_, err = s.UserByToken(ctx, depc.HashToken(ci2))
	wantCode(t, err, depc.ENOTFOUND, "UserByToken(revoked)")
	equal(t, "UserByToken(first, after a revocation)", get(s.UserByToken(ctx, depc.HashToken(first))).must(t), alice)

	// RotateToken replaces every token by one new default token.
	rotated := get(s.RotateToken(ctx, "alice")).must(t)
	for _, tok := range []string{first, oldTok2} {
		_, err = s.UserByToken(ctx, depc.HashToken(tok))
		wantCode(t, err, depc.ENOTFOUND, "UserByToken(after RotateToken)")
	}
	equal(t, "UserByToken(rotated)", get(s.UserByToken(ctx, depc.HashToken(rotated))).must(t), alice)
	if ts := get(s.Tokens(ctx, "alice")).must(t); len(ts) != 1 || ts[0].Name != depc.DefaultTokenName {
		t.Errorf("Tokens after RotateToken: %+v", ts)
	}

	// Deleting the user deletes its tokens; a new user of the same name
	// does not get them.
	mustDo(t, s.DeleteUser(ctx, "bob"))
	_, err = s.Tokens(ctx, "bob")
	wantCode(t, err, depc.ENOTFOUND, "Tokens(deleted user)")
	get2(s.CreateUser(ctx, "bob", false)).must(t)
	if ts := get(s.Tokens(ctx, "bob")).must(t); len(ts) != 1 {
		t.Errorf("a recreated user's tokens: %+v", ts)
	}
}

func testGrants(t *testing.T, s Accounts) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	for _, u := range []string{"carol", "alice", "bob"} {
		get2(s.CreateUser(ctx, u, false)).must(t)
	}

	_, err := s.SetGrant(ctx, "nope", "alice", depc.RoleViewer)
	wantCode(t, err, depc.ENOTFOUND, "SetGrant(unknown team)")
	_, err = s.SetGrant(ctx, "acme", "dave", depc.RoleViewer)
	wantCode(t, err, depc.ENOTFOUND, "SetGrant(unknown user)")
	for _, r := range []depc.Role{"", "admin", "Viewer", "owner"} {
		_, err = s.SetGrant(ctx, "acme", "alice", r)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("SetGrant(role %q)", r))
	}

	equal(t, "SetGrant", get(s.SetGrant(ctx, "acme", "carol", depc.RoleManager)).must(t),
		depc.Grant{Team: "acme", User: "carol", Role: depc.RoleManager})
	get(s.SetGrant(ctx, "acme", "alice", depc.RoleViewer)).must(t)
	get(s.SetGrant(ctx, "acme", "alice", depc.RoleEditor)).must(t) // replaces
	get(s.SetGrant(ctx, "beta", "alice", depc.RoleViewer)).must(t)

	equal(t, "Grants(acme)", get(s.Grants(ctx, "acme")).must(t), []depc.Grant{
		{Team: "acme", User: "alice", Role: depc.RoleEditor}, {Team: "acme", User: "carol", Role: depc.RoleManager}})
	equal(t, "UserGrants(alice)", get(s.UserGrants(ctx, "alice")).must(t), []depc.Grant{
		{Team: "acme", User: "alice", Role: depc.RoleEditor}, {Team: "beta", User: "alice", Role: depc.RoleViewer}})
	equal(t, "UserGrants(bob)", get(s.UserGrants(ctx, "bob")).must(t), []depc.Grant(nil))
	_, err = s.UserGrants(ctx, "dave")
	wantCode(t, err, depc.ENOTFOUND, "UserGrants(unknown user)")
	_, err = s.Grants(ctx, "nope")
	wantCode(t, err, depc.ENOTFOUND, "Grants(unknown team)")

	for _, tt := range []struct {
		team, user string
		role       depc.Role
		code       string
	}{
		{"acme", "alice", depc.RoleEditor, ""},
		{"beta", "alice", depc.RoleViewer, ""},
		{"acme", "carol", depc.RoleManager, ""},
		{"beta", "carol", "", ""},
		{"acme", "bob", "", ""},
		{"nope", "alice", "", depc.ENOTFOUND},
		{"acme", "dave", "", depc.ENOTFOUND},
	} {
		got, err := s.Role(ctx, tt.team, tt.user)
		wantCode(t, err, tt.code, fmt.Sprintf("Role(%s, %s)", tt.team, tt.user))
		if got != tt.role {
			t.Errorf("Role(%s, %s) = %q, want %q", tt.team, tt.user, got, tt.role)
		}
	}

	wantCode(t, s.DeleteGrant(ctx, "acme", "bob"), depc.ENOTFOUND, "DeleteGrant(no grant)")
	wantCode(t, s.DeleteGrant(ctx, "nope", "alice"), depc.ENOTFOUND, "DeleteGrant(unknown team)")
	wantCode(t, s.DeleteGrant(ctx, "acme", "dave"), depc.ENOTFOUND, "DeleteGrant(unknown user)")
	mustDo(t, s.DeleteGrant(ctx, "acme", "alice"))
	if r := get(s.Role(ctx, "acme", "alice")).must(t); r != "" {
		t.Errorf("Role after DeleteGrant = %q", r)
	}
	// Deleting a user removes its grants.
	mustDo(t, s.DeleteUser(ctx, "carol"))
	equal(t, "Grants(acme) after DeleteUser", get(s.Grants(ctx, "acme")).must(t), []depc.Grant(nil))
}

func testAccountsUnknownTeam(t *testing.T, s Accounts) {
	unknownTeam(t, map[string]error{
		"Grants": second(s.Grants(ctx, "nope")),
	})
}
