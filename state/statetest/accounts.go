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
	h1 := depc.HashToken(depc.NewToken())
	mustDo(t, s.SetAdminTokenHash(ctx, h1))
	equal(t, "AdminTokenHash", get(s.AdminTokenHash(ctx)).must(t), h1)
	h2 := depc.HashToken("configured")
	mustDo(t, s.SetAdminTokenHash(ctx, h2))
	equal(t, "AdminTokenHash after replace", get(s.AdminTokenHash(ctx)).must(t), h2)
	// The admin token is no user's token.
	_, err = s.UserByToken(ctx, h2)
	wantCode(t, err, depc.ENOTFOUND, "UserByToken(admin token)")
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
