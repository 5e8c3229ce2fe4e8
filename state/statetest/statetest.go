package statetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
)

// Run runs the conformance suite against the store that open returns.
// open is called once per subtest and must return a new, empty store; Run
// closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) depc.StateStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s depc.StateStore)
	}{
		{"Teams", testTeams},
		{"DeleteTeam", testDeleteTeam},
		{"Users", testUsers},
		{"AdminToken", testAdminToken},
		{"Grants", testGrants},
		{"Rejections", testRejections},
		{"Sources", testSources},
		{"Checks", testChecks},
		{"Rules", testRules},
		{"Configs", testConfigs},
		{"Runs", testRuns},
		{"ClaimRun", testClaimRun},
		{"Results", testResults},
		{"ResultsReplace", testResultsReplace},
		{"ResultsInvalid", testResultsInvalid},
		{"ResultsAtomic", testResultsAtomic},
		{"ResultsBatch", testResultsBatch},
		{"Worst", testWorst},
		{"UnknownTeam", testUnknownTeam},
		{"TeamIsolation", testTeamIsolation},
		{"Cancelled", testCancelled},
		{"Closed", testClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			closed := false
			t.Cleanup(func() {
				if !closed {
					s.Close()
				}
			})
			if tt.name == "Closed" {
				closed = true
			}
			tt.fn(t, s)
		})
	}
}

var ctx = context.Background()

// ---- helpers

func f64(x float64) *float64 { return &x }
func i64(x int64) *int64     { return &x }

// wantCode fails unless err carries the depc code want ("" for nil).
func wantCode(t *testing.T, err error, want string, what string) {
	t.Helper()
	if got := depc.ErrorCode(err); got != want {
		t.Errorf("%s: error code %q (%v), want %q", what, got, err, want)
	}
}

// result holds what a method returned, so that one call can be checked
// in an expression: get(s.Team(ctx, "acme")).must(t).
type result[T any] struct {
	v   T
	err error
}

func get[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

type result2[A, B any] struct {
	a   A
	b   B
	err error
}

func get2[A, B any](a A, b B, err error) result2[A, B] { return result2[A, B]{a, b, err} }

func (r result2[A, B]) must(t *testing.T) (A, B) {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.a, r.b
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Errorf("%s:\n got  %s\n want %s", what, gj, wj)
	}
}

func createTeam(t *testing.T, s depc.StateStore, name string) {
	t.Helper()
	get(s.CreateTeam(ctx, depc.Team{Name: name})).must(t)
}

// catalog creates a source "prom", checks "Ping" and "Http" and rules
// "Servers" (Ping) and "Web" (Http, Ping).
func catalog(t *testing.T, s depc.StateStore, team string) {
	t.Helper()
	get(s.CreateSource(ctx, team, depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus, Configuration: json.RawMessage(`{"url":"http://127.0.0.1:9090"}`)})).must(t)
	get(s.CreateCheck(ctx, team, check("Ping", "prom"))).must(t)
	get(s.CreateCheck(ctx, team, check("Http", "prom"))).must(t)
	get(s.CreateRule(ctx, team, depc.Rule{Name: "Servers", Checks: []string{"Ping"}})).must(t)
	get(s.CreateRule(ctx, team, depc.Rule{Name: "Web", Checks: []string{"Http", "Ping"}})).must(t)
}

func check(name, source string) depc.Check {
	return depc.Check{Name: name, Source: source, Type: depc.CheckThreshold,
		Parameters: depc.CheckParameters{Query: "probe_rtt_ms", Threshold: "20"}}
}

// ---- teams

func testTeams(t *testing.T, s depc.StateStore) {
	got := get(s.CreateTeam(ctx, depc.Team{Name: "acme"})).must(t)
	equal(t, "created team", got, depc.Team{Name: "acme", Timezone: "UTC"})
	get(s.CreateTeam(ctx, depc.Team{Name: "beta-2", Timezone: "Europe/Paris"})).must(t)
	get(s.CreateTeam(ctx, depc.Team{Name: "0_first"})).must(t)

	for _, tt := range []struct {
		team depc.Team
		code string
	}{
		{depc.Team{Name: "acme"}, depc.ECONFLICT},
		{depc.Team{Name: "acme", Timezone: "Europe/Paris"}, depc.ECONFLICT},
		{depc.Team{Name: ""}, depc.EINVALID},
		{depc.Team{Name: "Acme"}, depc.EINVALID},
		{depc.Team{Name: "-acme"}, depc.EINVALID},
		{depc.Team{Name: "a b"}, depc.EINVALID},
		{depc.Team{Name: strings.Repeat("a", 64)}, depc.EINVALID},
		{depc.Team{Name: "gamma", Timezone: "Mars/Olympus"}, depc.EINVALID},
		{depc.Team{Name: "gamma", Timezone: "Local"}, depc.EINVALID},
		{depc.Team{Name: "gamma", Timezone: "../../etc/passwd"}, depc.EINVALID},
	} {
		_, err := s.CreateTeam(ctx, tt.team)
		wantCode(t, err, tt.code, fmt.Sprintf("CreateTeam(%+v)", tt.team))
	}

	equal(t, "Team(beta-2)", get(s.Team(ctx, "beta-2")).must(t), depc.Team{Name: "beta-2", Timezone: "Europe/Paris"})
	_, err := s.Team(ctx, "nope")
	wantCode(t, err, depc.ENOTFOUND, "Team(nope)")
	equal(t, "Teams", get(s.Teams(ctx)).must(t), []depc.Team{
		{Name: "0_first", Timezone: "UTC"}, {Name: "acme", Timezone: "UTC"}, {Name: "beta-2", Timezone: "Europe/Paris"}})

	equal(t, "UpdateTeam", get(s.UpdateTeam(ctx, depc.Team{Name: "acme", Timezone: "America/New_York"})).must(t),
		depc.Team{Name: "acme", Timezone: "America/New_York"})
	equal(t, "Team after update", get(s.Team(ctx, "acme")).must(t), depc.Team{Name: "acme", Timezone: "America/New_York"})
	_, err = s.UpdateTeam(ctx, depc.Team{Name: "nope", Timezone: "UTC"})
	wantCode(t, err, depc.ENOTFOUND, "UpdateTeam(nope)")
	_, err = s.UpdateTeam(ctx, depc.Team{Name: "acme", Timezone: "Nowhere/City"})
	wantCode(t, err, depc.EINVALID, "UpdateTeam(bad zone)")
	equal(t, "Team after bad update", get(s.Team(ctx, "acme")).must(t), depc.Team{Name: "acme", Timezone: "America/New_York"})
}

func testDeleteTeam(t *testing.T, s depc.StateStore) {
	wantCode(t, s.DeleteTeam(ctx, "acme"), depc.ENOTFOUND, "DeleteTeam(unknown)")
	createTeam(t, s, "acme")
	createTeam(t, s, "other")
	for _, team := range []string{"acme", "other"} {
		catalog(t, s, team)
		get(s.SaveConfig(ctx, team, json.RawMessage(`{"Server":{"qos":"rule.Servers"}}`), []string{"Servers"})).must(t)
		get(s.CreateRun(ctx, team, []string{"2026-01-01"})).must(t)
		mustDo(t, s.AddRejections(ctx, team, []depc.Rejection{{At: 1, Source: "http", Error: "e", Message: "m"}}))
		mustDo(t, s.ReplaceDayResults(ctx, team, "2026-01-01", slices.Values([]depc.NodeDayResult{
			{Label: "Server", Name: "s1", QoS: f64(50), OK: i64(1), KO: i64(1), Unknown: i64(0)}}),
			[]depc.LabelDayResult{{Label: "Server", QoS: f64(50), Nodes: 1}},
			map[string][]depc.WorstNode{"Server": {{Name: "s1", QoS: 50}}}))
	}
	get2(s.CreateUser(ctx, "alice", false)).must(t)
	get(s.SetGrant(ctx, "acme", "alice", depc.RoleEditor)).must(t)

	mustDo(t, s.DeleteTeam(ctx, "acme"))
	_, err := s.Team(ctx, "acme")
	wantCode(t, err, depc.ENOTFOUND, "Team after delete")
	equal(t, "user grants after delete", get(s.UserGrants(ctx, "alice")).must(t), []depc.Grant(nil))

	// A new team of the same name starts empty.
	createTeam(t, s, "acme")
	if got := get(s.Sources(ctx, "acme")).must(t); len(got) != 0 {
		t.Errorf("sources of the recreated team: %v", got)
	}
	if got := get(s.Checks(ctx, "acme")).must(t); len(got) != 0 {
		t.Errorf("checks of the recreated team: %v", got)
	}
	if got := get(s.Rules(ctx, "acme")).must(t); len(got) != 0 {
		t.Errorf("rules of the recreated team: %v", got)
	}
	_, err = s.Config(ctx, "acme")
	wantCode(t, err, depc.ENOTFOUND, "Config of the recreated team")
	if got := get(s.Runs(ctx, "acme", 0)).must(t); len(got) != 0 {
		t.Errorf("runs of the recreated team: %v", got)
	}
	if got := get(s.Rejections(ctx, "acme", 0)).must(t); len(got) != 0 {
		t.Errorf("rejections of the recreated team: %v", got)
	}
	if got := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Server", Name: "s1"}, "2026-01-01", "2026-01-01")).must(t); len(got) != 0 {
		t.Errorf("node results of the recreated team: %v", got)
	}
	if got := get(s.TeamQoS(ctx, "acme", "2026-01-01", "2026-01-01")).must(t); len(got) != 0 {
		t.Errorf("label results of the recreated team: %v", got)
	}
	if got := get(s.Worst(ctx, "acme", "Server", "2026-01-01", 0)).must(t); len(got) != 0 {
		t.Errorf("worst nodes of the recreated team: %v", got)
	}
	// The other team kept everything.
	if got := get(s.NodeQoS(ctx, "other", depc.NodeKey{Label: "Server", Name: "s1"}, "2026-01-01", "2026-01-01")).must(t); len(got) != 1 {
		t.Errorf("node results of the other team: %v", got)
	}
	if got := get(s.Rules(ctx, "other")).must(t); len(got) != 2 {
		t.Errorf("rules of the other team: %v", got)
	}
}

// ---- users, tokens, grants

func testUsers(t *testing.T, s depc.StateStore) {
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

func testAdminToken(t *testing.T, s depc.StateStore) {
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

func testGrants(t *testing.T, s depc.StateStore) {
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

// ---- rejections

func testRejections(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	if got := get(s.Rejections(ctx, "acme", 10)).must(t); len(got) != 0 {
		t.Errorf("Rejections of a new team: %v", got)
	}
	rej := func(i int, src string) depc.Rejection {
		return depc.Rejection{At: int64(1000 + i), Source: src, Error: fmt.Sprintf("error %d", i), Message: fmt.Sprintf(`{"n":%d}`, i)}
	}
	mustDo(t, s.AddRejections(ctx, "acme", []depc.Rejection{rej(0, "kafka"), rej(1, "http")}))
	mustDo(t, s.AddRejections(ctx, "acme", []depc.Rejection{rej(2, "kafka")}))
	mustDo(t, s.AddRejections(ctx, "acme", nil))
	equal(t, "Rejections newest first", get(s.Rejections(ctx, "acme", 0)).must(t), []depc.Rejection{rej(2, "kafka"), rej(1, "http"), rej(0, "kafka")})
	equal(t, "Rejections limit 2", get(s.Rejections(ctx, "acme", 2)).must(t), []depc.Rejection{rej(2, "kafka"), rej(1, "http")})
	if got := get(s.Rejections(ctx, "beta", 0)).must(t); len(got) != 0 {
		t.Errorf("Rejections of another team: %v", got)
	}

	// An invalid element records nothing.
	err := s.AddRejections(ctx, "acme", []depc.Rejection{rej(3, "kafka"), rej(4, "smtp")})
	wantCode(t, err, depc.EINVALID, "AddRejections(bad source)")
	if got := get(s.Rejections(ctx, "acme", 0)).must(t); len(got) != 3 {
		t.Errorf("after a refused batch: %d rejections, want 3", len(got))
	}
	wantCode(t, s.AddRejections(ctx, "nope", []depc.Rejection{rej(0, "http")}), depc.ENOTFOUND, "AddRejections(unknown team)")
	_, err = s.Rejections(ctx, "nope", 0)
	wantCode(t, err, depc.ENOTFOUND, "Rejections(unknown team)")

	// Long messages are cut, at a UTF-8 boundary.
	long := strings.Repeat("é", depc.MaxRejectedMessage) // 2 bytes each
	mustDo(t, s.AddRejections(ctx, "beta", []depc.Rejection{{At: 1, Source: "http", Error: "too long", Message: long}}))
	got := get(s.Rejections(ctx, "beta", 1)).must(t)
	if len(got) != 1 || len(got[0].Message) != depc.MaxRejectedMessage || !strings.HasPrefix(long, got[0].Message) {
		t.Errorf("long message kept as %d bytes, want the first %d", len(got[0].Message), depc.MaxRejectedMessage)
	}
	odd := "x" + long
	mustDo(t, s.AddRejections(ctx, "beta", []depc.Rejection{{At: 2, Source: "http", Error: "too long", Message: odd}}))
	got = get(s.Rejections(ctx, "beta", 1)).must(t)
	if len(got) != 1 || len(got[0].Message) != depc.MaxRejectedMessage-1 || !strings.HasPrefix(odd, got[0].Message) {
		t.Errorf("odd message kept as %d bytes, want %d (not splitting a character)", len(got[0].Message), depc.MaxRejectedMessage-1)
	}

	// Bounded: the newest MaxRejections are kept, in one call or several.
	var batch []depc.Rejection
	for i := range depc.MaxRejections + 5 {
		batch = append(batch, rej(10+i, "kafka"))
	}
	mustDo(t, s.AddRejections(ctx, "acme", batch[:600]))
	mustDo(t, s.AddRejections(ctx, "acme", batch[600:]))
	got = get(s.Rejections(ctx, "acme", 0)).must(t)
	if len(got) != depc.MaxRejections {
		t.Fatalf("kept %d rejections, want %d", len(got), depc.MaxRejections)
	}
	for i, r := range got {
		if want := batch[len(batch)-1-i]; r != want {
			t.Fatalf("rejection %d = %+v, want %+v", i, r, want)
		}
	}
	mustDo(t, s.AddRejections(ctx, "beta", batch))
	got = get(s.Rejections(ctx, "beta", 0)).must(t)
	if len(got) != depc.MaxRejections || got[0] != batch[len(batch)-1] || got[len(got)-1] != batch[5] {
		t.Errorf("one batch over the bound: kept %d, newest %+v", len(got), got[0])
	}
}

// ---- sources, checks, rules

func testSources(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	prom := depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus, Configuration: json.RawMessage(`{"url": "http://127.0.0.1:9090"}`)}
	equal(t, "CreateSource", get(s.CreateSource(ctx, "acme", prom)).must(t), prom)
	fake := get(s.CreateSource(ctx, "acme", depc.SourceConfig{Name: "Demo data", Plugin: depc.PluginFake})).must(t)
	equal(t, "nil configuration", fake, depc.SourceConfig{Name: "Demo data", Plugin: depc.PluginFake, Configuration: json.RawMessage(`{}`)})

	for _, tt := range []struct {
		src  depc.SourceConfig
		code string
	}{
		{prom, depc.ECONFLICT},
		{depc.SourceConfig{Name: "", Plugin: "Fake"}, depc.EINVALID},
		{depc.SourceConfig{Name: " x", Plugin: "Fake"}, depc.EINVALID},
		{depc.SourceConfig{Name: "x\ty", Plugin: "Fake"}, depc.EINVALID},
		{depc.SourceConfig{Name: strings.Repeat("x", depc.MaxResourceNameLen+1), Plugin: "Fake"}, depc.EINVALID},
		{depc.SourceConfig{Name: "x", Plugin: ""}, depc.EINVALID},
		{depc.SourceConfig{Name: "x", Plugin: "Fake", Configuration: json.RawMessage(`[1]`)}, depc.EINVALID},
		{depc.SourceConfig{Name: "x", Plugin: "Fake", Configuration: json.RawMessage(`{"a":`)}, depc.EINVALID},
		{depc.SourceConfig{Name: "x", Plugin: "Fake", Configuration: json.RawMessage(`"s"`)}, depc.EINVALID},
	} {
		_, err := s.CreateSource(ctx, "acme", tt.src)
		wantCode(t, err, tt.code, fmt.Sprintf("CreateSource(%+v)", tt.src))
	}

	equal(t, "Source(prom)", get(s.Source(ctx, "acme", "prom")).must(t), prom)
	_, err := s.Source(ctx, "acme", "nope")
	wantCode(t, err, depc.ENOTFOUND, "Source(nope)")
	equal(t, "Sources", get(s.Sources(ctx, "acme")).must(t), []depc.SourceConfig{fake, prom})

	prom2 := depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus, Configuration: json.RawMessage(`{"url":"http://10.0.0.1:9090"}`)}
	equal(t, "UpdateSource", get(s.UpdateSource(ctx, "acme", prom2)).must(t), prom2)
	equal(t, "Source after update", get(s.Source(ctx, "acme", "prom")).must(t), prom2)
	_, err = s.UpdateSource(ctx, "acme", depc.SourceConfig{Name: "nope", Plugin: "Fake"})
	wantCode(t, err, depc.ENOTFOUND, "UpdateSource(nope)")
	_, err = s.UpdateSource(ctx, "acme", depc.SourceConfig{Name: "prom", Plugin: ""})
	wantCode(t, err, depc.EINVALID, "UpdateSource(no plugin)")

	// In use by a check: 409 until the check is gone.
	get(s.CreateCheck(ctx, "acme", check("Ping", "prom"))).must(t)
	wantCode(t, s.DeleteSource(ctx, "acme", "prom"), depc.ECONFLICT, "DeleteSource(used)")
	mustDo(t, s.DeleteCheck(ctx, "acme", "Ping"))
	mustDo(t, s.DeleteSource(ctx, "acme", "prom"))
	wantCode(t, s.DeleteSource(ctx, "acme", "prom"), depc.ENOTFOUND, "DeleteSource(deleted)")
	equal(t, "Sources after delete", get(s.Sources(ctx, "acme")).must(t), []depc.SourceConfig{fake})
}

func testChecks(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	get(s.CreateSource(ctx, "acme", depc.SourceConfig{Name: "prom", Plugin: depc.PluginPrometheus})).must(t)
	get(s.CreateSource(ctx, "acme", depc.SourceConfig{Name: "fake", Plugin: depc.PluginFake})).must(t)
	ping := depc.Check{Name: "Server Ping", Source: "prom", Type: depc.CheckThreshold, Parameters: depc.CheckParameters{
		Query: `probe_rtt_ms{job="x"}`, Threshold: "20", Label: "instance", Step: 30, Lookback: 600}}
	equal(t, "CreateCheck", get(s.CreateCheck(ctx, "acme", ping)).must(t), ping)
	http := depc.Check{Name: "Http", Source: "fake", Type: depc.CheckInterval, Parameters: depc.CheckParameters{Query: "http_status", Threshold: "200:299"}}
	get(s.CreateCheck(ctx, "acme", http)).must(t)

	bad := func(mod func(c *depc.Check)) depc.Check {
		c := check("New", "prom")
		mod(&c)
		return c
	}
	for _, tt := range []struct {
		what string
		c    depc.Check
		code string
	}{
		{"taken", ping, depc.ECONFLICT},
		{"empty name", bad(func(c *depc.Check) { c.Name = "" }), depc.EINVALID},
		{"unknown source", bad(func(c *depc.Check) { c.Source = "nope" }), depc.EINVALID},
		{"bad type", bad(func(c *depc.Check) { c.Type = "Range" }), depc.EINVALID},
		{"no query", bad(func(c *depc.Check) { c.Parameters.Query = "" }), depc.EINVALID},
		{"no threshold", bad(func(c *depc.Check) { c.Parameters.Threshold = "" }), depc.EINVALID},
		{"negative step", bad(func(c *depc.Check) { c.Parameters.Step = -1 }), depc.EINVALID},
		{"negative lookback", bad(func(c *depc.Check) { c.Parameters.Lookback = -1 }), depc.EINVALID},
	} {
		_, err := s.CreateCheck(ctx, "acme", tt.c)
		wantCode(t, err, tt.code, "CreateCheck("+tt.what+")")
	}

	equal(t, "Check", get(s.Check(ctx, "acme", "Server Ping")).must(t), ping)
	_, err := s.Check(ctx, "acme", "nope")
	wantCode(t, err, depc.ENOTFOUND, "Check(nope)")
	equal(t, "Checks", get(s.Checks(ctx, "acme")).must(t), []depc.Check{http, ping})

	ping.Source, ping.Parameters.Query = "fake", "ping_rtt"
	equal(t, "UpdateCheck", get(s.UpdateCheck(ctx, "acme", ping)).must(t), ping)
	equal(t, "Check after update", get(s.Check(ctx, "acme", "Server Ping")).must(t), ping)
	_, err = s.UpdateCheck(ctx, "acme", check("nope", "prom"))
	wantCode(t, err, depc.ENOTFOUND, "UpdateCheck(nope)")
	_, err = s.UpdateCheck(ctx, "acme", depc.Check{Name: "Http", Source: "nope", Type: depc.CheckThreshold, Parameters: depc.CheckParameters{Query: "q", Threshold: "1"}})
	wantCode(t, err, depc.EINVALID, "UpdateCheck(unknown source)")
	// The source now used is "fake": "prom" is free.
	mustDo(t, s.DeleteSource(ctx, "acme", "prom"))

	get(s.CreateRule(ctx, "acme", depc.Rule{Name: "Servers", Checks: []string{"Server Ping"}})).must(t)
	wantCode(t, s.DeleteCheck(ctx, "acme", "Server Ping"), depc.ECONFLICT, "DeleteCheck(used)")
	wantCode(t, s.DeleteCheck(ctx, "acme", "nope"), depc.ENOTFOUND, "DeleteCheck(nope)")
	mustDo(t, s.DeleteCheck(ctx, "acme", "Http"))
	equal(t, "Checks after delete", get(s.Checks(ctx, "acme")).must(t), []depc.Check{ping})
	mustDo(t, s.DeleteRule(ctx, "acme", "Servers"))
	mustDo(t, s.DeleteCheck(ctx, "acme", "Server Ping"))
}

func testRules(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	catalog(t, s, "acme")
	get(s.CreateCheck(ctx, "acme", check("Disk", "prom"))).must(t)
	// The order of checks is kept.
	r := depc.Rule{Name: "Full Stack", Checks: []string{"Ping", "Disk", "Http"}}
	equal(t, "CreateRule", get(s.CreateRule(ctx, "acme", r)).must(t), r)
	equal(t, "Rule", get(s.Rule(ctx, "acme", "Full Stack")).must(t), r)

	for _, tt := range []struct {
		what string
		r    depc.Rule
		code string
	}{
		{"taken", depc.Rule{Name: "Servers", Checks: []string{"Ping"}}, depc.ECONFLICT},
		{"bad name", depc.Rule{Name: "", Checks: []string{"Ping"}}, depc.EINVALID},
		{"no check", depc.Rule{Name: "Empty"}, depc.EINVALID},
		{"unknown check", depc.Rule{Name: "X", Checks: []string{"Ping", "nope"}}, depc.EINVALID},
		{"check twice", depc.Rule{Name: "X", Checks: []string{"Ping", "Http", "Ping"}}, depc.EINVALID},
	} {
		_, err := s.CreateRule(ctx, "acme", tt.r)
		wantCode(t, err, tt.code, "CreateRule("+tt.what+")")
	}
	_, err := s.Rule(ctx, "acme", "nope")
	wantCode(t, err, depc.ENOTFOUND, "Rule(nope)")
	equal(t, "Rules", get(s.Rules(ctx, "acme")).must(t), []depc.Rule{
		r, {Name: "Servers", Checks: []string{"Ping"}}, {Name: "Web", Checks: []string{"Http", "Ping"}}})

	r2 := depc.Rule{Name: "Full Stack", Checks: []string{"Disk"}}
	equal(t, "UpdateRule", get(s.UpdateRule(ctx, "acme", r2)).must(t), r2)
	equal(t, "Rule after update", get(s.Rule(ctx, "acme", "Full Stack")).must(t), r2)
	_, err = s.UpdateRule(ctx, "acme", depc.Rule{Name: "nope", Checks: []string{"Ping"}})
	wantCode(t, err, depc.ENOTFOUND, "UpdateRule(nope)")
	_, err = s.UpdateRule(ctx, "acme", depc.Rule{Name: "Web", Checks: []string{"nope"}})
	wantCode(t, err, depc.EINVALID, "UpdateRule(unknown check)")
	equal(t, "Rule after a refused update", get(s.Rule(ctx, "acme", "Web")).must(t), depc.Rule{Name: "Web", Checks: []string{"Http", "Ping"}})
	// Http is no longer used by Full Stack, still by Web.
	wantCode(t, s.DeleteCheck(ctx, "acme", "Http"), depc.ECONFLICT, "DeleteCheck(used by Web)")

	// A rule is in use while the current config lists it; older versions
	// do not count.
	get(s.SaveConfig(ctx, "acme", json.RawMessage(`{"A":{"qos":"rule.Web"}}`), []string{"Web"})).must(t)
	get(s.SaveConfig(ctx, "acme", json.RawMessage(`{"A":{"qos":"rule.Servers"},"B":{"qos":"rule.'Full Stack'"}}`), []string{"Servers", "Full Stack"})).must(t)
	wantCode(t, s.DeleteRule(ctx, "acme", "Servers"), depc.ECONFLICT, "DeleteRule(used by current config)")
	wantCode(t, s.DeleteRule(ctx, "acme", "Full Stack"), depc.ECONFLICT, "DeleteRule(used by current config)")
	mustDo(t, s.DeleteRule(ctx, "acme", "Web"))
	wantCode(t, s.DeleteRule(ctx, "acme", "Web"), depc.ENOTFOUND, "DeleteRule(deleted)")
	mustDo(t, s.DeleteCheck(ctx, "acme", "Http")) // its last user is gone
	equal(t, "Rules after delete", get(s.Rules(ctx, "acme")).must(t), []depc.Rule{r2, {Name: "Servers", Checks: []string{"Ping"}}})
}

func testConfigs(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	catalog(t, s, "acme")
	_, err := s.Config(ctx, "acme")
	wantCode(t, err, depc.ENOTFOUND, "Config(none)")
	if got := get(s.Configs(ctx, "acme")).must(t); len(got) != 0 {
		t.Errorf("Configs of a new team: %v", got)
	}

	docs := []string{
		`{"Server": {"qos": "rule.Servers"}}`,
		`{"Server":{"qos":"rule.Servers"},"Website":{"qos":"rule.Web"}}`,
		`{}`,
	}
	rules := [][]string{{"Servers"}, {"Web", "Servers", "Web"}, nil}
	var saved []depc.ConfigVersion
	for i, d := range docs {
		doc := json.RawMessage(d)
		cv := get(s.SaveConfig(ctx, "acme", doc, rules[i])).must(t)
		if cv.ID != int64(i+1) || string(cv.Config) != d || cv.CreatedAt <= 0 {
			t.Errorf("SaveConfig #%d = id %d, config %s, created_at %d", i, cv.ID, cv.Config, cv.CreatedAt)
		}
		doc[0] = 'X' // the caller's buffer is not the store's
		saved = append(saved, cv)
	}
	equal(t, "rules of version 2", saved[1].Rules, []string{"Servers", "Web"})
	equal(t, "rules of version 3", saved[2].Rules, []string{})

	equal(t, "Config (current)", get(s.Config(ctx, "acme")).must(t), saved[2])
	equal(t, "ConfigVersion(1)", get(s.ConfigVersion(ctx, "acme", 1)).must(t), saved[0])
	if got := get(s.ConfigVersion(ctx, "acme", 1)).must(t); string(got.Config) != docs[0] {
		t.Errorf("version 1 is %s, want exactly %s", got.Config, docs[0])
	}
	for _, id := range []int64{0, 4, -1} {
		_, err := s.ConfigVersion(ctx, "acme", id)
		wantCode(t, err, depc.ENOTFOUND, fmt.Sprintf("ConfigVersion(%d)", id))
	}
	equal(t, "Configs newest first", get(s.Configs(ctx, "acme")).must(t), []depc.ConfigVersion{saved[2], saved[1], saved[0]})

	// Restoring is saving an old version's content again: a new version.
	old := get(s.ConfigVersion(ctx, "acme", 1)).must(t)
	restored := get(s.SaveConfig(ctx, "acme", old.Config, old.Rules)).must(t)
	if restored.ID != 4 || string(restored.Config) != docs[0] {
		t.Errorf("restored version: id %d config %s", restored.ID, restored.Config)
	}
	equal(t, "version 1 after restore", get(s.ConfigVersion(ctx, "acme", 1)).must(t), saved[0])

	for _, tt := range []struct {
		doc   string
		rules []string
		code  string
	}{
		{`[]`, nil, depc.EINVALID},
		{``, nil, depc.EINVALID},
		{`{"a":`, nil, depc.EINVALID},
		{`{"A":{"qos":"rule.nope"}}`, []string{"nope"}, depc.EINVALID},
	} {
		_, err := s.SaveConfig(ctx, "acme", json.RawMessage(tt.doc), tt.rules)
		wantCode(t, err, tt.code, fmt.Sprintf("SaveConfig(%s, %v)", tt.doc, tt.rules))
	}
	if cur := get(s.Config(ctx, "acme")).must(t); cur.ID != 4 {
		t.Errorf("current version after refused saves: %d, want 4", cur.ID)
	}
}

// ---- runs

func testRuns(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	r1 := get(s.CreateRun(ctx, "acme", []string{"2026-11-20"})).must(t)
	if r1.ID != 1 || r1.Team != "acme" || r1.Status != depc.RunQueued || r1.StartedAt != nil || r1.FinishedAt != nil || r1.CreatedAt <= 0 {
		t.Errorf("CreateRun = %+v", r1)
	}
	days := []string{"2026-11-01", "2026-11-02", "2026-11-03"}
	r2 := get(s.CreateRun(ctx, "acme", days)).must(t)
	if r2.ID != 2 {
		t.Errorf("second run id %d, want 2", r2.ID)
	}
	equal(t, "Run(1)", get(s.Run(ctx, "acme", 1)).must(t), r1)
	equal(t, "Run(2)", get(s.Run(ctx, "acme", 2)).must(t), r2)
	equal(t, "Runs newest first", get(s.Runs(ctx, "acme", 0)).must(t), []depc.Run{r2, r1})
	equal(t, "Runs limit 1", get(s.Runs(ctx, "acme", 1)).must(t), []depc.Run{r2})
	_, err := s.Run(ctx, "acme", 3)
	wantCode(t, err, depc.ENOTFOUND, "Run(3)")

	for _, tt := range []struct {
		days []string
	}{{nil}, {[]string{}}, {[]string{"2026-13-01"}}, {[]string{"2026-11-1"}}, {[]string{"20261101"}},
		{[]string{"2026-11-01", "2026-11-01"}}, {[]string{"2026-02-30"}}, {[]string{" 2026-11-01"}}} {
		_, err := s.CreateRun(ctx, "acme", tt.days)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("CreateRun(%q)", tt.days))
	}

	started, finished := int64(1700000000), int64(1700000060)
	r2.Status, r2.StartedAt, r2.Progress, r2.Nodes = depc.RunRunning, &started, 0.5, 1200
	mustDo(t, s.UpdateRun(ctx, r2))
	equal(t, "Run after update", get(s.Run(ctx, "acme", 2)).must(t), r2)
	r2.Status, r2.FinishedAt, r2.Progress, r2.Nodes = depc.RunSucceeded, &finished, 1, 2400
	r2.Errors = []depc.RunError{{Label: "Server", Name: "s1", Error: "source prom: timeout"}, {Error: "source fake: no data"}}
	r2.Days = []string{"1999-01-01"} // days never change
	mustDo(t, s.UpdateRun(ctx, r2))
	r2.Days = days
	equal(t, "Run after finish", get(s.Run(ctx, "acme", 2)).must(t), r2)

	wantCode(t, s.UpdateRun(ctx, r2), depc.ECONFLICT, "UpdateRun(finished)")
	for _, tt := range []struct {
		what string
		mod  func(r *depc.Run)
		code string
	}{
		{"unknown run", func(r *depc.Run) { r.ID = 99 }, depc.ENOTFOUND},
		{"unknown team", func(r *depc.Run) { r.Team = "nope" }, depc.ENOTFOUND},
		{"bad status", func(r *depc.Run) { r.Status = "done" }, depc.EINVALID},
		{"progress > 1", func(r *depc.Run) { r.Progress = 1.5 }, depc.EINVALID},
		{"progress < 0", func(r *depc.Run) { r.Progress = -0.1 }, depc.EINVALID},
		{"progress NaN", func(r *depc.Run) { r.Progress = math.NaN() }, depc.EINVALID},
		{"negative nodes", func(r *depc.Run) { r.Nodes = -1 }, depc.EINVALID},
	} {
		r := r1
		tt.mod(&r)
		wantCode(t, s.UpdateRun(ctx, r), tt.code, "UpdateRun("+tt.what+")")
	}
	equal(t, "Run(1) after refused updates", get(s.Run(ctx, "acme", 1)).must(t), r1)
	r1.Status, r1.FinishedAt = depc.RunFailed, &finished
	r1.Errors = []depc.RunError{{Error: "no valid config"}}
	mustDo(t, s.UpdateRun(ctx, r1))
	equal(t, "failed run", get(s.Run(ctx, "acme", 1)).must(t), r1)
}

func testClaimRun(t *testing.T, s depc.StateStore) {
	_, err := s.ClaimRun(ctx)
	wantCode(t, err, depc.ENOTFOUND, "ClaimRun(none)")
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	get(s.CreateRun(ctx, "acme", []string{"2026-01-01"})).must(t)
	get(s.CreateRun(ctx, "beta", []string{"2026-01-02"})).must(t)
	get(s.CreateRun(ctx, "acme", []string{"2026-01-03"})).must(t)

	var mu sync.Mutex
	claimed := map[string]bool{}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			r, err := s.ClaimRun(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			if r.Status != depc.RunRunning || r.StartedAt == nil {
				t.Errorf("claimed run %+v: want running with started_at", r)
			}
			mu.Lock()
			defer mu.Unlock()
			key := fmt.Sprintf("%s/%d", r.Team, r.ID)
			if claimed[key] {
				t.Errorf("run %s claimed twice", key)
			}
			claimed[key] = true
		})
	}
	wg.Wait()
	equal(t, "claimed runs", claimed, map[string]bool{"acme/1": true, "acme/2": true, "beta/1": true})
	_, err = s.ClaimRun(ctx)
	wantCode(t, err, depc.ENOTFOUND, "ClaimRun(all claimed)")
	if r := get(s.Run(ctx, "beta", 1)).must(t); r.Status != depc.RunRunning {
		t.Errorf("stored status of a claimed run: %s", r.Status)
	}
}

// ---- results

// dayNodes is a small team day: two rule nodes (one with downtime, one
// with nothing known), an operation node with children and an aggregation
// node.
func dayNodes(day string) []depc.NodeDayResult {
	return []depc.NodeDayResult{
		{Label: "Filer", Name: "filer1", QoS: f64(99.93055555555556), OK: i64(86340), KO: i64(60), Unknown: i64(0),
			Downtime: []depc.Period{{From: 1764547200 + 13200, To: 1764547200 + 13260}}},
		{Label: "Filer", Name: "filer/2", QoS: nil, OK: i64(0), KO: i64(0), Unknown: i64(86400)},
		{Label: "Website", Name: "foo.com", QoS: f64(99.93055555555556), OK: i64(86340), KO: i64(60), Unknown: i64(0),
			Downtime: []depc.Period{{From: 1764547200 + 13200, To: 1764547200 + 13260}, {From: 1764547200 + 20000, To: 1764547200 + 20001}},
			Children: []depc.NodeKey{{Label: "Apache", Name: "apache1"}, {Label: "Filer", Name: "filer/2"}, {Label: "Filer", Name: "filer1"}}},
		{Label: "Offer", Name: "premium", QoS: f64(99.96527777777777), Children: []depc.NodeKey{{Label: "Website", Name: "foo.com"}}},
	}
}

// stored is what a store returns for n on day: the day filled in, and an
// empty (not nil) downtime for a node with a timeline.
func stored(n depc.NodeDayResult, day string) depc.NodeDayResult {
	n.Day = day
	if n.OK != nil && n.Downtime == nil {
		n.Downtime = []depc.Period{}
	}
	return n
}

func dayLabels() []depc.LabelDayResult {
	return []depc.LabelDayResult{
		{Label: "Filer", QoS: f64(99.93055555555556), Nodes: 2},
		{Label: "Website", QoS: f64(99.93055555555556), Nodes: 1},
		{Label: "Offer", QoS: nil, Nodes: 0},
	}
}

func testResults(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	const d1, d2, d3 = "2025-12-01", "2025-12-02", "2025-12-04"
	for _, day := range []string{d1, d2, d3} {
		mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(),
			map[string][]depc.WorstNode{"Filer": {{Name: "filer1", QoS: 99.93055555555556}}}))
	}
	nodes := dayNodes("")
	filer1 := depc.NodeKey{Label: "Filer", Name: "filer1"}

	// Day ranges are inclusive; days without results are left out.
	for _, tt := range []struct {
		start, end string
		days       []string
	}{
		{d1, d1, []string{d1}},
		{d1, d2, []string{d1, d2}},
		{d2, d3, []string{d2, d3}},
		{"2025-11-01", "2025-12-31", []string{d1, d2, d3}},
		{"2025-12-03", "2025-12-03", nil},
		{"2026-01-01", "2026-12-31", nil},
	} {
		var want []depc.NodeDayResult
		for _, d := range tt.days {
			want = append(want, stored(nodes[0], d))
		}
		equal(t, fmt.Sprintf("NodeQoS(filer1, %s..%s)", tt.start, tt.end), get(s.NodeQoS(ctx, "acme", filer1, tt.start, tt.end)).must(t), want)
	}
	for i, n := range nodes {
		equal(t, fmt.Sprintf("NodeQoS(node %d)", i), get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: n.Label, Name: n.Name}, d2, d2)).must(t),
			[]depc.NodeDayResult{stored(n, d2)})
	}
	if got := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Filer", Name: "nope"}, d1, d3)).must(t); len(got) != 0 {
		t.Errorf("NodeQoS(unknown node) = %v", got)
	}
	if got := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Nope", Name: "filer1"}, d1, d3)).must(t); len(got) != 0 {
		t.Errorf("NodeQoS(unknown label) = %v", got)
	}

	// Batch lookup: sorted by label then name, unknown keys and
	// duplicates ignored.
	keys := []depc.NodeKey{
		{Label: "Website", Name: "foo.com"}, filer1, {Label: "Offer", Name: "premium"}, {Label: "Filer", Name: "filer/2"},
		filer1, {Label: "Filer", Name: "nope"}, {Label: "Nope", Name: "filer1"},
	}
	equal(t, "DayResults", get(s.DayResults(ctx, "acme", d3, keys)).must(t), []depc.NodeDayResult{
		stored(nodes[1], d3), stored(nodes[0], d3), stored(nodes[3], d3), stored(nodes[2], d3)})
	if got := get(s.DayResults(ctx, "acme", "2025-12-03", keys)).must(t); len(got) != 0 {
		t.Errorf("DayResults(day without results) = %v", got)
	}
	if got := get(s.DayResults(ctx, "acme", d1, nil)).must(t); len(got) != 0 {
		t.Errorf("DayResults(no keys) = %v", got)
	}

	// Label averages.
	equal(t, "LabelQoS(Filer)", get(s.LabelQoS(ctx, "acme", "Filer", d1, d2)).must(t), []depc.LabelDayResult{
		{Label: "Filer", Day: d1, QoS: f64(99.93055555555556), Nodes: 2}, {Label: "Filer", Day: d2, QoS: f64(99.93055555555556), Nodes: 2}})
	equal(t, "LabelQoS(Offer)", get(s.LabelQoS(ctx, "acme", "Offer", d3, d3)).must(t), []depc.LabelDayResult{{Label: "Offer", Day: d3, QoS: nil, Nodes: 0}})
	if got := get(s.LabelQoS(ctx, "acme", "Nope", d1, d3)).must(t); len(got) != 0 {
		t.Errorf("LabelQoS(unknown label) = %v", got)
	}
	var want []depc.LabelDayResult
	for _, l := range []string{"Filer", "Offer", "Website"} {
		for _, d := range []string{d2, d3} {
			for _, lr := range dayLabels() {
				if lr.Label == l {
					lr.Day = d
					want = append(want, lr)
				}
			}
		}
	}
	equal(t, "TeamQoS", get(s.TeamQoS(ctx, "acme", d2, d3)).must(t), want)
	equal(t, "Worst", get(s.Worst(ctx, "acme", "Filer", d1, 15)).must(t), []depc.WorstNode{{Name: "filer1", QoS: 99.93055555555556}})

	// Bad days and ranges.
	for _, tt := range []struct{ start, end string }{
		{"2025-12-1", d2}, {d1, "tomorrow"}, {d2, d1}, {"", ""},
	} {
		_, err := s.NodeQoS(ctx, "acme", filer1, tt.start, tt.end)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("NodeQoS(%q, %q)", tt.start, tt.end))
		_, err = s.LabelQoS(ctx, "acme", "Filer", tt.start, tt.end)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("LabelQoS(%q, %q)", tt.start, tt.end))
		_, err = s.TeamQoS(ctx, "acme", tt.start, tt.end)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("TeamQoS(%q, %q)", tt.start, tt.end))
	}
	_, err := s.Worst(ctx, "acme", "Filer", "12/01/2025", 1)
	wantCode(t, err, depc.EINVALID, "Worst(bad day)")
	_, err = s.DayResults(ctx, "acme", "2025-12-32", keys)
	wantCode(t, err, depc.EINVALID, "DayResults(bad day)")
}

func testResultsReplace(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	const day, other = "2025-12-01", "2025-12-02"
	worst := map[string][]depc.WorstNode{"Filer": {{Name: "filer1", QoS: 99.9}}, "Website": {{Name: "foo.com", QoS: 99.9}}}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(), worst))
	mustDo(t, s.ReplaceDayResults(ctx, "acme", other, slices.Values(dayNodes(other)), dayLabels(), worst))
	all := func(d string) []depc.NodeDayResult {
		var keys []depc.NodeKey
		for _, n := range dayNodes(d) {
			keys = append(keys, depc.NodeKey{Label: n.Label, Name: n.Name})
		}
		return get(s.DayResults(ctx, "acme", d, keys)).must(t)
	}
	first := all(day)
	if len(first) != 4 {
		t.Fatalf("DayResults after the first run: %d results, want 4", len(first))
	}

	// Rerunning with the same results gives the same reads.
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(), worst))
	equal(t, "results after an identical rerun", all(day), first)

	// A rerun with fewer nodes, labels and worst nodes leaves nothing
	// stale behind, and leaves other days alone.
	n := dayNodes(day)[0]
	n.QoS, n.KO, n.OK, n.Downtime = f64(100), i64(0), i64(86400), nil
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values([]depc.NodeDayResult{n}),
		[]depc.LabelDayResult{{Label: "Filer", QoS: f64(100), Nodes: 1}}, nil))
	equal(t, "results after a smaller rerun", all(day), []depc.NodeDayResult{stored(n, day)})
	equal(t, "TeamQoS after a smaller rerun", get(s.TeamQoS(ctx, "acme", day, day)).must(t),
		[]depc.LabelDayResult{{Label: "Filer", Day: day, QoS: f64(100), Nodes: 1}})
	for _, l := range []string{"Filer", "Website"} {
		if got := get(s.Worst(ctx, "acme", l, day, 0)).must(t); len(got) != 0 {
			t.Errorf("Worst(%s) after a smaller rerun = %v", l, got)
		}
	}
	if got := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Website", Name: "foo.com"}, day, other)).must(t); len(got) != 1 || got[0].Day != other {
		t.Errorf("NodeQoS(foo.com) after a smaller rerun = %v, want only %s", got, other)
	}
	equal(t, "other day untouched", all(other), func() []depc.NodeDayResult {
		var out []depc.NodeDayResult
		for _, n := range dayNodes(other) {
			out = append(out, stored(n, other))
		}
		slices.SortFunc(out, func(a, b depc.NodeDayResult) int {
			return strings.Compare(a.Label+"\x00"+a.Name, b.Label+"\x00"+b.Name)
		})
		return out
	}())

	// An empty run empties the day; the day still counts as computed for
	// nothing, and reads give nothing.
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, nil, nil, nil))
	if got := all(day); len(got) != 0 {
		t.Errorf("results after an empty run: %v", got)
	}
	if got := get(s.TeamQoS(ctx, "acme", day, day)).must(t); len(got) != 0 {
		t.Errorf("TeamQoS after an empty run: %v", got)
	}
}

func testResultsInvalid(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	const day = "2025-12-01"
	worst := map[string][]depc.WorstNode{"Filer": {{Name: "filer1", QoS: 99.9}}}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(), worst))
	before := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Website", Name: "foo.com"}, day, day)).must(t)

	node := func(mod func(n *depc.NodeDayResult)) []depc.NodeDayResult {
		ns := dayNodes(day)
		mod(&ns[2])
		return ns
	}
	good := dayNodes(day)
	for _, tt := range []struct {
		what   string
		day    string
		nodes  []depc.NodeDayResult
		labels []depc.LabelDayResult
		worst  map[string][]depc.WorstNode
	}{
		{"bad day", "2025-12-1", good, nil, nil},
		{"bad label", day, node(func(n *depc.NodeDayResult) { n.Label = "website" }), nil, nil},
		{"bad name", day, node(func(n *depc.NodeDayResult) { n.Name = "foo com" }), nil, nil},
		{"empty name", day, node(func(n *depc.NodeDayResult) { n.Name = "" }), nil, nil},
		{"other day", day, node(func(n *depc.NodeDayResult) { n.Day = "2025-12-02" }), nil, nil},
		{"qos > 100", day, node(func(n *depc.NodeDayResult) { n.QoS = f64(100.5) }), nil, nil},
		{"qos < 0", day, node(func(n *depc.NodeDayResult) { n.QoS = f64(-1) }), nil, nil},
		{"qos NaN", day, node(func(n *depc.NodeDayResult) { n.QoS = f64(math.NaN()) }), nil, nil},
		{"qos Inf", day, node(func(n *depc.NodeDayResult) { n.QoS = f64(math.Inf(1)) }), nil, nil},
		{"some counts", day, node(func(n *depc.NodeDayResult) { n.KO = nil }), nil, nil},
		{"negative count", day, node(func(n *depc.NodeDayResult) { n.Unknown = i64(-1) }), nil, nil},
		{"aggregation with downtime", day, node(func(n *depc.NodeDayResult) { n.OK, n.KO, n.Unknown = nil, nil, nil }), nil, nil},
		{"empty period", day, node(func(n *depc.NodeDayResult) { n.Downtime = []depc.Period{{From: 5, To: 5}} }), nil, nil},
		{"unsorted periods", day, node(func(n *depc.NodeDayResult) { n.Downtime = []depc.Period{{From: 10, To: 20}, {From: 0, To: 5}} }), nil, nil},
		{"overlapping periods", day, node(func(n *depc.NodeDayResult) { n.Downtime = []depc.Period{{From: 0, To: 10}, {From: 5, To: 20}} }), nil, nil},
		{"bad child label", day, node(func(n *depc.NodeDayResult) { n.Children = []depc.NodeKey{{Label: "", Name: "x"}} }), nil, nil},
		{"bad child name", day, node(func(n *depc.NodeDayResult) { n.Children = []depc.NodeKey{{Label: "Filer", Name: `x"`}} }), nil, nil},
		{"duplicate node", day, append(dayNodes(day), dayNodes(day)[1]), nil, nil},
		{"bad label result", day, good, []depc.LabelDayResult{{Label: "filer"}}, nil},
		{"duplicate label result", day, good, []depc.LabelDayResult{{Label: "Filer"}, {Label: "Filer"}}, nil},
		{"label result qos", day, good, []depc.LabelDayResult{{Label: "Filer", QoS: f64(101)}}, nil},
		{"label result day", day, good, []depc.LabelDayResult{{Label: "Filer", Day: "2025-12-02"}}, nil},
		{"label result nodes", day, good, []depc.LabelDayResult{{Label: "Filer", Nodes: -1}}, nil},
		{"worst label", day, good, nil, map[string][]depc.WorstNode{"filer": {{Name: "x", QoS: 1}}}},
		{"worst name", day, good, nil, map[string][]depc.WorstNode{"Filer": {{Name: "x y", QoS: 1}}}},
		{"worst qos", day, good, nil, map[string][]depc.WorstNode{"Filer": {{Name: "x", QoS: math.NaN()}}}},
		{"worst duplicate", day, good, nil, map[string][]depc.WorstNode{"Filer": {{Name: "x", QoS: 1}, {Name: "x", QoS: 2}}}},
	} {
		err := s.ReplaceDayResults(ctx, "acme", tt.day, slices.Values(tt.nodes), tt.labels, tt.worst)
		wantCode(t, err, depc.EINVALID, "ReplaceDayResults("+tt.what+")")
	}
	// Nothing was written by the refused calls.
	equal(t, "results after refused writes", get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Website", Name: "foo.com"}, day, day)).must(t), before)
	equal(t, "worst after refused writes", get(s.Worst(ctx, "acme", "Filer", day, 0)).must(t), []depc.WorstNode{{Name: "filer1", QoS: 99.9}})
	equal(t, "labels after refused writes", len(get(s.TeamQoS(ctx, "acme", day, day)).must(t)), 3)
}

// testResultsAtomic checks that readers never see half a run: while runs
// alternate between two versions of a day, every read of every node shows
// one version.
func testResultsAtomic(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	const day, n = "2025-12-01", 3000
	version := func(v float64) []depc.NodeDayResult {
		ns := make([]depc.NodeDayResult, n)
		for i := range ns {
			ns[i] = depc.NodeDayResult{Label: "Server", Name: fmt.Sprintf("s%05d", i), QoS: f64(v), OK: i64(1), KO: i64(1), Unknown: i64(0)}
		}
		return ns
	}
	keys := make([]depc.NodeKey, n)
	for i := range keys {
		keys[i] = depc.NodeKey{Label: "Server", Name: fmt.Sprintf("s%05d", i)}
	}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(version(1)), []depc.LabelDayResult{{Label: "Server", QoS: f64(1), Nodes: n}}, nil))

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for i := range 6 {
			v := float64(2 + i%2)
			if err := s.ReplaceDayResults(ctx, "acme", day, slices.Values(version(v)), []depc.LabelDayResult{{Label: "Server", QoS: f64(v), Nodes: n}}, nil); err != nil {
				t.Error(err)
				return
			}
		}
	})
	reads := 0
	for {
		select {
		case <-done:
		default:
			got, err := s.DayResults(ctx, "acme", day, keys)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("a read saw %d of %d nodes", len(got), n)
			}
			for _, r := range got {
				if *r.QoS != *got[0].QoS {
					t.Fatalf("a read saw two runs mixed: %v and %v", *got[0].QoS, *r.QoS)
				}
			}
			reads++
			continue
		}
		break
	}
	wg.Wait()
	got := get(s.DayResults(ctx, "acme", day, keys)).must(t)
	if len(got) != n || *got[0].QoS != 3 {
		t.Errorf("after the runs: %d results, first QoS %v; want %d with QoS 3", len(got), *got[0].QoS, n)
	}
	t.Logf("%d consistent reads during the runs", reads)
}

// testResultsBatch writes enough nodes to cross any batching a store does
// and a duplicate far into the stream.
func testResultsBatch(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	const day, n = "2025-12-01", 2501
	nodes := func(yield func(depc.NodeDayResult) bool) {
		for i := range n {
			r := depc.NodeDayResult{Label: "Server", Name: fmt.Sprintf("s%d", i), QoS: f64(float64(i % 101)), OK: i64(int64(i)), KO: i64(1), Unknown: i64(2),
				Downtime: []depc.Period{{From: int64(i), To: int64(i) + 1}}}
			if i%3 == 0 {
				r.Label, r.OK, r.KO, r.Unknown, r.Downtime = "Cluster", nil, nil, nil, nil
				r.Children = []depc.NodeKey{{Label: "Server", Name: fmt.Sprintf("s%d", i+1)}, {Label: "Server", Name: fmt.Sprintf("s%d", i+2)}}
			}
			if !yield(r) {
				return
			}
		}
	}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, nodes, nil, nil))
	var keys []depc.NodeKey
	var want []depc.NodeDayResult
	for r := range nodes {
		keys = append(keys, depc.NodeKey{Label: r.Label, Name: r.Name})
		want = append(want, stored(r, day))
	}
	slices.SortFunc(want, func(a, b depc.NodeDayResult) int {
		return strings.Compare(a.Label+"\x00"+a.Name, b.Label+"\x00"+b.Name)
	})
	got := get(s.DayResults(ctx, "acme", day, keys)).must(t)
	equal(t, "count of results", len(got), n)
	equal(t, "results", got, want)

	// A duplicate late in the stream refuses the whole run.
	dup := func(yield func(depc.NodeDayResult) bool) {
		for r := range nodes {
			r.QoS = f64(0)
			if !yield(r) {
				return
			}
		}
		yield(depc.NodeDayResult{Label: "Server", Name: "s1", QoS: f64(0), OK: i64(0), KO: i64(0), Unknown: i64(0)})
	}
	err := s.ReplaceDayResults(ctx, "acme", day, dup, nil, nil)
	wantCode(t, err, depc.EINVALID, "ReplaceDayResults(late duplicate)")
	if err != nil && !strings.Contains(depc.ErrorMessage(err), "Server/s1") {
		t.Errorf("duplicate error %q does not name the node Server/s1", depc.ErrorMessage(err))
	}
	equal(t, "results after a refused run", get(s.DayResults(ctx, "acme", day, keys)).must(t), want)
}

func testWorst(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	const day = "2025-12-01"
	in := []depc.WorstNode{
		{Name: "perfect", QoS: 100}, {Name: "b", QoS: 50}, {Name: "zero", QoS: 0}, {Name: "a", QoS: 50},
		{Name: "almost", QoS: 99.999}, {Name: "low", QoS: 12.5},
	}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, nil, nil, map[string][]depc.WorstNode{"Website": in, "Empty": {{Name: "p", QoS: 100}}}))
	want := []depc.WorstNode{{Name: "zero", QoS: 0}, {Name: "low", QoS: 12.5}, {Name: "a", QoS: 50}, {Name: "b", QoS: 50}, {Name: "almost", QoS: 99.999}}
	equal(t, "Worst (all)", get(s.Worst(ctx, "acme", "Website", day, 0)).must(t), want)
	equal(t, "Worst limit 3", get(s.Worst(ctx, "acme", "Website", day, 3)).must(t), want[:3])
	equal(t, "Worst limit 100", get(s.Worst(ctx, "acme", "Website", day, 100)).must(t), want)
	if got := get(s.Worst(ctx, "acme", "Empty", day, 0)).must(t); len(got) != 0 {
		t.Errorf("Worst of a label whose nodes are all at 100: %v", got)
	}
	if got := get(s.Worst(ctx, "acme", "Website", "2025-12-02", 0)).must(t); len(got) != 0 {
		t.Errorf("Worst of a day without results: %v", got)
	}

	// At most MaxWorstNodes are kept: the lowest.
	var many []depc.WorstNode
	for i := range depc.MaxWorstNodes + 50 {
		many = append(many, depc.WorstNode{Name: fmt.Sprintf("n%04d", i), QoS: 99 - float64(i)/100})
	}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, nil, nil, map[string][]depc.WorstNode{"Website": many}))
	got := get(s.Worst(ctx, "acme", "Website", day, 0)).must(t)
	if len(got) != depc.MaxWorstNodes || got[0] != many[len(many)-1] || got[len(got)-1] != many[50] {
		t.Errorf("Worst over the bound: %d nodes from %+v to %+v", len(got), got[0], got[len(got)-1])
	}
}

// ---- errors common to every method

func testUnknownTeam(t *testing.T, s depc.StateStore) {
	const team, day = "nope", "2025-12-01"
	key := depc.NodeKey{Label: "Server", Name: "s1"}
	calls := map[string]error{}
	call := func(name string, err error) { calls[name] = err }
	call("Team", second(s.Team(ctx, team)))
	call("UpdateTeam", second(s.UpdateTeam(ctx, depc.Team{Name: team})))
	call("DeleteTeam", s.DeleteTeam(ctx, team))
	call("Grants", second(s.Grants(ctx, team)))
	call("AddRejections", s.AddRejections(ctx, team, []depc.Rejection{{Source: "bad"}}))
	call("Rejections", second(s.Rejections(ctx, team, 1)))
	call("CreateSource", second(s.CreateSource(ctx, team, depc.SourceConfig{})))
	call("Source", second(s.Source(ctx, team, "x")))
	call("Sources", second(s.Sources(ctx, team)))
	call("UpdateSource", second(s.UpdateSource(ctx, team, depc.SourceConfig{})))
	call("DeleteSource", s.DeleteSource(ctx, team, "x"))
	call("CreateCheck", second(s.CreateCheck(ctx, team, depc.Check{})))
	call("Check", second(s.Check(ctx, team, "x")))
	call("Checks", second(s.Checks(ctx, team)))
	call("UpdateCheck", second(s.UpdateCheck(ctx, team, depc.Check{})))
	call("DeleteCheck", s.DeleteCheck(ctx, team, "x"))
	call("CreateRule", second(s.CreateRule(ctx, team, depc.Rule{})))
	call("Rule", second(s.Rule(ctx, team, "x")))
	call("Rules", second(s.Rules(ctx, team)))
	call("UpdateRule", second(s.UpdateRule(ctx, team, depc.Rule{})))
	call("DeleteRule", s.DeleteRule(ctx, team, "x"))
	call("SaveConfig", second(s.SaveConfig(ctx, team, nil, nil)))
	call("Config", second(s.Config(ctx, team)))
	call("ConfigVersion", second(s.ConfigVersion(ctx, team, 1)))
	call("Configs", second(s.Configs(ctx, team)))
	call("CreateRun", second(s.CreateRun(ctx, team, nil)))
	call("Run", second(s.Run(ctx, team, 1)))
	call("Runs", second(s.Runs(ctx, team, 0)))
	call("UpdateRun", s.UpdateRun(ctx, depc.Run{Team: team, ID: 1}))
	call("ReplaceDayResults", s.ReplaceDayResults(ctx, team, "bad", nil, nil, nil))
	call("NodeQoS", second(s.NodeQoS(ctx, team, key, "bad", day)))
	call("DayResults", second(s.DayResults(ctx, team, "bad", []depc.NodeKey{key})))
	call("LabelQoS", second(s.LabelQoS(ctx, team, "Server", day, "bad")))
	call("TeamQoS", second(s.TeamQoS(ctx, team, day, day)))
	call("Worst", second(s.Worst(ctx, team, "Server", "bad", 1)))
	// The team is checked before anything else: the invalid arguments
	// above do not matter.
	for name, err := range calls {
		wantCode(t, err, depc.ENOTFOUND, name+"(unknown team)")
	}
}

func second[T any](_ T, err error) error { return err }

func testTeamIsolation(t *testing.T, s depc.StateStore) {
	for _, team := range []string{"acme", "beta"} {
		createTeam(t, s, team)
		catalog(t, s, team)
	}
	// Same names in both teams, different content.
	get(s.UpdateSource(ctx, "beta", depc.SourceConfig{Name: "prom", Plugin: depc.PluginFake})).must(t)
	get(s.UpdateRule(ctx, "beta", depc.Rule{Name: "Web", Checks: []string{"Http"}})).must(t)
	get(s.SaveConfig(ctx, "acme", json.RawMessage(`{"A":{"qos":"rule.Web"}}`), []string{"Web"})).must(t)
	get(s.CreateRun(ctx, "acme", []string{"2025-12-01"})).must(t)
	get(s.CreateRun(ctx, "acme", []string{"2025-12-02"})).must(t)
	get(s.CreateRun(ctx, "beta", []string{"2025-12-03"})).must(t)

	if got := get(s.Source(ctx, "acme", "prom")).must(t); got.Plugin != depc.PluginPrometheus {
		t.Errorf("acme's source changed by beta's update: %+v", got)
	}
	equal(t, "acme's rule", get(s.Rule(ctx, "acme", "Web")).must(t), depc.Rule{Name: "Web", Checks: []string{"Http", "Ping"}})
	_, err := s.Config(ctx, "beta")
	wantCode(t, err, depc.ENOTFOUND, "beta's config")
	// beta's Web rule is not used by acme's config.
	mustDo(t, s.DeleteRule(ctx, "beta", "Web"))
	wantCode(t, s.DeleteRule(ctx, "acme", "Web"), depc.ECONFLICT, "acme's rule in use")
	if r := get(s.Runs(ctx, "beta", 0)).must(t); len(r) != 1 || r[0].ID != 1 || r[0].Days[0] != "2025-12-03" {
		t.Errorf("beta's runs: %+v", r)
	}
	_, err = s.Run(ctx, "beta", 2)
	wantCode(t, err, depc.ENOTFOUND, "beta's run 2 (acme has one)")
	// A run cannot be updated through another team.
	r := get(s.Run(ctx, "acme", 2)).must(t)
	r.Team, r.Status = "beta", depc.RunSucceeded
	wantCode(t, s.UpdateRun(ctx, r), depc.ENOTFOUND, "UpdateRun(acme's run as beta)")

	// Results.
	const day = "2025-12-01"
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(), map[string][]depc.WorstNode{"Filer": {{Name: "filer1", QoS: 1}}}))
	mustDo(t, s.ReplaceDayResults(ctx, "beta", day, slices.Values(dayNodes(day)[:1]), nil, nil))
	mustDo(t, s.ReplaceDayResults(ctx, "beta", day, nil, nil, nil)) // empties beta's day only
	if got := get(s.DayResults(ctx, "acme", day, []depc.NodeKey{{Label: "Filer", Name: "filer1"}, {Label: "Offer", Name: "premium"}})).must(t); len(got) != 2 {
		t.Errorf("acme's results after beta's run: %v", got)
	}
	if got := get(s.NodeQoS(ctx, "beta", depc.NodeKey{Label: "Filer", Name: "filer1"}, day, day)).must(t); len(got) != 0 {
		t.Errorf("beta reads acme's results: %v", got)
	}
	if got := get(s.Worst(ctx, "beta", "Filer", day, 0)).must(t); len(got) != 0 {
		t.Errorf("beta reads acme's worst nodes: %v", got)
	}
	if got := get(s.TeamQoS(ctx, "beta", day, day)).must(t); len(got) != 0 {
		t.Errorf("beta reads acme's label results: %v", got)
	}
	if got := get(s.LabelQoS(ctx, "beta", "Filer", day, day)).must(t); len(got) != 0 {
		t.Errorf("beta reads acme's label results: %v", got)
	}
}

func testClosed(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	mustDo(t, s.Ping(ctx))
	mustDo(t, s.Close())
	wantCode(t, s.Ping(ctx), depc.EUNAVAILABLE, "Ping after Close")
	_, err := s.Team(ctx, "acme")
	wantCode(t, err, depc.EUNAVAILABLE, "Team after Close")
	_, err = s.CreateTeam(ctx, depc.Team{Name: "beta"})
	wantCode(t, err, depc.EUNAVAILABLE, "CreateTeam after Close")
	_, err = s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "A", Name: "a"}, "2025-12-01", "2025-12-01")
	wantCode(t, err, depc.EUNAVAILABLE, "NodeQoS after Close")
}

func testCancelled(t *testing.T, s depc.StateStore) {
	createTeam(t, s, "acme")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	// A context that ended is EUNAVAILABLE (retry later), not a bug, and
	// writes nothing.
	_, err := s.Team(cctx, "acme")
	wantCode(t, err, depc.EUNAVAILABLE, "Team(cancelled)")
	_, err = s.CreateTeam(cctx, depc.Team{Name: "beta"})
	wantCode(t, err, depc.EUNAVAILABLE, "CreateTeam(cancelled)")
	err = s.ReplaceDayResults(cctx, "acme", "2025-12-01", slices.Values(dayNodes("2025-12-01")), nil, nil)
	wantCode(t, err, depc.EUNAVAILABLE, "ReplaceDayResults(cancelled)")
	_, err = s.NodeQoS(cctx, "acme", depc.NodeKey{Label: "Filer", Name: "filer1"}, "2025-12-01", "2025-12-01")
	wantCode(t, err, depc.EUNAVAILABLE, "NodeQoS(cancelled)")
	_, err = s.Team(ctx, "beta")
	wantCode(t, err, depc.ENOTFOUND, "Team(beta) after a cancelled create")
	if got := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Filer", Name: "filer1"}, "2025-12-01", "2025-12-01")).must(t); len(got) != 0 {
		t.Errorf("results after a cancelled write: %v", got)
	}
}
