package scheduler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/depc-dev/depc"
)

// interruptedPrefix starts the error a run gets each time the process
// running it died (see Recover).
const interruptedPrefix = "interrupted: "

// Recover deals with the runs found running when the scheduler starts:
// their process died while it computed them (one scheduler runs per state
// store). Such a run is queued again, keeping its progress so that it goes
// on with the day it was computing (results of a day are replaced
// atomically, so a day cut short left nothing half written), and gets an
// error entry saying so. A run interrupted MaxInterruptions times already
// is failed instead: it may be what kills the process (memory), and
// queueing it forever would kill every start. Start calls it.
func (s *Scheduler) Recover(ctx context.Context) error {
	teams, err := s.state.Teams(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	for _, t := range teams {
		runs, err := s.state.Runs(ctx, t.Name, 0)
		if err != nil {
			return err
		}
		for _, r := range runs {
			if r.Status != depc.RunRunning {
				continue
			}
			n := 0
			for _, e := range r.Errors {
				if e.Label == "" && e.Name == "" && strings.HasPrefix(e.Error, interruptedPrefix) {
					n++
				}
			}
			if n >= s.o.MaxInterruptions {
				r.Status = depc.RunFailed
				at := now.Unix()
				r.FinishedAt = &at
				r.Errors = append(r.Errors, depc.RunError{Error: fmt.Sprintf("interrupted %d times by the end of its process; given up", n+1)})
				s.log.Warn("run failed after interruptions", "team", r.Team, "run", r.ID, "interruptions", n+1)
			} else {
				r.Status = depc.RunQueued
				r.StartedAt = nil
				r.Errors = append(r.Errors, depc.RunError{Error: interruptedPrefix + "its process ended at or before " + now.UTC().Format(time.RFC3339) + "; queued again"})
				s.log.Warn("interrupted run queued again", "team", r.Team, "run", r.ID, "progress", r.Progress)
			}
			if err := s.state.UpdateRun(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// requeue puts a run back in the queue with its progress, when the
// scheduler stops while it runs.
func (s *Scheduler) requeue(r depc.Run) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.Status, r.StartedAt = depc.RunQueued, nil
	if err := s.state.UpdateRun(ctx, r); err != nil {
		s.log.Error("queue interrupted run again", "team", r.Team, "run", r.ID, "err", err)
	}
	s.notify()
}
