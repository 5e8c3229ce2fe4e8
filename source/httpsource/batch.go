package httpsource

import (
	"context"
	"sync"

	"github.com/depc-dev/depc"
)

// Distinct returns names without repeats, in their first order: a Fetch
// calls its fn once per distinct name.
func Distinct(names []string) []string {
	out := make([]string, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// Run asks the batches of a Fetch with at most concurrency requests at
// once: query fetches one batch and returns its series by node name, names
// gives a batch's nodes. Each batch's results are given to fn, for each of
// its names, from the calling goroutine; a batch's failure is given to fn
// for each of its names while the other batches go on. Run returns an error
// only when ctx ends first, and no goroutine outlives it.
func Run[B any](ctx context.Context, concurrency int, batches []B, names func(B) []string,
	query func(context.Context, B) (map[string][]depc.Series, error), fn func(depc.SourceResult)) error {
	type result struct {
		b      B
		series map[string][]depc.Series
		err    error
	}
	ctx, cancel := context.WithCancel(ctx)
	todo := make(chan B)
	done := make(chan result)
	var wg sync.WaitGroup
	for range min(concurrency, len(batches)) {
		wg.Go(func() {
			for b := range todo {
				series, err := query(ctx, b)
				select {
				case done <- result{b: b, series: series, err: err}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer close(todo)
		for _, b := range batches {
			select {
			case todo <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	// Workers leave once ctx is cancelled, so the wait never blocks long:
	// no goroutine outlives Run.
	defer func() {
		cancel()
		wg.Wait()
	}()
	for range batches {
		var r result
		select {
		case r = <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil && ctx.Err() != nil {
			// The batch failed because the caller gave up, not because
			// of the server: that is not the nodes' error.
			return ctx.Err()
		}
		for _, n := range names(r.b) {
			if r.err != nil {
				fn(depc.SourceResult{Name: n, Err: r.err})
			} else {
				fn(depc.SourceResult{Name: n, Series: r.series[n]})
			}
		}
	}
	return nil
}
