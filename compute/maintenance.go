package compute

import (
	"context"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// exclude takes the team's maintenance windows over g's window out of the
// periods of the nodes they cover (docs/objectives.md): a node is not
// active while in maintenance, so the engine makes it Unknown then —
// neither OK nor KO — and its parents leave it out as they leave out any
// child that is not active (semantics §4, §5). A window on a label covers
// its nodes, one on the team every node.
//
// Only the periods change, so every computation — runs, live QoS, root
// causes — sees the same exclusion. An aggregation node in maintenance for
// part of the window keeps its QoS, which comes from its children's.
func (c *Computer) exclude(ctx context.Context, team string, g *graph) error {
	_, err := c.excludeRead(ctx, team, g)
	return err
}

// maintenanceRead is what exclude read: the windows, and whether it read
// them at all (a graph with no node or an empty window needs none).
type maintenanceRead struct {
	read bool
	ms   []depc.Maintenance
}

// excludeRead is exclude, returning the maintenance windows it read.
func (c *Computer) excludeRead(ctx context.Context, team string, g *graph) (maintenanceRead, error) {
	if g.w.Empty() || len(g.names) == 0 {
		return maintenanceRead{}, nil
	}
	ms, err := c.state.Maintenances(ctx, team, g.w.Start, g.w.End)
	if err != nil || len(ms) == 0 {
		return maintenanceRead{read: err == nil}, err
	}
	g.excludeWindows(ms)
	return maintenanceRead{read: true, ms: ms}, nil
}

// excludeWindows takes the maintenance windows ms out of g's nodes.
func (g *graph) excludeWindows(ms []depc.Maintenance) {
	g.own()
	var all []depc.Period
	byLabel := map[string][]depc.Period{}
	byNode := map[depc.NodeKey][]depc.Period{}
	for _, m := range ms {
		p := depc.Period{From: m.From, To: m.To}
		switch {
		case m.Label == "":
			all = append(all, p)
		case m.Name == "":
			byLabel[m.Label] = append(byLabel[m.Label], p)
		default:
			k := depc.NodeKey{Label: m.Label, Name: m.Name}
			byNode[k] = append(byNode[k], p)
		}
	}
	for l, label := range g.labels {
		lo, hi := g.nodes(l)
		if lo == hi {
			continue
		}
		if ex := append(append([]depc.Period(nil), all...), byLabel[label]...); len(ex) > 0 {
			x := g.newExclusion(ex)
			for i := lo; i < hi; i++ {
				g.per[i] = x.apply(g, g.per[i])
			}
		}
	}
	for k, ex := range byNode {
		if i := g.find(k); i >= 0 {
			x := g.newExclusion(ex)
			g.per[i] = x.apply(g, g.per[i])
		}
	}
}

// exclusion takes a period set out of nodes' periods. Nodes active
// throughout the window (nearly all) share one result.
type exclusion struct {
	keep qos.Periods // the window without the excluded periods
	full int32       // the code of keep, once added to g.partial (-3: not yet)
}

func (g *graph) newExclusion(ex []depc.Period) *exclusion {
	ex = qos.NormalizePeriods(ex).Clip(g.w)
	keep := qos.Periods{}
	from := g.w.Start
	for _, p := range ex {
		if p.From > from {
			keep = append(keep, depc.Period{From: from, To: p.From})
		}
		from = p.To
	}
	if from < g.w.End {
		keep = append(keep, depc.Period{From: from, To: g.w.End})
	}
	return &exclusion{keep: keep, full: -3}
}

// apply returns the code of the periods per code stands for, without the
// excluded ones.
func (x *exclusion) apply(g *graph, code int32) int32 {
	switch {
	case code == perNone:
		return perNone
	case len(x.keep) == 0:
		return perNone
	case code == perFull:
		if x.full == -3 {
			g.partial = append(g.partial, x.keep)
			x.full = int32(len(g.partial) - 1)
		}
		return x.full
	}
	ps := qos.Intersect(g.partial[code], x.keep)
	if len(ps) == 0 {
		return perNone
	}
	g.partial = append(g.partial, ps)
	return int32(len(g.partial) - 1)
}
