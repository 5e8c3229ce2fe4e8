package compute

import (
	"context"

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
