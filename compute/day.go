package compute

import (
	"cmp"
	"container/heap"
	"context"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/expr"
)

// Report is what the computation of a team's day did.
type Report struct {
	Team string `json:"team"`
	Day  string `json:"day"`
	// Window is the day in the team's time zone.
	Window depc.Window `json:"window"`
	// ConfigID is the config version computed.
	ConfigID int64 `json:"config_id"`
	// Nodes and Relations are the size of the graph computed; Nodes is
	// also the number of node results written.
	Nodes     int64 `json:"nodes"`
	Relations int64 `json:"relations"`
	// Errors are the failures of nodes and sources that did not stop the
	// computation (semantics §7), sorted by label and name.
	Errors  []depc.RunError `json:"errors"`
	Timings Timings         `json:"timings"`
	// Ahead is true when the day was computed ahead (Sequence): its
	// snapshot, sources and engine ran while the day before it was
	// written, and Timings.Wait is how long Day then waited for them.
	Ahead bool `json:"ahead"`
}

// Timings are the durations of the phases of a day's computation.
type Timings struct {
	// Setup reads the team, config, rules, checks and sources.
	Setup time.Duration `json:"setup"`
	// Snapshot streams the graph into memory.
	Snapshot time.Duration `json:"snapshot"`
	// Sources fetches the rule labels' measurements and evaluates them.
	Sources time.Duration `json:"sources"`
	// Engine computes operations, aggregations, averages and worst nodes.
	Engine time.Duration `json:"engine"`
	// Write replaces the day's results in one transaction.
	Write time.Duration `json:"write"`
	// Wait is how long Day waited for a computation ahead (Sequence) to
	// end. For a day written from its computation ahead (Report.Ahead) it
	// is the end of that computation's snapshot, sources and engine, which
	// ran before, and Setup is what Day read to check it still holds;
	// otherwise it is the time a computation given up took to stop.
	Wait time.Duration `json:"wait"`
}

// Total is the sum of the phases (not Wait, which is part of them): for a
// day computed ahead, more than the call to Day took.
func (t Timings) Total() time.Duration { return t.Setup + t.Snapshot + t.Sources + t.Engine + t.Write }

// Day computes a team's day ("YYYY-MM-DD" in its time zone) and replaces
// its results (semantics §7): the graph as it was during the day in one
// streaming snapshot, the rule labels' measurements in one Fetch per check
// (and per chunk of nodes, one per core), every node in memory in
// topological label order, and every result in one ReplaceDayResults.
//
// Failures of single nodes or sources do not stop it: they are in the
// report's Errors, and the nodes concerned get what the semantics give them
// (an erroring indicator is Unknown). An error is returned only when the day
// could not be computed: ENOTFOUND for an unknown team or a team without a
// config, EINVALID for a bad day or a config that no longer validates,
// EUNAVAILABLE when a store cannot be reached or ctx ends. Nothing is
// written then.
func (c *Computer) Day(ctx context.Context, team, day string) (Report, error) {
	return c.day(ctx, nil, team, day, nil)
}

// day computes a day with seq, a Sequence of the team (a new one when nil,
// Computer.Day): the day computed now or, when seq computed it ahead and
// it is still what computing it now would give, that computation. Then
// the next day, when later has one, is computed ahead while this one is
// written. It returns once the day's results are written.
func (c *Computer) day(ctx context.Context, seq *Sequence, team, day string, later []string) (Report, error) {
	if seq == nil {
		seq = c.Sequence(team)
	}
	d, err := seq.computed(ctx, day, later)
	if err != nil {
		return d.rep, err
	}
	seq.startAhead(ctx, later)
	t := time.Now()
	if err := c.state.ReplaceDayBatch(ctx, team, day, d.e.batch(d.q), d.labels, d.worst); err != nil {
		seq.stopAhead()
		return d.rep, err
	}
	d.rep.Timings.Write = time.Since(t)
	d.rep.Errors = d.e.errs.errors()
	seq.written(d)
	return d.rep, nil
}

// computedDay is a day computed and not yet written, with what its
// computation read besides the graph (to check a day computed ahead).
type computedDay struct {
	// rep is the report so far: everything but Errors and the write.
	rep    Report
	s      *setup
	e      *eval
	q      []qos.QoS
	labels []depc.LabelDayResult
	worst  map[string][]depc.WorstNode
	// reused is true when the graph was one read for an earlier day.
	reused bool
	maint  maintenanceRead
	// version is the team's graph version read before anything else, for
	// a day computed ahead.
	version int64
}

// compute computes the team's day from s, its setup read since t0,
// without writing it; seq gives the graph. rep is filled as far as it got
// when it fails.
func (c *Computer) compute(ctx context.Context, seq *Sequence, s *setup, day string, later []string, t0 time.Time) (*computedDay, error) {
	d := &computedDay{rep: Report{Team: seq.team, Day: day}, s: s}
	w, err := DayWindow(day, s.team.Timezone)
	if err != nil {
		return d, err
	}
	d.rep.Window, d.rep.ConfigID = w, s.configID
	order, err := s.config.TopoOrder()
	if err != nil {
		return d, depc.WrapError(depc.EINVALID, err, "config %d: %v", s.configID, err)
	}
	t1 := time.Now()
	d.rep.Timings.Setup = t1.Sub(t0)

	g, reused, err := seq.dayGraph(ctx, s, w, order, later)
	if err != nil {
		return d, err
	}
	d.reused = reused
	if d.maint, err = c.excludeRead(ctx, seq.team, g); err != nil {
		return d, err
	}
	d.rep.Nodes, d.rep.Relations = int64(len(g.names)), int64(len(g.child))
	t2 := time.Now()
	d.rep.Timings.Snapshot = t2.Sub(t1)

	e := c.newEval(s, g, order)
	if err := e.sources(ctx); err != nil {
		return d, err
	}
	t3 := time.Now()
	d.rep.Timings.Sources = t3.Sub(t2)

	if err := e.engine(ctx); err != nil {
		return d, err
	}
	d.e, d.q = e, e.nodeQoS()
	d.labels, d.worst = e.summaries(d.q, day)
	d.rep.Timings.Engine = time.Since(t3)
	return d, nil
}

// nodeQoS returns every node's QoS.
func (e *eval) nodeQoS() []qos.QoS {
	q := make([]qos.QoS, len(e.g.names))
	e.parallel(0, int32(len(q)), func(_ *qos.Engine, lo, hi int32) {
		for i := lo; i < hi; i++ {
			q[i] = e.qosOf(i)
		}
	})
	return q
}

// summaries returns the label averages and the worst nodes of every
// configured label (semantics §7), leaving out each label's
// average.exclude names.
func (e *eval) summaries(q []qos.QoS, day string) ([]depc.LabelDayResult, map[string][]depc.WorstNode) {
	limit := e.c.worstNodes()
	labels := make([]depc.LabelDayResult, 0, len(e.s.config))
	worst := map[string][]depc.WorstNode{}
	for _, label := range e.s.config.Labels() {
		lr := depc.LabelDayResult{Label: label, Day: day}
		li, ok := e.g.labelIndex(label)
		if !ok {
			labels = append(labels, lr)
			continue
		}
		exclude := map[string]bool{}
		for _, n := range e.s.config[label].AverageExclude {
			exclude[n] = true
		}
		lo, hi := e.g.nodes(li)
		lr.Nodes = int(hi - lo)
		var sum float64
		n := 0
		w := &worstHeap{}
		for i := lo; i < hi; i++ {
			if !q[i].Valid || exclude[e.g.names[i]] {
				continue
			}
			sum += q[i].Value
			n++
			if q[i].Value < 100 {
				w.offer(depc.WorstNode{Name: e.g.names[i], QoS: q[i].Value}, limit)
			}
		}
		if n > 0 {
			avg := sum / float64(n)
			lr.QoS = &avg
		}
		labels = append(labels, lr)
		if w.Len() > 0 {
			worst[label] = w.sorted()
		}
	}
	return labels, worst
}

// worstHeap keeps the lowest nodes seen: a max-heap whose root is the best
// of them, replaced when a worse one comes.
type worstHeap []depc.WorstNode

func worse(a, b depc.WorstNode) int {
	return cmp.Or(cmp.Compare(a.QoS, b.QoS), strings.Compare(a.Name, b.Name))
}

func (h worstHeap) Len() int           { return len(h) }
func (h worstHeap) Less(i, j int) bool { return worse(h[i], h[j]) > 0 }
func (h worstHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *worstHeap) Push(x any)        { *h = append(*h, x.(depc.WorstNode)) }
func (h *worstHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (h *worstHeap) offer(n depc.WorstNode, limit int) {
	if h.Len() < limit {
		heap.Push(h, n)
		return
	}
	if worse(n, (*h)[0]) < 0 {
		(*h)[0] = n
		heap.Fix(h, 0)
	}
}

// sorted returns the nodes lowest first.
func (h *worstHeap) sorted() []depc.WorstNode {
	out := make([]depc.WorstNode, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(depc.WorstNode)
	}
	return out
}

// batch hands every node's result to the store as they are held here,
// in (label, name) order: each filled in turn into one reused record, so a
// million results never exist at once, and children are node ids, not
// keys. The store trusts it (depc.DayBatch): names were validated when the
// graph was written.
func (e *eval) batch(q []qos.QoS) *depc.DayBatch {
	g := e.g
	return &depc.DayBatch{
		Labels: g.labels,
		Len:    int32(len(g.names)),
		Key:    func(i int32) (int32, string) { return int32(g.label[i]), g.names[i] },
		Result: func(i int32, r *depc.BatchResult) { e.fill(i, q[i], r) },
	}
}

// fill sets r to node i's result, appending to r's slices.
func (e *eval) fill(i int32, q qos.QoS, r *depc.BatchResult) {
	g := e.g
	kind := e.kind[g.label[i]]
	r.HasQoS, r.QoS = q.Valid, 0
	if q.Valid {
		r.QoS = q.Value
	}
	r.Timed, r.OK, r.KO, r.Unknown = false, 0, 0, 0
	if !kind.IsAggregation() {
		s := e.tl[i].Seconds()
		r.Timed, r.OK, r.KO, r.Unknown = true, s.OK, s.KO, s.Unknown
		r.Downtime = e.tl[i].AppendDowntime(r.Downtime)
	}
	if kind != expr.Rule {
		for j := g.off[i]; j < g.off[i+1]; j++ {
			if e.part[j] {
				r.Children = append(r.Children, g.child[j])
			}
		}
	}
}

// result returns node i's result (what batch hands the store for it):
// downtime empty rather than nil for a node with a timeline, children
// empty rather than nil for an operation or aggregation node.
func (e *eval) result(i int32, q qos.QoS, day string) depc.NodeDayResult {
	g := e.g
	var b depc.BatchResult
	e.fill(i, q, &b)
	r := depc.NodeDayResult{Label: g.labels[g.label[i]], Name: g.names[i], Day: day}
	if b.HasQoS {
		r.QoS = &b.QoS
	}
	if b.Timed {
		r.OK, r.KO, r.Unknown = &b.OK, &b.KO, &b.Unknown
		r.Downtime = b.Downtime
		if r.Downtime == nil {
			r.Downtime = []depc.Period{}
		}
	}
	if e.kind[g.label[i]] != expr.Rule {
		r.Children = make([]depc.NodeKey, len(b.Children))
		for j, c := range b.Children {
			r.Children[j] = g.key(c)
		}
	}
	return r
}
