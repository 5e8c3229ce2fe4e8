// Package scheduler runs depc's computations: a nightly gocron job that
// queues yesterday (in each team's time zone) for every team with a
// config, a queue of runs kept in the state store (on-demand runs and
// backfills of day ranges, progress = days done / days), catch-up of the
// nights missed while no scheduler ran, and the days that a dead process
// left unfinished. The body of every day is compute.Computer.Day.
//
// Rules:
//   - Any number of Schedulers, in as many processes on as many machines,
//     share a state store. A run's days are the units of work: a worker
//     claims one (depc.RunStore.ClaimDay) with a lease of Options.LeaseTTL
//     that it renews every third of it while it computes the day, then
//     records it (FinishDay). Nobody computes a day whose lease is alive;
//     a worker whose lease was lost (taken over, or not renewed in time)
//     stops before writing results and records nothing.
//   - One Scheduler computes at most Options.Workers days at once, never
//     two of one team (a team's day uses every core and its memory); other
//     processes compute other days of the same runs.
//   - A day whose lease expired was interrupted by the end of its worker's
//     process: the next claim takes it over and computes it again (results
//     of a day are replaced atomically, so a day cut short left nothing half
//     written), with an error entry on the run saying so; a day interrupted
//     more than Options.MaxInterruptions times fails its run (it may be
//     what kills the process: memory). Stopping a Scheduler gives its days
//     back without counting an interruption.
//   - The nightly job runs in one Scheduler among those whose timers fire
//     (gocron's distributed Locker on a lease of the state store, held for
//     jobLeaseTTL); the catch-up at start in one of those starting together
//     (a lease held while it runs). A night of day D is the first nightly
//     time (UTC) at or after D's end in the team's zone; it was missed when
//     it passed while the team had a config and D has neither results nor
//     a queued or running run (CatchUp).
//
// Files: scheduler.go (Options, New, Start, Stop), queue.go (Enqueue, Wait,
// the workers, a day's computation, RunNow), nightly.go (Nightly, CatchUp,
// the job's locker) and recovery.go (renewing a day's lease while it is
// computed, giving a day back).
package scheduler
