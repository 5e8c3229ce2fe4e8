package compute

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// rcFetch is how a root cause computes its rule nodes: the sources are
// asked for the team's whole days the window meets, one Fetch per check
// and day, as the runs asked for them, and each day's indicator is cut to
// the window. So a window's timelines are the days' own (a source such as
// Fake answers differently for different windows), and a window split in
// two gives the same timelines as the whole. Each rule node's check
// timelines are kept to explain it.
type rcFetch struct {
	days []depc.Window
	// checks[i] are rule node i's check timelines over the window, in the
	// rule's order, the checks that could not be resolved left out.
	checks [][]checkTimeline
}

type checkTimeline struct {
	check string
	tl    qos.Timeline
}

// teamDays returns the windows of the days, in a time zone, that meet w.
func teamDays(w depc.Window, timezone string) ([]depc.Window, error) {
	loc, err := location(timezone)
	if err != nil {
		return nil, err
	}
	var days []depc.Window
	t := time.Unix(w.Start, 0).In(loc)
	y, m, d := t.Date()
	for {
		start := time.Date(y, m, d, 0, 0, 0, 0, loc).Unix()
		end := time.Date(y, m, d+1, 0, 0, 0, 0, loc).Unix()
		if start >= w.End {
			return days, nil
		}
		days = append(days, depc.Window{Start: start, End: end})
		d++
	}
}

// fetchDays evaluates one check for the nodes [lo, hi) of a label day by
// day (rcFetch) and folds each node's indicator into its timeline so far,
// as fetch does.
func (e *eval) fetchDays(ctx context.Context, label, rule string, ch depc.Check, src depc.Source, b qos.Bound, lo, hi int32, known []bool) error {
	if e.rc.checks == nil {
		e.rc.checks = make([][]checkTimeline, len(e.g.names))
	}
	w := e.g.w
	names := e.g.names[lo:hi]
	eng := new(qos.Engine)
	pieces := make([][]qos.Interval, hi-lo)
	var pts [][]qos.Point
	missing := ch.Parameters.MissingPolicy()
	answered := make([]bool, len(names))
	for _, day := range e.rc.days {
		cut := depc.Window{Start: max(day.Start, w.Start), End: min(day.End, w.End)}
		add := func(k int, t qos.Timeline) {
			for _, iv := range t.Intervals() {
				if from, to := max(iv.From, cut.Start), min(iv.To, cut.End); from < to && iv.State != qos.Unknown {
					pieces[k] = append(pieces[k], qos.Interval{From: from, To: to, State: iv.State})
				}
			}
		}
		clear(answered)
		rendered, err := e.s.render(ch, rule, day)
		if err != nil {
			for _, name := range names {
				e.errs.add(label, name, fmt.Sprintf("check %q: %s", ch.Name, depc.ErrorMessage(err)))
			}
			continue
		}
		err = src.Fetch(ctx, rendered.Parameters, day, names, func(r depc.SourceResult) {
			k, ok := slices.BinarySearch(names, r.Name)
			if !ok {
				return
			}
			answered[k] = true
			if r.Err != nil {
				e.errs.add(label, r.Name, fmt.Sprintf("check %q: %s", ch.Name, errorText(r.Err)))
				return
			}
			pts = pts[:0]
			for _, s := range r.Series {
				pts = append(pts, s.Points)
			}
			add(k, eng.IndicatorMissing(day, b, pts, missing))
		})
		if err != nil {
			return err
		}
		// A node the source answered nothing for has no series (fetch).
		if missing.State != qos.Unknown {
			for k, a := range answered {
				if !a {
					add(k, qos.Constant(day, missing.State))
				}
			}
		}
	}
	pair := make([]qos.Timeline, 2)
	for k := range pieces {
		t := withGaps(w, pieces[k])
		i := lo + int32(k)
		e.rc.checks[i] = append(e.rc.checks[i], checkTimeline{check: ch.Name, tl: t})
		if isUnknown(t) {
			continue
		}
		if !known[k] {
			e.tl[i], known[k] = t, true
			continue
		}
		pair[0], pair[1] = e.tl[i], t
		e.tl[i] = eng.Rule(w, always, pair)
	}
	return nil
}

// withGaps returns the timeline over w made of sorted, disjoint intervals,
// Unknown between them.
func withGaps(w depc.Window, ivs []qos.Interval) qos.Timeline {
	all := make([]qos.Interval, 0, 2*len(ivs)+1)
	at := w.Start
	for _, iv := range ivs {
		if iv.From > at {
			all = append(all, qos.Interval{From: at, To: iv.From, State: qos.Unknown})
		}
		all = append(all, iv)
		at = iv.To
	}
	if at < w.End {
		all = append(all, qos.Interval{From: at, To: w.End, State: qos.Unknown})
	}
	t, err := qos.NewTimeline(w, all)
	if err != nil {
		return qos.Constant(w, qos.Unknown)
	}
	return t
}
