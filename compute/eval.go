package compute

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/expr"
)

// eval computes every node of a graph for its window: rule labels from
// their sources, then operation and aggregation labels in topological
// order (semantics §4–§6).
type eval struct {
	c     *Computer
	s     *setup
	g     *graph
	order []string // labels in topological order
	kind  []expr.Kind
	errs  *errorList

	// tl is the timeline of each rule or operation node.
	tl []qos.Timeline
	// agg is the QoS of each aggregation node.
	agg []qos.QoS
	// part marks the edges (indexes into g.child) of the children that
	// took part in their parent's operation or aggregation.
	part []bool
	// rc, for a root cause, asks the sources for whole days and keeps
	// each rule node's check timelines (rootcause_eval.go); nil for runs.
	rc *rcFetch
	// shared notes what the shared sources used resolved to: a day
	// computed ahead (Sequence) is kept only if they resolve the same
	// when it is written.
	shared sharedUses
}

// sharedUses are the resolutions of the shared sources a computation used,
// by source name. unstable is true when one resolved to two different
// configurations during the computation.
type sharedUses struct {
	mu       sync.Mutex
	resolved map[string]resolution
	unstable bool
}

// resolution is what Computer.resolve returned for a source: its
// configuration, or its error's message.
type resolution struct {
	sc  depc.SourceConfig
	err string
}

func resolutionOf(sc depc.SourceConfig, err error) resolution {
	if err != nil {
		return resolution{err: err.Error()}
	}
	return resolution{sc: sc}
}

func (u *sharedUses) note(name string, r resolution) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if old, ok := u.resolved[name]; ok {
		u.unstable = u.unstable || !reflect.DeepEqual(old, r)
		return
	}
	if u.resolved == nil {
		u.resolved = map[string]resolution{}
	}
	u.resolved[name] = r
}

func (c *Computer) newEval(s *setup, g *graph, order []string) *eval {
	e := &eval{c: c, s: s, g: g, order: order, errs: c.newErrors(),
		kind: make([]expr.Kind, len(g.labels)),
		tl:   make([]qos.Timeline, len(g.names)),
		part: make([]bool, len(g.child)),
	}
	hasAgg := false
	for i, l := range g.labels {
		e.kind[i] = s.config[l].QoS.Kind
		hasAgg = hasAgg || e.kind[i].IsAggregation()
	}
	if hasAgg {
		e.agg = make([]qos.QoS, len(g.names))
	}
	return e
}

// qosOf returns the QoS of node i.
func (e *eval) qosOf(i int32) qos.QoS {
	if e.kind[e.g.label[i]].IsAggregation() {
		return e.agg[i]
	}
	return e.tl[i].QoS()
}

// sources computes the rule labels.
func (e *eval) sources(ctx context.Context) error {
	for _, label := range e.order {
		lc := e.s.config[label]
		if lc.QoS.Kind != expr.Rule {
			continue
		}
		if err := e.rule(ctx, label, lc.QoS.Rule); err != nil {
			return err
		}
	}
	return nil
}

// engine computes the operation and aggregation labels.
func (e *eval) engine(ctx context.Context) error {
	for _, label := range e.order {
		if err := ctx.Err(); err != nil {
			return depc.WrapError(depc.EUNAVAILABLE, err, "computation stopped")
		}
		li, ok := e.g.labelIndex(label)
		if !ok {
			continue
		}
		x := e.s.config[label].QoS
		listed := make([]bool, len(e.g.labels))
		for _, l := range x.Labels {
			if j, ok := e.g.labelIndex(l); ok {
				listed[j] = true
			}
		}
		lo, hi := e.g.nodes(li)
		if op, ok := qos.OperationOf(x); ok {
			e.parallel(lo, hi, func(eng *qos.Engine, lo, hi int32) { e.operate(eng, op, listed, lo, hi) })
		} else if a, ok := qos.AggregatorOf(x); ok {
			e.parallel(lo, hi, func(_ *qos.Engine, lo, hi int32) { e.aggregate(a, listed, lo, hi) })
		}
	}
	return nil
}

// parallel runs fn over [lo, hi) in chunks, one goroutine and one Engine
// per chunk. Each node is computed alone, so the result does not depend on
// the chunks.
func (e *eval) parallel(lo, hi int32, fn func(eng *qos.Engine, lo, hi int32)) {
	cs := chunks(lo, hi, e.c.parallelism())
	if len(cs) == 1 {
		fn(new(qos.Engine), lo, hi)
		return
	}
	var wg sync.WaitGroup
	for _, ch := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(new(qos.Engine), ch[0], ch[1])
		}()
	}
	wg.Wait()
}

// chunks splits [lo, hi) into at most n ranges of at least minChunk nodes.
func chunks(lo, hi int32, n int) [][2]int32 {
	size := hi - lo
	k := int32(max(1, min(n, int(size/minChunk))))
	out := make([][2]int32, 0, k)
	for i := range k {
		a := lo + size*i/k
		b := lo + size*(i+1)/k
		out = append(out, [2]int32{a, b})
	}
	return out
}

func (e *eval) operate(eng *qos.Engine, op qos.Operation, listed []bool, lo, hi int32) {
	g := e.g
	var children []qos.Child
	var edges []int32
	for p := lo; p < hi; p++ {
		children, edges = children[:0], edges[:0]
		for j := g.off[p]; j < g.off[p+1]; j++ {
			c := g.child[j]
			if !listed[g.label[c]] {
				continue
			}
			children = append(children, qos.Child{Timeline: &e.tl[c], Periods: g.periods(g.per[c]), Relation: g.periods(g.relPer[j])})
			edges = append(edges, j)
		}
		e.tl[p] = eng.Operate(g.w, op, g.periods(g.per[p]), children)
		for k := range children {
			if children[k].Part > 0 {
				e.part[edges[k]] = true
			}
		}
	}
}

func (e *eval) aggregate(a qos.Aggregator, listed []bool, lo, hi int32) {
	g := e.g
	var values []qos.QoS
	for p := lo; p < hi; p++ {
		values = values[:0]
		if g.per[p] != perNone {
			for j := g.off[p]; j < g.off[p+1]; j++ {
				c := g.child[j]
				if !listed[g.label[c]] || !qos.ActiveTogether(g.periods(g.relPer[j]), g.periods(g.per[c]), g.w) {
					continue
				}
				q := e.qosOf(c)
				if q.Valid {
					values = append(values, q)
					e.part[j] = true
				}
			}
		}
		e.agg[p] = qos.Aggregate(a, values)
	}
}

// rule computes the nodes of a rule label: each check is fetched for every
// node of the label (one Fetch per check and chunk), its indicator
// timelines folded into the nodes' rule timelines as they arrive.
func (e *eval) rule(ctx context.Context, label, ruleName string) error {
	li, ok := e.g.labelIndex(label)
	if !ok {
		return nil
	}
	lo, hi := e.g.nodes(li)
	if lo == hi {
		return nil
	}
	rule, ok := e.s.rules[ruleName]
	if !ok { // Validate checked it; the rule may have gone since.
		e.errs.add(label, "", fmt.Sprintf("rule %q does not exist", ruleName))
	}
	known := make([]bool, hi-lo)
	for _, name := range rule.Checks {
		ch, src, release, bound, err := e.check(ctx, name)
		if err != nil {
			for i := lo; i < hi; i++ {
				e.errs.add(label, e.g.names[i], err.Error())
			}
			continue
		}
		if e.rc != nil {
			err := e.fetchDays(ctx, label, ruleName, ch, src, bound, lo, hi, known)
			release()
			if err != nil {
				return depc.WrapError(depc.EUNAVAILABLE, err, "label %s: check %q: fetch stopped", label, ch.Name)
			}
			continue
		}
		ch, err = e.s.render(ch, ruleName, e.g.w)
		if err != nil {
			release()
			for i := lo; i < hi; i++ {
				e.errs.add(label, e.g.names[i], fmt.Sprintf("check %q: %s", name, depc.ErrorMessage(err)))
			}
			continue
		}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			stopped error
		)
		for _, part := range chunks(lo, hi, e.c.parallelism()) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := e.fetch(ctx, label, ch, src, bound, part[0], part[1], known[part[0]-lo:part[1]-lo]); err != nil {
					mu.Lock()
					stopped = err
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		release()
		if stopped != nil {
			return depc.WrapError(depc.EUNAVAILABLE, stopped, "label %s: check %q: fetch stopped", label, ch.Name)
		}
	}
	// Unknown where no indicator was known, and wherever the node is not
	// active.
	e.parallel(lo, hi, func(eng *qos.Engine, a, b int32) {
		for i := a; i < b; i++ {
			switch {
			case !known[i-lo] || e.g.per[i] == perNone:
				e.tl[i] = qos.Constant(e.g.w, qos.Unknown)
			case e.g.per[i] != perFull:
				e.tl[i] = e.tl[i].Restrict(e.g.periods(e.g.per[i]))
			}
		}
	})
	return nil
}

// check resolves a check of a rule: the check, its opened source (and the
// function that releases it) and its bound. An error here concerns every
// node of the label.
func (e *eval) check(ctx context.Context, name string) (depc.Check, depc.Source, func(), qos.Bound, error) {
	ch, ok := e.s.checks[name]
	if !ok {
		return ch, nil, nil, qos.Bound{}, fmt.Errorf("check %q does not exist", name)
	}
	b, err := ch.Bound()
	if err != nil {
		return ch, nil, nil, qos.Bound{}, fmt.Errorf("check %q: %v", name, err)
	}
	sc, ok := e.s.sources[ch.Source]
	if !ok {
		return ch, nil, nil, qos.Bound{}, fmt.Errorf("check %q: source %q does not exist", name, ch.Source)
	}
	src, release, err := e.source(ctx, sc)
	if err != nil {
		return ch, nil, nil, qos.Bound{}, fmt.Errorf("check %q: source %q: %s", name, sc.Name, depc.ErrorMessage(err))
	}
	return ch, src, release, b, nil
}

// source is Computer.source, noting what a shared source resolved to.
func (e *eval) source(ctx context.Context, sc depc.SourceConfig) (depc.Source, func(), error) {
	if sc.Plugin != depc.PluginShared || e.c.open == nil {
		return e.c.source(ctx, e.s.team.Name, sc)
	}
	r, err := e.c.resolve(ctx, e.s.team.Name, sc)
	e.shared.note(sc.Name, resolutionOf(r, err))
	if err != nil {
		return nil, nil, err
	}
	return e.c.openResolved(ctx, e.s.team.Name, r)
}

// fetch evaluates one check for the nodes [lo, hi) of a label and folds
// each indicator into the node's timeline so far (known[i-lo] says there
// is one). The node names of a label are sorted, so a result finds its
// node by binary search.
//
// Under a missing-data policy of OK or KO (CheckParameters.Missing), a node
// the source answered nothing for has no series: the policy's state all
// along.
func (e *eval) fetch(ctx context.Context, label string, ch depc.Check, src depc.Source, b qos.Bound, lo, hi int32, known []bool) error {
	names := e.g.names[lo:hi]
	eng := new(qos.Engine)
	var pts [][]qos.Point
	pair := make([]qos.Timeline, 2)
	missing := ch.Parameters.MissingPolicy()
	var answered []bool
	if missing.State != qos.Unknown {
		answered = make([]bool, len(names))
	}
	fold := func(k int, t qos.Timeline) {
		i := lo + int32(k)
		if !known[k] {
			e.tl[i], known[k] = t, true
			return
		}
		pair[0], pair[1] = e.tl[i], t
		e.tl[i] = eng.Rule(e.g.w, always, pair)
	}
	err := src.Fetch(ctx, ch.Parameters, e.g.w, names, func(r depc.SourceResult) {
		k, ok := slices.BinarySearch(names, r.Name)
		if !ok {
			return // not asked for
		}
		if answered != nil {
			answered[k] = true
		}
		if r.Err != nil {
			e.errs.add(label, r.Name, fmt.Sprintf("check %q: %s", ch.Name, errorText(r.Err)))
			return
		}
		pts = pts[:0]
		for _, s := range r.Series {
			pts = append(pts, s.Points)
		}
		t := eng.IndicatorMissing(e.g.w, b, pts, missing)
		if isUnknown(t) {
			return
		}
		fold(k, t)
	})
	if err != nil {
		return err
	}
	for k, a := range answered {
		if !a {
			fold(k, qos.Constant(e.g.w, missing.State))
		}
	}
	return nil
}

// isUnknown reports whether a timeline is Unknown throughout.
func isUnknown(t qos.Timeline) bool {
	ivs := t.Intervals()
	return len(ivs) == 1 && ivs[0].State == qos.Unknown
}

// errorText is the message of a source error as users may see it: the
// depc message of a depc error, the text of any other (a source's own
// errors are about the database, which its users know).
func errorText(err error) string {
	if depc.ErrorCode(err) != depc.EINTERNAL {
		return depc.ErrorMessage(err)
	}
	return err.Error()
}
