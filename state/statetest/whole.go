package statetest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/depc-dev/depc"
)

// RunWhole runs the tests of a whole depc.StateStore, across its parts,
// against the stores open returns (see Run): deleting a team deletes its
// data in every part, a cancelled context writes nothing, and a closed
// store answers EUNAVAILABLE.
func RunWhole[S depc.StateStore](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) depc.StateStore { return open(t) }, []subtest[depc.StateStore]{
		{name: "DeleteTeam", fn: testDeleteTeam},
		{name: "RenameTeam", fn: testRenameTeam},
		{name: "Cancelled", fn: testCancelled},
		{name: "Closed", fn: testClosed, closes: true},
	})
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
		get(s.SetObjective(ctx, team, depc.Objective{Label: "Server", Target: 99, Window: "rolling_7d"})).must(t)
		get(s.CreateMaintenance(ctx, team, depc.Maintenance{From: 1, To: 2, Reason: "r"})).must(t)
		// Read once, so that a store keeping what budgets read has it.
		mustDo(t, s.LabelSeconds(ctx, team, "Server", "2026-01-01", "2026-01-01", func(string, []depc.NodeSeconds) error { return nil }))
		get(s.CreateAnnotation(ctx, team, depc.Annotation{Label: "Server", Name: "s1", From: 1, To: 2, Text: "note", Author: "alice"})).must(t)
		get(s.SetAlertReceiver(ctx, team, am)).must(t)
		get(s.ChangeAlert(ctx, team, firing("x", 1, 1000), []string{am.Name})).must(t)
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
	if got := get(s.Objectives(ctx, "acme")).must(t); len(got) != 0 {
		t.Errorf("objectives of the recreated team: %v", got)
	}
	if got := get(s.Maintenances(ctx, "acme", 0, 10)).must(t); len(got) != 0 {
		t.Errorf("maintenance windows of the recreated team: %v", got)
	}
	mustDo(t, s.LabelSeconds(ctx, "acme", "Server", "2026-01-01", "2026-01-01", func(day string, nodes []depc.NodeSeconds) error {
		t.Errorf("seconds of the recreated team: %s %v", day, nodes)
		return nil
	}))
	if got := get(s.Annotations(ctx, "acme", depc.AnnotationFilter{})).must(t); len(got) != 0 {
		t.Errorf("annotations of the recreated team: %v", got)
	}
	if got := get(s.AlertReceivers(ctx, "acme")).must(t); len(got) != 0 {
		t.Errorf("alert receivers of the recreated team: %v", got)
	}
	if got := get(s.Alerts(ctx, "acme")).must(t); len(got) != 0 {
		t.Errorf("alerts of the recreated team: %v", got)
	}
	if got := get(s.AlertDeliveries(ctx, "acme", 0)).must(t); len(got) != 0 {
		t.Errorf("alert deliveries of the recreated team: %v", got)
	}
	if got := get(s.ClaimAlertDeliveries(ctx, "d", 1<<40, 60, 10)).must(t); len(got) != 1 || got[0].Team != "other" {
		t.Errorf("deliveries claimed after the delete: %v, want the other team's one", got)
	}
	// The other team kept everything.
	if got := get(s.NodeQoS(ctx, "other", depc.NodeKey{Label: "Server", Name: "s1"}, "2026-01-01", "2026-01-01")).must(t); len(got) != 1 {
		t.Errorf("node results of the other team: %v", got)
	}
	if got := get(s.Rules(ctx, "other")).must(t); len(got) != 2 {
		t.Errorf("rules of the other team: %v", got)
	}
	if got := get(s.Annotations(ctx, "other", depc.AnnotationFilter{})).must(t); len(got) != 1 {
		t.Errorf("annotations of the other team: %v", got)
	}
}

// testRenameTeam: a renamed team keeps everything of every part under its
// new name; the old name is free, and taken or bad names are refused.
func testRenameTeam(t *testing.T, s depc.StateStore) {
	_, err := s.RenameTeam(ctx, "acme", "beta")
	wantCode(t, err, depc.ENOTFOUND, "RenameTeam(unknown)")
	get(s.CreateTeam(ctx, depc.Team{Name: "acme", Timezone: "Europe/Paris"})).must(t)
	createTeam(t, s, "other")
	catalog(t, s, "acme")
	get(s.SaveConfig(ctx, "acme", json.RawMessage(`{"Server":{"qos":"rule.Servers"}}`), []string{"Servers"})).must(t)
	run := get(s.CreateRun(ctx, "acme", []string{"2026-01-01"})).must(t)
	mustDo(t, s.AddRejections(ctx, "acme", []depc.Rejection{{At: 1, Source: "http", Error: "e", Message: "m"}}))
	mustDo(t, s.ReplaceDayResults(ctx, "acme", "2026-01-01", slices.Values([]depc.NodeDayResult{
		{Label: "Server", Name: "s1", QoS: f64(50), OK: i64(1), KO: i64(1), Unknown: i64(0)}}),
		[]depc.LabelDayResult{{Label: "Server", QoS: f64(50), Nodes: 1}},
		map[string][]depc.WorstNode{"Server": {{Name: "s1", QoS: 50}}}))
	get(s.SetObjective(ctx, "acme", depc.Objective{Label: "Server", Target: 99, Window: "rolling_7d"})).must(t)
	get(s.CreateMaintenance(ctx, "acme", depc.Maintenance{From: 1, To: 2, Reason: "r"})).must(t)
	get(s.CreateAnnotation(ctx, "acme", depc.Annotation{Label: "Server", Name: "s1", From: 1, To: 2, Text: "note", Author: "alice"})).must(t)
	get(s.SetAlertReceiver(ctx, "acme", am)).must(t)
	mustDo(t, s.SetTeamLimits(ctx, "acme", depc.Limits{Labels: 7, OwnSources: depc.OwnSourcesDeny}))
	get2(s.CreateUser(ctx, "alice", false)).must(t)
	get(s.SetGrant(ctx, "acme", "alice", depc.RoleEditor)).must(t)

	_, err = s.RenameTeam(ctx, "acme", "other")
	wantCode(t, err, depc.ECONFLICT, "RenameTeam onto another team")
	_, err = s.RenameTeam(ctx, "acme", "Not A Team")
	wantCode(t, err, depc.EINVALID, "RenameTeam to a bad name")
	got := get(s.RenameTeam(ctx, "acme", "beta")).must(t)
	equal(t, "the renamed team", got, depc.Team{Name: "beta", Timezone: "Europe/Paris"})
	_, err = s.Team(ctx, "acme")
	wantCode(t, err, depc.ENOTFOUND, "Team(old name)")
	equal(t, "teams", names(get(s.Teams(ctx)).must(t)), []string{"beta", "other"})

	if got := get(s.Sources(ctx, "beta")).must(t); len(got) != 1 {
		t.Errorf("sources under the new name: %v", got)
	}
	if got := get(s.Checks(ctx, "beta")).must(t); len(got) != 2 {
		t.Errorf("checks under the new name: %v", got)
	}
	get(s.Config(ctx, "beta")).must(t)
	if r := get(s.Run(ctx, "beta", run.ID)).must(t); r.Team != "beta" {
		t.Errorf("the run under the new name: %+v", r)
	}
	if got := get(s.Rejections(ctx, "beta", 0)).must(t); len(got) != 1 {
		t.Errorf("rejections under the new name: %v", got)
	}
	if got := get(s.TeamQoS(ctx, "beta", "2026-01-01", "2026-01-01")).must(t); len(got) != 1 {
		t.Errorf("label results under the new name: %v", got)
	}
	if got := get(s.NodeQoS(ctx, "beta", depc.NodeKey{Label: "Server", Name: "s1"}, "2026-01-01", "2026-01-01")).must(t); len(got) != 1 {
		t.Errorf("node results under the new name: %v", got)
	}
	if got := get(s.Objectives(ctx, "beta")).must(t); len(got) != 1 {
		t.Errorf("objectives under the new name: %v", got)
	}
	if got := get(s.Maintenances(ctx, "beta", 0, 10)).must(t); len(got) != 1 {
		t.Errorf("maintenance under the new name: %v", got)
	}
	if got := get(s.Annotations(ctx, "beta", depc.AnnotationFilter{})).must(t); len(got) != 1 {
		t.Errorf("annotations under the new name: %v", got)
	}
	if got := get(s.AlertReceivers(ctx, "beta")).must(t); len(got) != 1 {
		t.Errorf("alert receivers under the new name: %v", got)
	}
	equal(t, "limits under the new name", get(s.TeamLimits(ctx, "beta")).must(t), depc.Limits{Labels: 7, OwnSources: depc.OwnSourcesDeny})
	equal(t, "alice's grants", get(s.UserGrants(ctx, "alice")).must(t), []depc.Grant{{Team: "beta", User: "alice", Role: depc.RoleEditor}})

	// The old name is free, and starts empty.
	createTeam(t, s, "acme")
	if got := get(s.Sources(ctx, "acme")).must(t); len(got) != 0 {
		t.Errorf("sources of a new team of the old name: %v", got)
	}
	get(s.RenameTeam(ctx, "beta", "beta")).must(t)
}

func names(ts []depc.Team) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
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
	_, err = s.CreateAnnotation(cctx, "acme", depc.Annotation{Label: "Filer", Name: "filer1", From: 1, To: 2, Text: "note", Author: "alice"})
	wantCode(t, err, depc.EUNAVAILABLE, "CreateAnnotation(cancelled)")
	if got := get(s.Annotations(ctx, "acme", depc.AnnotationFilter{})).must(t); len(got) != 0 {
		t.Errorf("annotations after a cancelled write: %v", got)
	}
	_, err = s.Team(ctx, "beta")
	wantCode(t, err, depc.ENOTFOUND, "Team(beta) after a cancelled create")
	if got := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Filer", Name: "filer1"}, "2025-12-01", "2025-12-01")).must(t); len(got) != 0 {
		t.Errorf("results after a cancelled write: %v", got)
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
	_, err = s.Annotations(ctx, "acme", depc.AnnotationFilter{})
	wantCode(t, err, depc.EUNAVAILABLE, "Annotations after Close")
}
