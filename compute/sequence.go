package compute

import (
	"context"
	"slices"

	"github.com/depc-dev/depc"
)

// Sequence computes days of one team one after another — the days of a
// backfill — and reads the team's graph once for as many of them as it
// stays the same: when the graph store offers depc.GraphVersioner, the
// snapshot of a day covers the days the caller says come next, and the
// next days are computed from it while
//   - no node or relation period of the team starts or ends between the
//     start of the day it was read for and the end of the day computed
//     (the graph of each of those days is then the same graph), and
//   - the team's graph version is the one read before the snapshot (no
//     message, deletion or rename was written since; a message that
//     arrives during a backfill is in every day computed after it), and
//   - the config's labels are those it was read for.
//
// Otherwise the day's graph is read again, as Computer.Day does: results
// are the same as computing each day on its own at that moment. A Sequence
// holds at most one graph, the size of a day's; it is not safe for
// concurrent use (a scheduler never computes two days of one team at
// once).
type Sequence struct {
	c    *Computer
	team string
	kept *keptGraph
	// Reused counts the days computed from a graph read for an earlier
	// day (for tests and figures).
	Reused int
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

// Sequence returns a Sequence computing the team's days with c.
func (c *Computer) Sequence(team string) *Sequence { return &Sequence{c: c, team: team} }

// Team returns the team whose days s computes.
func (s *Sequence) Team() string { return s.team }

// Close drops the graph s keeps. s stays usable.
func (s *Sequence) Close() { s.kept = nil }

// Day computes the team's day like Computer.Day. later are the days the
// caller means to compute next with s, a hint (any day may follow): the
// graph read for this day then covers them too, so that they reuse it
// while it does not change. Without later days nothing is kept.
func (s *Sequence) Day(ctx context.Context, day string, later ...string) (Report, error) {
	return s.c.day(ctx, s, s.team, day, later)
}

// dayGraph returns the team's graph during w (maintenance not yet
// excluded), either the one s keeps or one read now, and keeps the one read
// when the days later may reuse it.
func (s *Sequence) dayGraph(ctx context.Context, st *setup, w depc.Window, order, later []string) (*graph, error) {
	ld, err := newLoader(w, order)
	if err != nil {
		return nil, err
	}
	gv, versioned := s.c.graph.(depc.GraphVersioner)
	if k := s.kept; k != nil {
		if versioned && w.Start >= k.from && w.End <= k.until && slices.Equal(k.labels, ld.g.labels) {
			v, err := gv.GraphVersion(ctx, s.team)
			if err != nil {
				return nil, err
			}
			if v == k.version {
				s.Reused++
				return k.g.forWindow(w), nil
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
			return nil, err
		}
		read.End = horizon
		ld.wide, ld.next = true, horizon
	}
	if err := s.c.graph.Snapshot(ctx, s.team, read, ld.g.labels, ld); err != nil {
		return nil, err
	}
	g := ld.finish()
	if until := min(ld.next, horizon); ld.wide && until > w.End && len(g.partial) == 0 {
		s.kept = &keptGraph{g: g, version: version, labels: g.labels, from: w.Start, until: until}
		return g.forWindow(w), nil
	}
	return g, nil
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
