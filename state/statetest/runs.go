package statetest

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

// RunRuns runs the tests of depc.RunStore against the stores open returns
// (see Run).
func RunRuns[S Runs](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Runs { return open(t) }, []subtest[Runs]{
		{name: "Runs", fn: testRuns},
		{name: "ClaimDay", fn: testClaimDay},
		{name: "ClaimOrder", fn: testClaimOrder},
		{name: "LeaseExpiry", fn: testLeaseExpiry},
		{name: "FinishDay", fn: testFinishDay},
		{name: "FailDay", fn: testFailDay},
		{name: "ReleaseDay", fn: testReleaseDay},
		{name: "SameDayOfTwoRuns", fn: testSameDayOfTwoRuns},
		{name: "FinishedRunDropsDays", fn: testFinishedRunDropsDays},
		{name: "DrainConcurrently", fn: testDrainConcurrently},
		{name: "NamedLeases", fn: testNamedLeases},
		{name: "UnknownTeam", fn: testRunsUnknownTeam},
		{name: "TeamIsolation", fn: testRunsTeamIsolation},
	})
}

func testRuns(t *testing.T, s Runs) {
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

func testRunsUnknownTeam(t *testing.T, s Runs) {
	const team = "nope"
	unknownTeam(t, map[string]error{
		"CreateRun":  second(s.CreateRun(ctx, team, nil)),
		"Run":        second(s.Run(ctx, team, 1)),
		"Runs":       second(s.Runs(ctx, team, 0)),
		"UpdateRun":  s.UpdateRun(ctx, depc.Run{Team: team, ID: 1}),
		"RenewDay":   second(s.RenewDay(ctx, depc.DayLease{Team: team, Run: 1, Owner: "w", Claim: 1}, leaseT0, time.Minute)),
		"FinishDay":  second(s.FinishDay(ctx, depc.DayLease{Team: team, Run: 1, Owner: "w", Claim: 1}, leaseT0, depc.DayOutcome{})),
		"ReleaseDay": second(s.ReleaseDay(ctx, depc.DayLease{Team: team, Run: 1, Owner: "w", Claim: 1}, leaseT0)),
	})
}

func testRunsTeamIsolation(t *testing.T, s Runs) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	get(s.CreateRun(ctx, "acme", []string{"2025-12-01"})).must(t)
	get(s.CreateRun(ctx, "acme", []string{"2025-12-02"})).must(t)
	get(s.CreateRun(ctx, "beta", []string{"2025-12-03"})).must(t)

	if r := get(s.Runs(ctx, "beta", 0)).must(t); len(r) != 1 || r[0].ID != 1 || r[0].Days[0] != "2025-12-03" {
		t.Errorf("beta's runs: %+v", r)
	}
	_, err := s.Run(ctx, "beta", 2)
	wantCode(t, err, depc.ENOTFOUND, "beta's run 2 (acme has one)")
	// A run cannot be updated through another team.
	r := get(s.Run(ctx, "acme", 2)).must(t)
	r.Team, r.Status = "beta", depc.RunSucceeded
	wantCode(t, s.UpdateRun(ctx, r), depc.ENOTFOUND, "UpdateRun(acme's run as beta)")
}
