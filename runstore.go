package depc

import (
	"context"
	"fmt"
	"math"
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

// RunStore keeps the runs of every team: the queue the schedulers claim
// from and the record of each run's progress.
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
	// the run r.Team/r.ID; its days never change. ENOTFOUND if absent,
	// EINVALID for an invalid status or a progress outside [0, 1],
	// ECONFLICT when the stored run is already finished.
	UpdateRun(ctx context.Context, r Run) error
	// ClaimRun takes the oldest queued run of any team, marks it running
	// with StartedAt set to now and returns it; two callers never get the
	// same run. ENOTFOUND when no run is queued.
	ClaimRun(ctx context.Context) (Run, error)
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
