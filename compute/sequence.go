package compute

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"time"

	"github.com/depc-dev/depc"
)

// Sequence computes days of one team one after another — the days of a
// backfill — reading the team's graph once for as many of them as it
// stays the same, and computing each next day while the one before is
// written.
//
// When the graph store offers depc.GraphVersioner, the snapshot of a day
// covers the days the caller says come next, and the next days are
// computed from it while
//   - no node or relation period of the team starts or ends between the
//     start of the day it was read for and the end of the day computed
//     (the graph of each of those days is then the same graph), and
//   - the team's graph version is the one read before the snapshot (no
//     message, deletion or rename was written since; a message that
//     arrives during a backfill is in every day computed after it), and
//   - the config's labels are those it was read for.
//
// Otherwise the day's graph is read again, as Computer.Day does.
//
// With a GraphVersioner too, Day computes the next day the caller names
// ahead — graph, sources and engine, everything but the write — while it
// writes the day asked for, and the next Day of that day only writes it
// (computing the one after it ahead in turn). It writes it only if it is
// what computing the day at that call would give: the day has ended (its
// measurements are in), and the team, config, rules, checks, sources,
// variables, the day's maintenance windows, what its shared sources
// resolve to and the graph version are those the computation ahead read;
// otherwise the day is computed again then. Measurements are read that
// much earlier, as any computation reads them some time before it writes.
//
// Results are the same as computing each day on its own at the moment Day
// is called. A Sequence holds at most one graph, the size of a day's, and
// at most one day computed ahead besides the day it writes (about as much
// memory again as a day); Close stops and drops it. It is not safe for
// concurrent use (a scheduler never computes two days of one team at
// once).
type Sequence struct {
	c     *Computer
	team  string
	kept  *keptGraph
	ahead *aheadDay
	// Reused counts the days written that were computed from a graph read
	// for an earlier day, and Ahead those written from a computation done
	// ahead (for tests and figures).
	Reused, Ahead int
}

// keptGraph is a team's graph kept for later days: the graph of every
// window inside [from, until), read at the graph version, over the
// labels.
type keptGraph struct {
	g           *graph
	version     int64
	labels      []string
	from, until int64
}

// aheadDay is a day being computed ahead, in its own goroutine, which
// sets d or err and then closes done. The goroutine alone touches the
// Sequence's kept graph until then.
type aheadDay struct {
	day    string
	cancel context.CancelFunc
	done   chan struct{}
	d      *computedDay
	err    error
	// stopped is set when it was cancelled: whatever it gives is dropped.
	stopped bool
}

// errNotOver stops the computation ahead of a day not over yet: its
// measurements may still come.
var errNotOver = errors.New("the day is not over")

// Sequence returns a Sequence computing the team's days with c.
func (c *Computer) Sequence(team string) *Sequence { return &Sequence{c: c, team: team} }

// Team returns the team whose days s computes.
func (s *Sequence) Team() string { return s.team }

// Close stops the day s computes ahead, if any, waits for its goroutine
// to end, and drops it and the graph s keeps. s stays usable.
func (s *Sequence) Close() {
	if a := s.ahead; a != nil {
		a.cancel()
		<-a.done
		s.ahead = nil
	}
	s.kept = nil
}

// Day computes the team's day like Computer.Day. later are the days the
// caller means to compute next with s, a hint (any day may follow): the
// graph read for this day then covers them too, so that they reuse it
// while it does not change, and the first of them is computed ahead while
// this one is written. Day returns once this day's results are written
// (or it failed: nothing is computed ahead then). Without later days
// nothing is kept.
func (s *Sequence) Day(ctx context.Context, day string, later ...string) (Report, error) {
	return s.c.day(ctx, s, s.team, day, later)
}

// computed returns the day computed, not yet written: the computation
// done ahead if it was of this day and still holds, else one done now.
func (s *Sequence) computed(ctx context.Context, day string, later []string) (*computedDay, error) {
	t0 := time.Now()
	a := s.ahead
	if a != nil {
		if a.day != day {
			s.stopAhead()
		}
		select {
		case <-a.done:
		case <-ctx.Done():
			// Close or the next Day waits for it.
			s.stopAhead()
			return &computedDay{rep: Report{Team: s.team, Day: day}}, depc.WrapError(depc.EUNAVAILABLE, ctx.Err(), "computation stopped")
		}
		s.ahead = nil
		a.cancel()
	}
	t1 := time.Now()
	st, err := s.c.loadSetup(ctx, s.team)
	if err != nil {
		return &computedDay{rep: Report{Team: s.team, Day: day}}, err
	}
	if a != nil && !a.stopped && a.err == nil && s.holds(ctx, a.d, st) {
		d := a.d
		d.rep.Ahead = true
		d.rep.Timings.Wait = t1.Sub(t0)
		d.rep.Timings.Setup = time.Since(t1)
		return d, nil
	}
	a = nil // dropped before the day is computed again: one day at a time
	d, err := s.c.compute(ctx, s, st, day, later, t1)
	d.rep.Timings.Wait = t1.Sub(t0)
	return d, err
}

// holds reports whether d, a day computed ahead from a graph version read
// first, is what computing it now would give: the same setup as st (read
// now), the same graph version, the same maintenance windows over the day
// and the same resolutions of the shared sources it used. A read that
// fails says no: the day is computed again, and fails as it fails.
func (s *Sequence) holds(ctx context.Context, d *computedDay, st *setup) bool {
	gv, ok := s.c.graph.(depc.GraphVersioner)
	if !ok || !reflect.DeepEqual(d.s, st) {
		return false
	}
	if v, err := gv.GraphVersion(ctx, s.team); err != nil || v != d.version {
		return false
	}
	if d.maint.read {
		w := d.rep.Window
		ms, err := s.c.state.Maintenances(ctx, s.team, w.Start, w.End)
		if err != nil || len(ms)+len(d.maint.ms) > 0 && !reflect.DeepEqual(ms, d.maint.ms) {
			return false
		}
	}
	u := &d.e.shared
	if u.unstable {
		return false
	}
	for name, r := range u.resolved {
		sc, err := s.c.resolve(ctx, s.team, st.sources[name])
		if !reflect.DeepEqual(resolutionOf(sc, err), r) {
			return false
		}
	}
	return true
}

// startAhead starts computing the first of the later days ahead, when the
// graph store can tell whether the graph changed meanwhile.
func (s *Sequence) startAhead(ctx context.Context, later []string) {
	if len(later) == 0 || s.ahead != nil || s.c.NoAhead {
		return
	}
	if _, ok := s.c.graph.(depc.GraphVersioner); !ok {
		return
	}
	// Its own context: it outlives this call (a scheduler's day ends its
	// lease's context), and ends with the next Day or Close.
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a := &aheadDay{day: later[0], cancel: cancel, done: make(chan struct{})}
	rest := slices.Clone(later[1:])
	s.ahead = a
	go func() {
		defer close(a.done)
		a.d, a.err = s.computeAhead(actx, a.day, rest)
	}()
}

// stopAhead cancels the day computed ahead, if any: Close or the next Day
// waits for its end.
func (s *Sequence) stopAhead() {
	if a := s.ahead; a != nil {
		a.stopped = true
		a.cancel()
	}
}

// computeAhead computes a day ahead: the graph version first (holds
// compares it), then the setup, then the day if it is over.
func (s *Sequence) computeAhead(ctx context.Context, day string, later []string) (*computedDay, error) {
	t0 := time.Now()
	v, err := s.c.graph.(depc.GraphVersioner).GraphVersion(ctx, s.team)
	if err != nil {
		return nil, err
	}
	st, err := s.c.loadSetup(ctx, s.team)
	if err != nil {
		return nil, err
	}
	w, err := DayWindow(day, st.team.Timezone)
	if err != nil {
		return nil, err
	}
	if w.End > s.c.now().Unix() {
		return nil, errNotOver
	}
	d, err := s.c.compute(ctx, s, st, day, later, t0)
	if err != nil {
		return nil, err
	}
	d.version = v
	return d, nil
}

// written counts a day written.
func (s *Sequence) written(d *computedDay) {
	if d.reused {
		s.Reused++
	}
	if d.rep.Ahead {
		s.Ahead++
	}
}

// dayGraph returns the team's graph during w (maintenance not yet
// excluded), either the one s keeps or one read now, and keeps the one
// read when the days later may reuse it. reused is true for a graph read
// for an earlier day.
func (s *Sequence) dayGraph(ctx context.Context, st *setup, w depc.Window, order, later []string) (g *graph, reused bool, err error) {
	ld, err := newLoader(w, order)
	if err != nil {
		return nil, false, err
	}
	gv, versioned := s.c.graph.(depc.GraphVersioner)
	if k := s.kept; k != nil {
		if versioned && w.Start >= k.from && w.End <= k.until && slices.Equal(k.labels, ld.g.labels) {
			v, err := gv.GraphVersion(ctx, s.team)
			if err != nil {
				return nil, false, err
			}
			if v == k.version {
				// Reused when read for an earlier day (not by a
				// computation ahead of this one given up).
				return k.g.forWindow(w), w.Start > k.from, nil
			}
		}
		s.kept = nil // before the next read: one graph at a time
	}
	horizon := w.End
	if versioned {
		for _, d := range later {
			lw, err := DayWindow(d, st.team.Timezone)
			if err == nil && lw.Start >= w.Start {
				horizon = max(horizon, lw.End)
			}
		}
	}
	var version int64
	read := w
	if horizon > w.End {
		// Read before the snapshot: a write that lands between the two
		// changes the version, and the graph is read again next time.
		if version, err = gv.GraphVersion(ctx, s.team); err != nil {
			return nil, false, err
		}
		read.End = horizon
		ld.wide, ld.next = true, horizon
	}
	if err := s.c.graph.Snapshot(ctx, s.team, read, ld.g.labels, ld); err != nil {
		return nil, false, err
	}
	g = ld.finish()
	if until := min(ld.next, horizon); ld.wide && until > w.End && len(g.partial) == 0 {
		s.kept = &keptGraph{g: g, version: version, labels: g.labels, from: w.Start, until: until}
		return g.forWindow(w), false, nil
	}
	return g, false, nil
}

// forWindow returns g as the graph of another window over which every node
// and relation is active throughout or not at all (g has no partial
// periods), sharing g's arrays: exclude copies those it changes.
func (g *graph) forWindow(w depc.Window) *graph {
	h := *g
	h.w = w
	h.shared = true
	return &h
}

// own gives g its own periods before they are changed.
func (g *graph) own() {
	if g.shared {
		g.per = slices.Clone(g.per)
		g.partial = slices.Clip(slices.Clone(g.partial))
		g.shared = false
	}
}

// boundary lowers l.next to the first start or end of a period of ps after
// the start of the day.
func (l *loader) boundary(ps depc.Periods) {
	t := l.g.w.Start
	i, _ := slices.BinarySearchFunc(ps, t, func(p depc.Period, t int64) int {
		if p.To > t {
			return 1
		}
		return -1
	})
	if i == len(ps) {
		return
	}
	b := ps[i].To
	if ps[i].From > t {
		b = ps[i].From
	}
	l.next = min(l.next, b)
}
