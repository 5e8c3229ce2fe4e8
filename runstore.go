package depc

import (
	"context"
	"fmt"
	"math"
	"time"
)

// RunStatus is the state of a run.
type RunStatus string

const (
	RunQueued    RunStatus = "queued"
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
)

// Valid reports whether s is one of the four statuses.
func (s RunStatus) Valid() bool {
	switch s {
	case RunQueued, RunRunning, RunSucceeded, RunFailed:
		return true
	}
	return false
}

// Finished reports whether s is final (succeeded or failed).
func (s RunStatus) Finished() bool { return s == RunSucceeded || s == RunFailed }

// Run is one computation of a team for one day or a range of days
// (spec/semantics.md §7).
type Run struct {
	// ID increases with every run, per team, from 1.
	ID   int64  `json:"id"`
	Team string `json:"team"`
	// Days are the days computed, "YYYY-MM-DD" in the team's time zone,
	// in the order they are computed.
	Days   []string  `json:"days"`
	Status RunStatus `json:"status"`
	// CreatedAt is when the run was queued; StartedAt and FinishedAt when
	// it started and finished (nil before), in Unix seconds.
	CreatedAt  int64  `json:"created_at"`
	StartedAt  *int64 `json:"started_at"`
	FinishedAt *int64 `json:"finished_at"`
	// Nodes is the number of node results written so far.
	Nodes int64 `json:"nodes"`
	// Errors are the failures of nodes or sources that did not stop the
	// run, and for a failed run the reason it stopped.
	Errors []RunError `json:"errors"`
	// Progress goes from 0 to 1.
	Progress float64 `json:"progress"`
}

// RunError is one failure recorded on a run. Label and Name are empty when
// it concerns no node in particular.
type RunError struct {
	Label string `json:"label"`
	Name  string `json:"name"`
	Error string `json:"error"`
}

// RunStore keeps the runs of every team: the queue of their days that the
// schedulers of every process drain, and the record of each run's progress.
//
// A run's days are its units of work. A worker claims one day at a time
// with a lease (ClaimDay) that it renews (RenewDay) while it computes the
// day, and ends it by recording the day (FinishDay) or giving it back
// (ReleaseDay). A lease that expires was held by a worker that died: the
// next ClaimDay takes the day over. Nobody else claims a day, or another
// run's same day of the same team, while its lease is alive. Times of
// leases are the callers' clocks (now arguments), so that processes agree
// as far as their clocks do and tests set them.
//
// A run's status and progress aggregate its days: queued until a day is
// claimed, running from then, succeeded when every day is done, failed
// when a day fails; progress is the share of days done.
//
// The conventions of StateStore hold for every method.
type RunStore interface {
	// CreateRun queues a run of the team for the given days (at least
	// one, valid and distinct; EINVALID otherwise) and returns it with its
	// new ID, status RunQueued.
	CreateRun(ctx context.Context, team string, days []string) (Run, error)
	// Run returns one run. ENOTFOUND if absent.
	Run(ctx context.Context, team string, id int64) (Run, error)
	// Runs returns up to limit of the team's runs (all when limit <= 0),
	// newest first.
	Runs(ctx context.Context, team string, limit int) ([]Run, error)
	// UpdateRun saves the status, times, node count, errors and progress of
	// the run r.Team/r.ID; its days never change, nor do their leases (a
	// run saved finished has no day claimed any more). ENOTFOUND if
	// absent, EINVALID for an invalid status or a progress outside [0, 1],
	// ECONFLICT when the stored run is already finished.
	UpdateRun(ctx context.Context, r Run) error

	// ClaimDay takes a day to compute and leases it to q.Owner until
	// q.Now + q.TTL: the first day, in its run's order, of the oldest
	// unfinished run that has one that
	//   - is not done, and is queued (never claimed, or released) or held
	//     by a lease that expired before q.Now (an interruption: the
	//     lease's Interruptions counts it);
	//   - is of a team not in q.ExceptTeams, and of the run q.Team/q.Run
	//     when q.Team is set;
	//   - is not the same day of the same team as a day that another
	//     unexpired lease holds (two runs of one day are never computed
	//     at once).
	// The run becomes running, with StartedAt set to q.Now if it was
	// queued. Two callers never hold one day. ENOTFOUND when no day can be
	// claimed; EINVALID for a request without owner, time or TTL.
	ClaimDay(ctx context.Context, q ClaimRequest) (DayLease, error)
	// RenewDay extends the lease l to now + ttl and returns it. ECONFLICT
	// when l no longer holds its day: the day was released or finished,
	// its run finished, or another worker took it over once l expired.
	RenewDay(ctx context.Context, l DayLease, now time.Time, ttl time.Duration) (DayLease, error)
	// FinishDay records the day l holds as done: o.Nodes is added to the
	// run's node count and o.Errors to its errors (AppendRunErrors), its
	// progress becomes the share of days done, and it succeeds, with
	// FinishedAt now, once every day is done. With o.Failure the day is
	// not done: the run fails at once, with the failure as its last error
	// and its other days never computed. Returns the run as saved.
	// ECONFLICT when l no longer holds its day (see RenewDay).
	FinishDay(ctx context.Context, l DayLease, now time.Time, o DayOutcome) (Run, error)
	// ReleaseDay gives the day l holds back to the queue, not done, when
	// its worker stops: the next claim takes it without counting an
	// interruption. A run none of whose other days is held goes back to
	// queued, StartedAt nil, keeping its progress. Returns the run as
	// saved. ECONFLICT when l no longer holds its day.
	ReleaseDay(ctx context.Context, l DayLease, now time.Time) (Run, error)

	// AcquireLease takes the lease of the given name for owner until now
	// + ttl, or extends it when owner holds it already: one scheduler
	// among several processes runs the nightly job or the catch-up.
	// ECONFLICT when another owner holds it past now; EINVALID for an
	// empty name or owner or a TTL <= 0.
	AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) error
	// ReleaseLease ends owner's hold of the named lease; nothing happens
	// when owner does not hold it.
	ReleaseLease(ctx context.Context, name, owner string) error
}

// ClaimRequest is what ClaimDay is asked for.
type ClaimRequest struct {
	// Owner names the worker (process and worker), for the records and
	// the leases it renews.
	Owner string
	// Now is the worker's clock; the lease lasts until Now + TTL.
	Now time.Time
	TTL time.Duration
	// ExceptTeams are teams whose days are not claimed: those the worker's
	// process is computing already.
	ExceptTeams []string
	// Team and Run, when Team is set, restrict the claim to that run.
	Team string
	Run  int64
}

// Validate checks a ClaimRequest: EINVALID names the field.
func (q ClaimRequest) Validate() error {
	switch {
	case q.Owner == "":
		return Errorf(EINVALID, "owner: a claim needs an owner")
	case q.Now.IsZero():
		return Errorf(EINVALID, "now: a claim needs the time")
	case q.TTL <= 0:
		return Errorf(EINVALID, "ttl: %s must be positive", q.TTL)
	}
	return nil
}

// ValidateLease checks the arguments of AcquireLease: EINVALID names the
// field.
func ValidateLease(name, owner string, ttl time.Duration) error {
	switch {
	case name == "":
		return Errorf(EINVALID, "name: a lease needs a name")
	case owner == "":
		return Errorf(EINVALID, "owner: a lease needs an owner")
	case ttl <= 0:
		return Errorf(EINVALID, "ttl: %s must be positive", ttl)
	}
	return nil
}

// DayLease is one day of a run that a worker holds until Expires.
type DayLease struct {
	Team string
	Run  int64
	Day  string
	// Index is the day's position in the run's Days.
	Index int
	// Owner is the holder (ClaimRequest.Owner).
	Owner string
	// Claim numbers the claims of the day from 1. Renewing, finishing and
	// releasing check it, so that a worker whose lease was taken over
	// (fencing) changes nothing, even if it has the same owner name.
	Claim int64
	// Expires is when the lease ends unless renewed, in Unix milliseconds.
	Expires int64
	// Interruptions counts the claims of the day whose lease expired
	// before their worker finished or released it, this one's included
	// when it took an expired lease over.
	Interruptions int
}

// ExpiresAt returns Expires as a time.
func (l DayLease) ExpiresAt() time.Time { return time.UnixMilli(l.Expires) }

// DayOutcome is what FinishDay records of a day.
type DayOutcome struct {
	// Nodes is the number of node results written.
	Nodes int64
	// Errors are the failures of nodes or sources that did not stop the
	// day.
	Errors []RunError
	// Failure, when set, is why the day could not be computed: the run
	// fails with it.
	Failure *RunError
}

// MaxRunErrors bounds the errors a run lists; AppendRunErrors counts the
// others in the last entry.
const MaxRunErrors = 1000

// moreErrors is the last entry of a run's errors when some are not listed.
const moreErrors = "%d more errors not listed"

// AppendRunErrors returns list with more appended, keeping at most
// MaxRunErrors entries: past that, the last entry counts the errors not
// listed ("N more errors not listed"), and goes on counting when list
// already ends with one.
func AppendRunErrors(list []RunError, more ...RunError) []RunError {
	hidden := 0
	if n := len(list); n == MaxRunErrors && list[n-1].Label == "" && list[n-1].Name == "" {
		var k int
		if c, err := fmt.Sscanf(list[n-1].Error, moreErrors, &k); c == 1 && err == nil && k > 0 {
			list, hidden = list[:n-1], k
		}
	}
	out := append([]RunError(nil), list...)
	for _, e := range more {
		switch {
		case hidden == 0 && len(out) < MaxRunErrors:
			out = append(out, e)
		case hidden == 0:
			// The last entry listed gives its place to the count.
			out, hidden = out[:MaxRunErrors-1], 2
		default:
			hidden++
		}
	}
	if hidden > 0 {
		out = append(out, RunError{Error: fmt.Sprintf(moreErrors, hidden)})
	}
	return out
}

// ValidateRunDays checks the days of a new run (CreateRun): at least one,
// each a day, none listed twice. EINVALID names the day.
func ValidateRunDays(days []string) error {
	if len(days) == 0 {
		return Errorf(EINVALID, "days: a run needs at least one day")
	}
	seen := make(map[string]bool, len(days))
	for i, d := range days {
		if _, err := ParseDay(fmt.Sprintf("days[%d]", i), d); err != nil {
			return err
		}
		if seen[d] {
			return Errorf(EINVALID, "days[%d]: %s is listed twice", i, d)
		}
		seen[d] = true
	}
	return nil
}

// ValidateProgress checks what UpdateRun saves of r: a status, a progress
// within [0, 1] and a node count >= 0. EINVALID names the field.
func (r Run) ValidateProgress() error {
	switch {
	case !r.Status.Valid():
		return Errorf(EINVALID, "status: %q is not a run status", r.Status)
	case math.IsNaN(r.Progress) || r.Progress < 0 || r.Progress > 1:
		return Errorf(EINVALID, "progress: %v must be within [0, 1]", r.Progress)
	case r.Nodes < 0:
		return Errorf(EINVALID, "nodes: %d must not be negative", r.Nodes)
	}
	return nil
}
