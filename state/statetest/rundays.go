package statetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/depc-dev/depc"
)

// The days of runs as a queue drained with leases (ClaimDay, RenewDay,
// FinishDay, ReleaseDay) and the named leases (AcquireLease,
// ReleaseLease): part of RunRuns.

// leaseT0 is the clock of the lease tests; the stores compare the times they
// are given, never their own clock.
var leaseT0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

const ttl = time.Minute

func claim(owner string, at time.Time) depc.ClaimRequest {
	return depc.ClaimRequest{Owner: owner, Now: at, TTL: ttl}
}

// dayKey names a lease's day: "team/run/day".
func dayKey(l depc.DayLease) string { return fmt.Sprintf("%s/%d/%s", l.Team, l.Run, l.Day) }

func wantLease(t *testing.T, what string, l depc.DayLease, key string, index int, claimNo int64, interruptions int) {
	t.Helper()
	if dayKey(l) != key || l.Index != index || l.Claim != claimNo || l.Interruptions != interruptions {
		t.Errorf("%s: lease %+v, want %s index %d claim %d interruptions %d", what, l, key, index, claimNo, interruptions)
	}
}

// Concurrent claims each take another day; the runs become running.
func testClaimDay(t *testing.T, s Runs) {
	_, err := s.ClaimDay(ctx, claim("w0", leaseT0))
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(none)")
	for _, q := range []depc.ClaimRequest{{Now: leaseT0, TTL: ttl}, {Owner: "w", TTL: ttl}, {Owner: "w", Now: leaseT0}, {Owner: "w", Now: leaseT0, TTL: -time.Second}} {
		_, err := s.ClaimDay(ctx, q)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("ClaimDay(%+v)", q))
	}
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	get(s.CreateRun(ctx, "acme", []string{"2026-01-01"})).must(t)
	get(s.CreateRun(ctx, "beta", []string{"2026-01-02"})).must(t)
	get(s.CreateRun(ctx, "acme", []string{"2026-01-03"})).must(t)

	var mu sync.Mutex
	claimed := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			l, err := s.ClaimDay(ctx, claim(fmt.Sprintf("w%d", i), leaseT0))
			if err != nil {
				t.Error(err)
				return
			}
			if l.Owner != fmt.Sprintf("w%d", i) || l.Claim != 1 || l.Interruptions != 0 || l.Expires != leaseT0.Add(ttl).UnixMilli() {
				t.Errorf("lease %+v", l)
			}
			mu.Lock()
			defer mu.Unlock()
			if claimed[dayKey(l)] {
				t.Errorf("day %s claimed twice", dayKey(l))
			}
			claimed[dayKey(l)] = true
		})
	}
	wg.Wait()
	equal(t, "claimed days", claimed, map[string]bool{"acme/1/2026-01-01": true, "acme/2/2026-01-03": true, "beta/1/2026-01-02": true})
	_, err = s.ClaimDay(ctx, claim("w3", leaseT0))
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(all claimed)")
	r := get(s.Run(ctx, "beta", 1)).must(t)
	if r.Status != depc.RunRunning || r.StartedAt == nil || *r.StartedAt != leaseT0.Unix() {
		t.Errorf("a claimed run: %+v, want running, started at %d", r, leaseT0.Unix())
	}
}

// Days are claimed oldest run first, each run's days in order, except the
// teams the claimer excludes; a claim may be restricted to one run.
func testClaimOrder(t *testing.T, s Runs) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	get(s.CreateRun(ctx, "acme", []string{"2026-01-05", "2026-01-01", "2026-01-03"})).must(t)
	get(s.CreateRun(ctx, "beta", []string{"2026-01-01"})).must(t)
	get(s.CreateRun(ctx, "beta", []string{"2026-01-02"})).must(t)

	l := get(s.ClaimDay(ctx, claim("w", leaseT0))).must(t)
	wantLease(t, "first claim", l, "acme/1/2026-01-05", 0, 1, 0)
	q := claim("w", leaseT0)
	q.ExceptTeams = []string{"acme"}
	l = get(s.ClaimDay(ctx, q)).must(t)
	wantLease(t, "claim except acme", l, "beta/1/2026-01-01", 0, 1, 0)
	q = claim("w", leaseT0)
	q.Team, q.Run = "beta", 2
	l = get(s.ClaimDay(ctx, q)).must(t)
	wantLease(t, "claim of beta's run 2", l, "beta/2/2026-01-02", 0, 1, 0)
	_, err := s.ClaimDay(ctx, q)
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(beta's run 2, all claimed)")
	q.ExceptTeams, q.Team, q.Run = []string{"acme", "beta"}, "", 0
	_, err = s.ClaimDay(ctx, q)
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(every team excluded)")
	l = get(s.ClaimDay(ctx, claim("w", leaseT0))).must(t)
	wantLease(t, "second day of acme's run", l, "acme/1/2026-01-01", 1, 1, 0)
	l = get(s.ClaimDay(ctx, claim("w", leaseT0))).must(t)
	wantLease(t, "third day of acme's run", l, "acme/1/2026-01-03", 2, 1, 0)
}

// A lease that expired is taken over: the worker that held it can no longer
// renew, finish or release the day. A renewed lease is not taken.
func testLeaseExpiry(t *testing.T, s Runs) {
	createTeam(t, s, "acme")
	get(s.CreateRun(ctx, "acme", []string{"2026-01-01", "2026-01-02"})).must(t)
	a := get(s.ClaimDay(ctx, claim("a", leaseT0))).must(t)
	b := get(s.ClaimDay(ctx, claim("b", leaseT0))).must(t)
	wantLease(t, "b", b, "acme/1/2026-01-02", 1, 1, 0)

	_, err := s.ClaimDay(ctx, claim("c", leaseT0.Add(ttl)))
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(a lease that expires at that instant)")
	b = get(s.RenewDay(ctx, b, leaseT0.Add(30*time.Second), ttl)).must(t)
	if b.Expires != leaseT0.Add(30*time.Second+ttl).UnixMilli() {
		t.Errorf("renewed lease expires at %d, want %d", b.Expires, leaseT0.Add(30*time.Second+ttl).UnixMilli())
	}
	later := leaseT0.Add(ttl + time.Second)
	c := get(s.ClaimDay(ctx, claim("c", later))).must(t)
	wantLease(t, "a's expired lease taken over", c, "acme/1/2026-01-01", 0, 2, 1)
	_, err = s.ClaimDay(ctx, claim("d", later))
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(b's renewed lease)")

	_, err = s.RenewDay(ctx, a, later, ttl)
	wantCode(t, err, depc.ECONFLICT, "RenewDay(taken over)")
	_, err = s.FinishDay(ctx, a, later, depc.DayOutcome{Nodes: 5})
	wantCode(t, err, depc.ECONFLICT, "FinishDay(taken over)")
	_, err = s.ReleaseDay(ctx, a, later)
	wantCode(t, err, depc.ECONFLICT, "ReleaseDay(taken over)")
	// The same owner with an older claim is fenced off too.
	stale := c
	stale.Claim = 1
	_, err = s.FinishDay(ctx, stale, later, depc.DayOutcome{})
	wantCode(t, err, depc.ECONFLICT, "FinishDay(an older claim of the same owner)")
	if r := get(s.Run(ctx, "acme", 1)).must(t); r.Nodes != 0 || r.Progress != 0 || r.Status != depc.RunRunning {
		t.Errorf("run after refused finishes: %+v", r)
	}
	_, err = s.RenewDay(ctx, c, later, 0)
	wantCode(t, err, depc.EINVALID, "RenewDay(ttl 0)")

	// A lease taken over again counts both interruptions.
	muchLater := later.Add(2 * ttl)
	d := get(s.ClaimDay(ctx, claim("d", muchLater))).must(t)
	e := get(s.ClaimDay(ctx, claim("e", muchLater))).must(t)
	got := map[string]depc.DayLease{dayKey(d): d, dayKey(e): e}
	wantLease(t, "first day, third claim", got["acme/1/2026-01-01"], "acme/1/2026-01-01", 0, 3, 2)
	wantLease(t, "second day, second claim", got["acme/1/2026-01-02"], "acme/1/2026-01-02", 1, 2, 1)
}

// Finishing days adds their nodes and errors and moves the progress; the
// last one finishes the run.
func testFinishDay(t *testing.T, s Runs) {
	createTeam(t, s, "acme")
	days := []string{"2026-01-01", "2026-01-02", "2026-01-03"}
	run := get(s.CreateRun(ctx, "acme", days)).must(t)
	l0 := get(s.ClaimDay(ctx, claim("a", leaseT0))).must(t)
	e1 := depc.RunError{Label: "Server", Name: "s1", Error: "2026-01-01: source prom: timeout"}
	r := get(s.FinishDay(ctx, l0, leaseT0.Add(time.Second), depc.DayOutcome{Nodes: 10, Errors: []depc.RunError{e1}})).must(t)
	started := leaseT0.Unix()
	want := depc.Run{ID: run.ID, Team: "acme", Days: days, Status: depc.RunRunning, CreatedAt: run.CreatedAt, StartedAt: &started,
		Nodes: 10, Errors: []depc.RunError{e1}, Progress: 1.0 / 3}
	equal(t, "run after its first day", r, want)
	equal(t, "stored run after its first day", get(s.Run(ctx, "acme", run.ID)).must(t), want)
	_, err := s.FinishDay(ctx, l0, leaseT0, depc.DayOutcome{})
	wantCode(t, err, depc.ECONFLICT, "FinishDay(finished already)")
	_, err = s.RenewDay(ctx, l0, leaseT0, ttl)
	wantCode(t, err, depc.ECONFLICT, "RenewDay(finished already)")

	l1 := get(s.ClaimDay(ctx, claim("a", leaseT0))).must(t)
	l2 := get(s.ClaimDay(ctx, claim("b", leaseT0))).must(t)
	if l1.Index != 1 || l2.Index != 2 {
		t.Fatalf("claims of days %d and %d, want 1 and 2", l1.Index, l2.Index)
	}
	_, err = s.FinishDay(ctx, l2, leaseT0, depc.DayOutcome{Nodes: -1})
	wantCode(t, err, depc.EINVALID, "FinishDay(negative nodes)")
	r = get(s.FinishDay(ctx, l2, leaseT0.Add(2*time.Second), depc.DayOutcome{Nodes: 12})).must(t)
	if r.Status != depc.RunRunning || r.Progress != 2.0/3 || r.Nodes != 22 || r.FinishedAt != nil {
		t.Errorf("run after its third day: %+v", r)
	}
	end := leaseT0.Add(3 * time.Second).Unix()
	r = get(s.FinishDay(ctx, l1, leaseT0.Add(3*time.Second), depc.DayOutcome{Nodes: 11})).must(t)
	want.Status, want.Progress, want.Nodes, want.FinishedAt = depc.RunSucceeded, 1, 33, &end
	equal(t, "run after its last day", r, want)
	equal(t, "stored run after its last day", get(s.Run(ctx, "acme", run.ID)).must(t), want)
	_, err = s.ClaimDay(ctx, claim("c", leaseT0.Add(time.Hour)))
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(run done)")

	// A run's errors stay bounded across its days.
	run2 := get(s.CreateRun(ctx, "acme", []string{"2026-02-01", "2026-02-02"})).must(t)
	many := make([]depc.RunError, depc.MaxRunErrors)
	for i := range many {
		many[i] = depc.RunError{Label: "Server", Name: fmt.Sprintf("s%d", i), Error: "down"}
	}
	for range 2 {
		get(s.FinishDay(ctx, get(s.ClaimDay(ctx, claim("a", leaseT0))).must(t), leaseT0, depc.DayOutcome{Errors: many})).must(t)
	}
	r = get(s.Run(ctx, "acme", run2.ID)).must(t)
	if len(r.Errors) != depc.MaxRunErrors || r.Errors[len(r.Errors)-1].Error != fmt.Sprintf("%d more errors not listed", depc.MaxRunErrors+1) {
		t.Errorf("%d errors, the last %+v", len(r.Errors), r.Errors[len(r.Errors)-1])
	}
}

// A day that fails fails its run at once: its other days are never
// computed, and a worker computing one of them cannot finish it.
func testFailDay(t *testing.T, s Runs) {
	createTeam(t, s, "acme")
	run := get(s.CreateRun(ctx, "acme", []string{"2026-01-01", "2026-01-02", "2026-01-03"})).must(t)
	l0 := get(s.ClaimDay(ctx, claim("a", leaseT0))).must(t)
	l1 := get(s.ClaimDay(ctx, claim("b", leaseT0))).must(t)
	failure := depc.RunError{Error: "2026-01-01: config: label Site is not configured"}
	r := get(s.FinishDay(ctx, l0, leaseT0.Add(time.Second), depc.DayOutcome{Failure: &failure})).must(t)
	end := leaseT0.Add(time.Second).Unix()
	if r.Status != depc.RunFailed || r.FinishedAt == nil || *r.FinishedAt != end || r.Progress != 0 || r.Nodes != 0 {
		t.Errorf("failed run %+v", r)
	}
	equal(t, "failed run's errors", r.Errors, []depc.RunError{failure})
	equal(t, "stored failed run", get(s.Run(ctx, "acme", run.ID)).must(t), r)
	_, err := s.FinishDay(ctx, l1, leaseT0, depc.DayOutcome{Nodes: 3})
	wantCode(t, err, depc.ECONFLICT, "FinishDay(the run failed meanwhile)")
	_, err = s.RenewDay(ctx, l1, leaseT0, ttl)
	wantCode(t, err, depc.ECONFLICT, "RenewDay(the run failed meanwhile)")
	_, err = s.ClaimDay(ctx, claim("c", leaseT0.Add(time.Hour)))
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(the run failed)")
}

// A day given back is claimed again without an interruption; its run is
// queued again when no other day of it is held.
func testReleaseDay(t *testing.T, s Runs) {
	createTeam(t, s, "acme")
	run := get(s.CreateRun(ctx, "acme", []string{"2026-01-01", "2026-01-02", "2026-01-03"})).must(t)
	get(s.FinishDay(ctx, get(s.ClaimDay(ctx, claim("a", leaseT0))).must(t), leaseT0, depc.DayOutcome{Nodes: 4})).must(t)
	l1 := get(s.ClaimDay(ctx, claim("a", leaseT0))).must(t)
	l2 := get(s.ClaimDay(ctx, claim("b", leaseT0))).must(t)
	r := get(s.ReleaseDay(ctx, l2, leaseT0)).must(t)
	if r.Status != depc.RunRunning || r.StartedAt == nil {
		t.Errorf("run with a day still held after a release: %+v", r)
	}
	_, err := s.ReleaseDay(ctx, l2, leaseT0)
	wantCode(t, err, depc.ECONFLICT, "ReleaseDay(twice)")
	r = get(s.ReleaseDay(ctx, l1, leaseT0)).must(t)
	if r.Status != depc.RunQueued || r.StartedAt != nil || r.Progress != 1.0/3 || r.Nodes != 4 {
		t.Errorf("run after its last held day is released: %+v", r)
	}
	equal(t, "stored released run", get(s.Run(ctx, "acme", run.ID)).must(t), r)
	l := get(s.ClaimDay(ctx, claim("c", leaseT0.Add(time.Second)))).must(t)
	wantLease(t, "released day claimed again", l, "acme/1/2026-01-02", 1, 2, 0)
	if r := get(s.Run(ctx, "acme", run.ID)).must(t); r.Status != depc.RunRunning || r.StartedAt == nil || *r.StartedAt != leaseT0.Unix()+1 {
		t.Errorf("run claimed again: %+v", r)
	}
}

// Two runs of the same team's day are never computed at once; other teams'
// same day are.
func testSameDayOfTwoRuns(t *testing.T, s Runs) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	get(s.CreateRun(ctx, "acme", []string{"2026-01-01"})).must(t)
	get(s.CreateRun(ctx, "acme", []string{"2026-01-01", "2026-01-02"})).must(t)
	get(s.CreateRun(ctx, "beta", []string{"2026-01-01"})).must(t)
	first := get(s.ClaimDay(ctx, claim("a", leaseT0))).must(t)
	wantLease(t, "first", first, "acme/1/2026-01-01", 0, 1, 0)
	l := get(s.ClaimDay(ctx, claim("b", leaseT0))).must(t)
	wantLease(t, "second (the first day of run 2 is held by run 1)", l, "acme/2/2026-01-02", 1, 1, 0)
	l = get(s.ClaimDay(ctx, claim("c", leaseT0))).must(t)
	wantLease(t, "third", l, "beta/1/2026-01-01", 0, 1, 0)
	_, err := s.ClaimDay(ctx, claim("d", leaseT0))
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(acme's 2026-01-01 held)")
	get(s.FinishDay(ctx, first, leaseT0, depc.DayOutcome{})).must(t)
	l = get(s.ClaimDay(ctx, claim("d", leaseT0))).must(t)
	wantLease(t, "once run 1 is done", l, "acme/2/2026-01-01", 0, 1, 0)

	// An expired lease holds nothing back.
	createTeam(t, s, "gamma")
	get(s.CreateRun(ctx, "gamma", []string{"2026-01-01"})).must(t)
	get(s.CreateRun(ctx, "gamma", []string{"2026-01-01"})).must(t)
	wantLease(t, "gamma's run 1", get(s.ClaimDay(ctx, claim("e", leaseT0))).must(t), "gamma/1/2026-01-01", 0, 1, 0)
	q := claim("f", leaseT0.Add(time.Second))
	q.Team, q.Run = "gamma", 2
	_, err = s.ClaimDay(ctx, q)
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(gamma's run 2, its day held by run 1)")
	q.Now = leaseT0.Add(2 * ttl)
	wantLease(t, "gamma's run 2 once run 1's lease expired", get(s.ClaimDay(ctx, q)).must(t), "gamma/2/2026-01-01", 0, 1, 0)
}

// A run saved finished (UpdateRun) leaves no day to claim, and its held
// days are lost.
func testFinishedRunDropsDays(t *testing.T, s Runs) {
	createTeam(t, s, "acme")
	get(s.CreateRun(ctx, "acme", []string{"2026-01-01", "2026-01-02"})).must(t)
	l := get(s.ClaimDay(ctx, claim("a", leaseT0))).must(t)
	r := get(s.Run(ctx, "acme", 1)).must(t)
	end := leaseT0.Unix()
	r.Status, r.FinishedAt = depc.RunFailed, &end
	mustDo(t, s.UpdateRun(ctx, r))
	_, err := s.RenewDay(ctx, l, leaseT0, ttl)
	wantCode(t, err, depc.ECONFLICT, "RenewDay(run saved failed)")
	_, err = s.ClaimDay(ctx, claim("b", leaseT0.Add(time.Hour)))
	wantCode(t, err, depc.ENOTFOUND, "ClaimDay(run saved failed)")
}

// Workers draining a long run at once compute each day once.
func testDrainConcurrently(t *testing.T, s Runs) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	days := make([]string, 30)
	for i := range days {
		days[i] = depc.FormatDay(leaseT0.AddDate(0, 0, -1-i))
	}
	get(s.CreateRun(ctx, "acme", days)).must(t)
	get(s.CreateRun(ctx, "beta", days[:5])).must(t)
	get(s.CreateRun(ctx, "acme", days[:3])).must(t)
	var mu sync.Mutex
	finished := map[string]int{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for {
				l, err := s.ClaimDay(ctx, claim(fmt.Sprintf("w%d", w), leaseT0))
				if depc.ErrorCode(err) == depc.ENOTFOUND {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := s.FinishDay(ctx, l, leaseT0, depc.DayOutcome{Nodes: 1}); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				finished[dayKey(l)]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for k, n := range finished {
		if n != 1 {
			t.Errorf("%s finished %d times", k, n)
		}
	}
	if len(finished) != 38 {
		t.Errorf("%d days finished, want 38", len(finished))
	}
	for _, rr := range []struct {
		team  string
		id    int64
		nodes int64
	}{{"acme", 1, 30}, {"beta", 1, 5}, {"acme", 2, 3}} {
		r := get(s.Run(ctx, rr.team, rr.id)).must(t)
		if r.Status != depc.RunSucceeded || r.Nodes != rr.nodes || r.Progress != 1 {
			t.Errorf("run %s/%d: %+v", rr.team, rr.id, r)
		}
	}
}

// A named lease has one owner at a time until it expires.
func testNamedLeases(t *testing.T, s Runs) {
	for _, c := range []struct{ name, owner string }{{"", "a"}, {"nightly", ""}} {
		wantCode(t, s.AcquireLease(ctx, c.name, c.owner, leaseT0, ttl), depc.EINVALID, fmt.Sprintf("AcquireLease(%q, %q)", c.name, c.owner))
	}
	wantCode(t, s.AcquireLease(ctx, "nightly", "a", leaseT0, 0), depc.EINVALID, "AcquireLease(ttl 0)")
	mustDo(t, s.AcquireLease(ctx, "nightly", "a", leaseT0, ttl))
	mustDo(t, s.AcquireLease(ctx, "catch-up", "b", leaseT0, ttl))
	wantCode(t, s.AcquireLease(ctx, "nightly", "b", leaseT0.Add(ttl/2), ttl), depc.ECONFLICT, "AcquireLease(held by a)")
	mustDo(t, s.AcquireLease(ctx, "nightly", "a", leaseT0.Add(ttl/2), ttl)) // extended
	wantCode(t, s.AcquireLease(ctx, "nightly", "b", leaseT0.Add(ttl+time.Second), ttl), depc.ECONFLICT, "AcquireLease(extended by a)")
	mustDo(t, s.AcquireLease(ctx, "nightly", "b", leaseT0.Add(2*ttl), ttl))
	mustDo(t, s.ReleaseLease(ctx, "nightly", "a")) // not a's any more: nothing
	wantCode(t, s.AcquireLease(ctx, "nightly", "a", leaseT0.Add(2*ttl), ttl), depc.ECONFLICT, "AcquireLease(b's)")
	mustDo(t, s.ReleaseLease(ctx, "nightly", "b"))
	mustDo(t, s.AcquireLease(ctx, "nightly", "a", leaseT0.Add(2*ttl), ttl))
	mustDo(t, s.ReleaseLease(ctx, "unknown", "a"))

	// Concurrent owners: one wins.
	var mu sync.Mutex
	var won []string
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			owner := fmt.Sprintf("o%d", i)
			err := s.AcquireLease(ctx, "race", owner, leaseT0, ttl)
			switch depc.ErrorCode(err) {
			case "":
				mu.Lock()
				won = append(won, owner)
				mu.Unlock()
			case depc.ECONFLICT:
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(won) != 1 {
		slices.Sort(won)
		t.Errorf("owners of one lease at once: %v", won)
	}
}
