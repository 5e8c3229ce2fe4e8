// Package scheduler runs nightly computations, backfills and on-demand
// runs with gocron.
package scheduler
