package objective

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/qos/budget"
)

// The monthly report (docs/report.md): every customer-level node of a team
// over one calendar month. A customer-level node is a node an objective
// applies to — one with an objective of its own, or a node of a label with
// an objective — since an objective is what a team promised someone. Each
// is measured against its objective's target over the calendar month,
// whatever the objective's own window: a report compares months.

// MonthNode is one node of a monthly report.
type MonthNode struct {
	Key depc.NodeKey
	// Objective is the one that applies: the node's own, or its label's
	// (Name "").
	Objective depc.Objective
	// Budget is the month's, its Target the objective's; no burn rates.
	Budget budget.Budget
}

// Met says whether the month's QoS reached the target; known is false
// when the month has no counted time (its QoS is null).
func (n MonthNode) Met() (met, known bool) {
	if !n.Budget.QoS.Valid {
		return false, false
	}
	return n.Budget.QoS.Value >= n.Objective.Target, true
}

// MonthReport is a team's monthly report.
type MonthReport struct {
	Team string
	// Month is "YYYY-MM"; First and Last its days.
	Month, First, Last string
	// Complete says the month has ended in the team's time zone: its
	// figures are final once every day is computed (Pending 0).
	Complete bool
	// Nodes are sorted by label then name.
	Nodes []MonthNode
	// Errors are the days that could not be counted, with label and name,
	// at most MaxErrors.
	Errors []depc.RunError
}

// ParseMonth checks a month "YYYY-MM" and returns its first day. EINVALID
// names field.
func ParseMonth(field, month string) (string, error) {
	t, err := time.Parse("2006-01", month)
	if err != nil || t.Format("2006-01") != month || t.Year() < 1970 {
		return "", depc.Errorf(depc.EINVALID, "%s: %q is not a month YYYY-MM (from 1970)", field, month)
	}
	return month + "-01", nil
}

// Month returns the report of one calendar month ("YYYY-MM") of the team,
// from the stored results of its days up to yesterday (today is never
// measured: a report is read after the month). EINVALID for a malformed
// month or one that has not started in the team's time zone; ENOTFOUND for
// an unknown team.
func (b *Budgets) Month(ctx context.Context, team, month string) (MonthReport, error) {
	first, err := ParseMonth("month", month)
	if err != nil {
		return MonthReport{}, err
	}
	t, err := b.state.Team(ctx, team)
	if err != nil {
		return MonthReport{}, err
	}
	today, tw, err := compute.Today(b.now(), t.Timezone)
	if err != nil {
		return MonthReport{}, err
	}
	if first > today {
		return MonthReport{}, depc.Errorf(depc.EINVALID, "month: %s has not started yet in team %s's time zone (%s)", month, team, t.Timezone)
	}
	_, last, err := budget.Month.Days(first)
	if err != nil {
		return MonthReport{}, depc.Errorf(depc.EINVALID, "month: %v", err)
	}
	fw, err := compute.DayWindow(first, t.Timezone)
	if err != nil {
		return MonthReport{}, err
	}
	lw, err := compute.DayWindow(last, t.Timezone)
	if err != nil {
		return MonthReport{}, err
	}
	w := depc.Window{Start: fw.Start, End: lw.End}
	// Burn rates are not part of a report; they look back from the end
	// of what can be known.
	now := min(w.End, tw.Start)
	rep := MonthReport{Team: team, Month: month, First: first, Last: last, Complete: last < today}
	maxErrs, more := cmp.Or(b.MaxErrors, 100), 0
	addError := func(key depc.NodeKey, msg string) {
		if len(rep.Errors) < maxErrs {
			rep.Errors = append(rep.Errors, depc.RunError{Label: key.Label, Name: key.Name, Error: msg})
			return
		}
		more++
	}

	add := func(n *node, s budget.Sample) {
		if err := n.a.Add(s); err != nil && !n.bad {
			n.bad = true
			addError(n.Key, fmt.Sprintf("day %s left out of the report: %v", s.Day, err))
		}
	}
	newNode := func(key depc.NodeKey, o depc.Objective) (*node, error) {
		a, err := budget.NewAccumulator(o.Target, w, now)
		if err != nil {
			return nil, depc.WrapError(depc.EINTERNAL, err, "objective of %s: %v", key, err)
		}
		return &node{MonthNode: MonthNode{Key: key, Objective: o}, a: a}, nil
	}

	objs, err := b.state.Objectives(ctx, team)
	if err != nil {
		return MonthReport{}, err
	}
	own := map[depc.NodeKey]*node{}
	var labelObjs []depc.Objective
	for _, o := range objs {
		if o.Name == "" {
			labelObjs = append(labelObjs, o)
			continue
		}
		if own[o.Key()], err = newNode(o.Key(), o); err != nil {
			return MonthReport{}, err
		}
	}
	var all []*node
	yesterday, err := depc.AddDays(today, -1)
	if err != nil {
		return MonthReport{}, err
	}
	readTo := min(last, yesterday)
	days := map[string]int64{}
	dayStart := func(day string) (int64, error) {
		if s, ok := days[day]; ok {
			return s, nil
		}
		dw, err := compute.DayWindow(day, t.Timezone)
		if err != nil {
			return 0, err
		}
		days[day] = dw.Start
		return dw.Start, nil
	}
	if readTo >= first {
		for _, o := range labelObjs {
			// Nodes of the label with an objective of their own are left
			// out; usually there are none, and no lookup is made.
			var ownNames map[string]bool
			for k := range own {
				if k.Label == o.Label {
					if ownNames == nil {
						ownNames = map[string]bool{}
					}
					ownNames[k.Name] = true
				}
			}
			proto, err := newNode(depc.NodeKey{Label: o.Label}, o)
			if err != nil {
				return MonthReport{}, err
			}
			// The label's nodes, sorted by name: each day's nodes come
			// sorted too, and one merge finds each node's budget without a
			// map (100 000 nodes over 31 days is 3 million of them).
			var list []*node
			err = b.state.LabelSeconds(ctx, team, o.Label, first, readTo, func(day string, ns []depc.NodeSeconds) error {
				start, err := dayStart(day)
				if err != nil {
					return err
				}
				var added []*node
				i := 0
				for _, s := range ns {
					if ownNames != nil && ownNames[s.Name] {
						continue
					}
					for i < len(list) && list[i].Key.Name < s.Name {
						i++
					}
					var n *node
					if i < len(list) && list[i].Key.Name == s.Name {
						n = list[i]
						i++
					} else {
						c := *proto
						c.Key.Name = s.Name
						n = &c
						added = append(added, n)
					}
					add(n, budget.Sample{Day: day, Window: depc.Window{Start: start, End: start + s.OK + s.KO + s.Unknown},
						OK: s.OK, KO: s.KO, Unknown: s.Unknown, Downtime: s.Downtime})
				}
				if len(added) > 0 {
					list = mergeNodes(list, added)
				}
				return nil
			})
			if err != nil {
				return MonthReport{}, err
			}
			all = append(all, list...)
		}
	}
	for key, n := range own {
		all = append(all, n)
		if readTo < first {
			continue
		}
		rs, err := b.state.NodeQoS(ctx, team, key, first, readTo)
		if err != nil {
			return MonthReport{}, err
		}
		for _, r := range rs {
			start, err := dayStart(r.Day)
			if err != nil {
				return MonthReport{}, err
			}
			if s, ok := sample(r, start); ok {
				add(n, s)
			}
		}
	}
	slices.SortFunc(all, func(a, b *node) int { return compareKeys(a.Key, b.Key) })
	rep.Nodes = make([]MonthNode, len(all))
	for i, n := range all {
		n.Budget = n.a.Budget()
		rep.Nodes[i] = n.MonthNode
	}
	if more > 0 {
		rep.Errors = append(rep.Errors, depc.RunError{Error: fmt.Sprintf("and %d more errors", more)})
	}
	return rep, nil
}

// node is one node of a report being computed.
type node struct {
	MonthNode
	a   budget.Accumulator
	bad bool // a sample was refused: reported once
}

// mergeNodes merges two lists of one label's nodes sorted by name.
func mergeNodes(a, b []*node) []*node {
	out := make([]*node, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i].Key.Name < b[j].Key.Name {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}
