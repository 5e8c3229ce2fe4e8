// Package scheduler runs depc's computations: a nightly gocron job that
// queues yesterday (in each team's time zone) for every team with a
// config, a queue of runs kept in the state store (on-demand runs and
// backfills of day ranges, progress = days done / days), catch-up of the
// nights missed while no scheduler ran, and recovery of the runs a dead
// process left running. The body of every run is compute.Computer.Day.
//
// Rules:
//   - One Scheduler per state store. It takes every queued run (ClaimRun)
//     and takes a run found running at its start for an interrupted one.
//   - Runs of one team never run at once; by default one run runs at a
//     time (Options.Workers), since a run already uses every core.
//   - A night of day D is the first nightly time (UTC) at or after D's end
//     in the team's zone; it was missed when it passed while the team had a
//     config and D has neither results nor a queued or running run
//     (CatchUp).
//   - A run found running at start is queued again and goes on after the
//     days it had finished; after Options.MaxInterruptions such restarts it
//     is failed (Recover). Stopping a Scheduler queues its running run
//     again the same way, without counting an interruption.
//
// Files: scheduler.go (Options, New, Start, Stop), queue.go (Enqueue, Wait,
// the workers, Execute, RunNow), nightly.go (Nightly, CatchUp) and
// recovery.go (Recover, and queueing a run again when its worker stops).
package scheduler
