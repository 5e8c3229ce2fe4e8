package compute

import (
	"context"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// evidence adds to the checks of the leaves with the largest shares (the
// first maxEvidenceLeaves) the KO datapoints behind them: those whose
// state held during the leaf's blamed time (qos.HeldKO). The datapoints
// are fetched again, for those leaves only, day by day as the computation
// fetched them: keeping every leaf's datapoints of a long window would
// cost far more memory than fetching a few again.
func (c *Computer) evidence(ctx context.Context, x *explainer, out *Explanation) error {
	e := x.e
	type target struct {
		leaf, check int
		during      qos.Periods
	}
	// The same check renders differently in rules with different
	// variables, so it is fetched once per rule.
	type checkRule struct{ check, rule string }
	byCheck := map[checkRule]map[string][]target{} // check → node name → targets
	for li := range out.Leaves[:min(len(out.Leaves), maxEvidenceLeaves)] {
		l := &out.Leaves[li]
		node := x.g.find(depc.NodeKey{Label: l.Label, Name: l.Name})
		if node < 0 {
			continue
		}
		during := supportOf(x.focus[node])
		rule := e.s.config[l.Label].QoS.Rule
		for ci, cb := range l.Checks {
			if cb.KO == 0 {
				continue
			}
			k := checkRule{cb.Name, rule}
			if byCheck[k] == nil {
				byCheck[k] = map[string][]target{}
			}
			byCheck[k][l.Name] = append(byCheck[k][l.Name], target{li, ci, during})
		}
	}
	keys := slices.SortedFunc(maps.Keys(byCheck), func(a, b checkRule) int {
		if c := strings.Compare(a.check, b.check); c != 0 {
			return c
		}
		return strings.Compare(a.rule, b.rule)
	})
	for _, key := range keys {
		check := key.check
		ch, src, release, b, err := e.check(ctx, check)
		if err != nil {
			continue // listed in the errors already
		}
		targets := byCheck[key]
		names := slices.Sorted(maps.Keys(targets))
		for _, day := range e.rc.days {
			cut := depc.Window{Start: max(day.Start, x.w.Start), End: min(day.End, x.w.End)}
			rendered, err := e.s.render(ch, key.rule, day)
			if err != nil {
				continue // listed in the errors already
			}
			err = src.Fetch(ctx, rendered.Parameters, day, names, func(r depc.SourceResult) {
				if r.Err != nil {
					return
				}
				for _, t := range targets[r.Name] {
					cb := &out.Leaves[t.leaf].Checks[t.check]
					for _, s := range r.Series {
						series := seriesName(s.Labels)
						qos.HeldKO(day, b, s.Points, t.during, func(p qos.Point, from, to int64) {
							from, to = max(from, cut.Start), min(to, cut.End)
							if from >= to {
								return
							}
							cb.EvidenceTotal++
							if len(cb.Evidence) < maxEvidencePoints {
								ev := Evidence{Series: series, At: p.T, From: from, To: to}
								if !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
									ev.Value = ptr(p.V)
								}
								cb.Evidence = append(cb.Evidence, ev)
							}
						})
					}
				}
			})
			if err != nil {
				release()
				return depc.WrapError(depc.EUNAVAILABLE, err, "check %q: fetch stopped", check)
			}
		}
		release()
	}
	// A rule node explained is its own leaf: its checks are the leaf's.
	root := x.g.key(x.root)
	for _, l := range out.Leaves {
		if l.Label == root.Label && l.Name == root.Name {
			out.Checks = l.Checks
		}
	}
	return nil
}

// supportOf returns the instants where a weight is not zero, as a
// canonical period set.
func supportOf(wt qos.Weight) qos.Periods {
	ps := make([]qos.Period, len(wt))
	for i, iv := range wt {
		ps[i] = qos.Period{From: iv.From, To: iv.To}
	}
	return qos.NormalizePeriods(ps)
}
