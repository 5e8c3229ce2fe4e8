package statetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// RunTeams runs the tests of depc.TeamStore against the stores open
// returns (see Run).
func RunTeams[S Teams](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Teams { return open(t) }, []subtest[Teams]{
		{name: "Teams", fn: testTeams},
		{name: "UnknownTeam", fn: testTeamsUnknownTeam},
		{name: "Limits", fn: testTeamLimits},
	})
}

// testTeamLimits: a team's limits are none until the admin sets them,
// survive a time zone change, are refused when invalid, and go with
// the team.
func testTeamLimits(t *testing.T, s Teams) {
	get(s.CreateTeam(ctx, depc.Team{Name: "acme"})).must(t)
	get(s.CreateTeam(ctx, depc.Team{Name: "beta"})).must(t)
	equal(t, "TeamLimits of a new team", get(s.TeamLimits(ctx, "acme")).must(t), depc.Limits{})
	l := depc.Limits{Labels: 10, Nodes: 1000, MessageBytes: 4096, MessagesPerSecond: 50}
	if err := s.SetTeamLimits(ctx, "acme", l); err != nil {
		t.Fatal(err)
	}
	equal(t, "TeamLimits", get(s.TeamLimits(ctx, "acme")).must(t), l)
	equal(t, "TeamLimits of another team", get(s.TeamLimits(ctx, "beta")).must(t), depc.Limits{})
	get(s.UpdateTeam(ctx, depc.Team{Name: "acme", Timezone: "Europe/Paris"})).must(t)
	equal(t, "TeamLimits after UpdateTeam", get(s.TeamLimits(ctx, "acme")).must(t), l)
	for _, bad := range []depc.Limits{{Labels: -1}, {Nodes: -5}, {MessagesPerSecond: -1}, {MessageBytes: depc.MaxMessageBytes + 1}} {
		wantCode(t, s.SetTeamLimits(ctx, "acme", bad), depc.EINVALID, fmt.Sprintf("SetTeamLimits(%+v)", bad))
	}
	equal(t, "TeamLimits after refused sets", get(s.TeamLimits(ctx, "acme")).must(t), l)
	if err := s.SetTeamLimits(ctx, "acme", depc.Limits{Nodes: 7}); err != nil {
		t.Fatal(err)
	}
	equal(t, "TeamLimits replaced", get(s.TeamLimits(ctx, "acme")).must(t), depc.Limits{Nodes: 7})
	if err := s.DeleteTeam(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	get(s.CreateTeam(ctx, depc.Team{Name: "acme"})).must(t)
	equal(t, "TeamLimits of a team created again", get(s.TeamLimits(ctx, "acme")).must(t), depc.Limits{})
}

func testTeams(t *testing.T, s Teams) {
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

func testTeamsUnknownTeam(t *testing.T, s Teams) {
	const team = "nope"
	unknownTeam(t, map[string]error{
		"Team":          second(s.Team(ctx, team)),
		"UpdateTeam":    second(s.UpdateTeam(ctx, depc.Team{Name: team})),
		"DeleteTeam":    s.DeleteTeam(ctx, team),
		"TeamLimits":    second(s.TeamLimits(ctx, team)),
		"SetTeamLimits": s.SetTeamLimits(ctx, team, depc.Limits{Labels: 1}),
	})
}
