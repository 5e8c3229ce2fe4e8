package compute

import (
	"context"
	"slices"

	"github.com/depc-dev/depc"
)

// LiveQoS computes a node's result for today so far, [local midnight, now)
// in the team's time zone, without storing anything: the node's dependency
// subgraph (one Subgraph read), the sources of its rule nodes, the engine
// over the labels the node's label needs. Its Day is today. Errors of
// single nodes or sources are returned with the result, as a run lists
// them; the nodes concerned are Unknown. ENOTFOUND for an unknown team or
// node, or a team without a config; EINVALID when the node's label is not
// configured; EUNAVAILABLE when a store cannot be reached.
func (c *Computer) LiveQoS(ctx context.Context, team string, key depc.NodeKey) (depc.NodeDayResult, []depc.RunError, error) {
	s, err := c.loadSetup(ctx, team)
	if err != nil {
		return depc.NodeDayResult{}, nil, err
	}
	if _, ok := s.config[key.Label]; !ok {
		return depc.NodeDayResult{}, nil, depc.Errorf(depc.EINVALID, "label: %s is not configured, so its nodes have no QoS", key.Label)
	}
	now := c.now()
	day, w, err := Today(now, s.team.Timezone)
	if err != nil {
		return depc.NodeDayResult{}, nil, err
	}
	w.End = max(now.Unix(), w.Start)
	order, err := s.config.TopoOrder(key.Label)
	if err != nil {
		return depc.NodeDayResult{}, nil, depc.WrapError(depc.EINVALID, err, "config %d: %v", s.configID, err)
	}
	ld, err := newLoader(w, order)
	if err != nil {
		return depc.NodeDayResult{}, nil, err
	}
	if w.Empty() {
		// The first second of the day: nothing is known yet. The
		// subgraph read still says whether the node exists.
		ld.g.w.End = w.Start + 1
	}
	if err := c.graph.Subgraph(ctx, team, key, ld.g.w, ld); err != nil {
		return depc.NodeDayResult{}, nil, err
	}
	g := ld.finish()
	g.w = w
	if err := c.exclude(ctx, team, g); err != nil {
		return depc.NodeDayResult{}, nil, err
	}
	root := g.find(key)
	if root < 0 {
		return depc.NodeDayResult{}, nil, depc.Errorf(depc.EINTERNAL, "subgraph of %s: the root was not delivered", key)
	}
	e := c.newEval(s, g, order)
	if !w.Empty() {
		if err := e.sources(ctx); err != nil {
			return depc.NodeDayResult{}, nil, err
		}
	}
	if err := e.engine(ctx); err != nil {
		return depc.NodeDayResult{}, nil, err
	}
	return e.result(root, e.qosOf(root), day), e.errs.errors(), nil
}

// LiveDay computes today so far, [local midnight, now) in the team's time
// zone, for every node of the given labels, without storing anything: the
// labels and those they need, snapshotted and computed as a run computes a
// day (so for a large team it costs most of a run, without the write). fn
// is called with each node of the given labels, in (label, name) order;
// labels that are not configured are left out. It returns today, its
// window so far and the errors of single nodes or sources. ENOTFOUND for
// an unknown team or a team without a config; EUNAVAILABLE when a store
// cannot be reached. An error from fn stops it and is returned as is.
func (c *Computer) LiveDay(ctx context.Context, team string, labels []string, fn func(depc.NodeDayResult) error) (string, depc.Window, []depc.RunError, error) {
	s, err := c.loadSetup(ctx, team)
	if err != nil {
		return "", depc.Window{}, nil, err
	}
	now := c.now()
	day, w, err := Today(now, s.team.Timezone)
	if err != nil {
		return "", depc.Window{}, nil, err
	}
	w.End = max(now.Unix(), w.Start)
	var wanted []string
	for _, l := range labels {
		if _, ok := s.config[l]; ok {
			wanted = append(wanted, l)
		}
	}
	slices.Sort(wanted)
	wanted = slices.Compact(wanted)
	if w.Empty() || len(wanted) == 0 {
		return day, w, nil, nil
	}
	order, err := s.config.TopoOrder(wanted...)
	if err != nil {
		return "", depc.Window{}, nil, depc.WrapError(depc.EINVALID, err, "config %d: %v", s.configID, err)
	}
	ld, err := newLoader(w, order)
	if err != nil {
		return "", depc.Window{}, nil, err
	}
	if err := c.graph.Snapshot(ctx, team, w, ld.g.labels, ld); err != nil {
		return "", depc.Window{}, nil, err
	}
	g := ld.finish()
	if err := c.exclude(ctx, team, g); err != nil {
		return "", depc.Window{}, nil, err
	}
	e := c.newEval(s, g, order)
	if err := e.sources(ctx); err != nil {
		return "", depc.Window{}, nil, err
	}
	if err := e.engine(ctx); err != nil {
		return "", depc.Window{}, nil, err
	}
	for _, l := range wanted {
		li, ok := g.labelIndex(l)
		if !ok {
			continue
		}
		lo, hi := g.nodes(li)
		for i := lo; i < hi; i++ {
			if err := fn(e.result(i, e.qosOf(i), day)); err != nil {
				return "", depc.Window{}, nil, err
			}
		}
	}
	return day, w, e.errs.errors(), nil
}
