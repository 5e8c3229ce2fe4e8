package objective

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/qos/budget"
)

// State is what budgets read: the team (its time zone), its objectives and
// its results.
type State interface {
	depc.TeamStore
	depc.ObjectiveStore
	depc.ResultStore
}

// Live measures today so far (*compute.Computer).
type Live interface {
	LiveQoS(ctx context.Context, team string, key depc.NodeKey) (depc.NodeDayResult, []depc.RunError, error)
	LiveDay(ctx context.Context, team string, labels []string, fn func(depc.NodeDayResult) error) (string, depc.Window, []depc.RunError, error)
}

// Budgets computes budgets. It is safe for concurrent use.
type Budgets struct {
	state State
	live  Live
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxErrors bounds the errors a Team lists (default 100).
	MaxErrors int
}

// New returns Budgets reading from s and measuring today with live (nil:
// today is never measured).
func New(s State, live Live) *Budgets { return &Budgets{state: s, live: live} }

func (b *Budgets) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// NodeBudget is one node's budget.
type NodeBudget struct {
	Key depc.NodeKey
	// Objective is the one that applies: the node's own, or its label's
	// (Name "").
	Objective depc.Objective
	// First and Last are the days of the window.
	First, Last string
	// Live says whether today was measured; BurnAt is the instant the burn
	// rates look back from: now when today was measured, else the start
	// of today.
	Live   bool
	BurnAt int64
	Budget budget.Budget
}

// LabelBudget sums up the budgets of a label's nodes.
type LabelBudget struct {
	Label string
	// Objective is the label's own; nil when only some of its nodes have
	// one.
	Objective *depc.Objective
	// Nodes is how many of its nodes have a budget; Exhausted how many of
	// those spent more than allowed.
	Nodes, Exhausted int
	// Allowed, Spent and Remaining are the sums over its nodes: the
	// label's budget as if its nodes were one.
	Allowed   float64
	Spent     int64
	Remaining float64
	// Worst is the lowest remaining ratio of its nodes; nil when no node
	// has one.
	Worst *float64
}

// RemainingRatio is the label's Remaining / Allowed; ok false when nothing
// is allowed.
func (l LabelBudget) RemainingRatio() (float64, bool) {
	if l.Allowed <= 0 {
		return 0, false
	}
	return l.Remaining / l.Allowed, true
}

// TeamBudgets are every budget of a team.
type TeamBudgets struct {
	Team  string
	Today string
	// Live says whether today was measured; BurnAt as in NodeBudget.
	Live   bool
	BurnAt int64
	// Nodes are sorted by label then name; Labels by label.
	Nodes  []NodeBudget
	Labels []LabelBudget
	// Errors are what could not be counted (a day whose results do not
	// fit the team's days, a node or source that failed today), with
	// label and name, at most MaxErrors.
	Errors []depc.RunError
}

// Options of Team.
type Options struct {
	// Live measures today (compute's LiveDay over the objectives' labels
	// and what they depend on): burn rates look back from now. Without it
	// today is pending and burn rates look back from its start.
	Live bool
	// Labels, when set, limits the budgets to these labels.
	Labels []string
}

// window returns the days and instants of an objective's window.
type window struct {
	first, last string
	w           depc.Window
}

func windowOf(o depc.Objective, today, tz string) (window, error) {
	first, last, err := o.Window.Days(today)
	if err != nil {
		return window{}, depc.Errorf(depc.EINVALID, "window: %v", err)
	}
	fw, err := compute.DayWindow(first, tz)
	if err != nil {
		return window{}, err
	}
	lw, err := compute.DayWindow(last, tz)
	if err != nil {
		return window{}, err
	}
	return window{first: first, last: last, w: depc.Window{Start: fw.Start, End: lw.End}}, nil
}

// sample turns a day's result into a budget sample; ok is false for an
// aggregation node, which has no timeline.
func sample(r depc.NodeDayResult, start int64) (budget.Sample, bool) {
	if r.OK == nil || r.KO == nil || r.Unknown == nil {
		return budget.Sample{}, false
	}
	return budget.Sample{
		Day:    r.Day,
		Window: depc.Window{Start: start, End: start + *r.OK + *r.KO + *r.Unknown},
		OK:     *r.OK, KO: *r.KO, Unknown: *r.Unknown,
		Downtime: r.Downtime,
	}, true
}

// Node returns one node's budget, with one entry per day of its window
// that has a result (Budget.Days), and today measured when Budgets has a
// Live. The errors are those of today's measurement (nodes or sources that
// failed). ENOTFOUND when neither the node nor its label has an objective.
func (b *Budgets) Node(ctx context.Context, team string, key depc.NodeKey) (NodeBudget, []depc.RunError, error) {
	t, err := b.state.Team(ctx, team)
	if err != nil {
		return NodeBudget{}, nil, err
	}
	o, err := b.state.Objective(ctx, team, key.Label, key.Name)
	if depc.ErrorCode(err) == depc.ENOTFOUND {
		o, err = b.state.Objective(ctx, team, key.Label, "")
		if depc.ErrorCode(err) == depc.ENOTFOUND {
			return NodeBudget{}, nil, depc.Errorf(depc.ENOTFOUND, "node %s has no objective, nor has label %s", key, key.Label)
		}
	}
	if err != nil {
		return NodeBudget{}, nil, err
	}
	now := b.now()
	today, tw, err := compute.Today(now, t.Timezone)
	if err != nil {
		return NodeBudget{}, nil, err
	}
	win, err := windowOf(o, today, t.Timezone)
	if err != nil {
		return NodeBudget{}, nil, err
	}
	nb := NodeBudget{Key: key, Objective: o, First: win.first, Last: win.last, BurnAt: tw.Start}
	var samples []budget.Sample
	if yesterday, _ := depc.AddDays(today, -1); yesterday >= win.first {
		rs, err := b.state.NodeQoS(ctx, team, key, win.first, yesterday)
		if err != nil {
			return NodeBudget{}, nil, err
		}
		for _, r := range rs {
			dw, err := compute.DayWindow(r.Day, t.Timezone)
			if err != nil {
				return NodeBudget{}, nil, err
			}
			if s, ok := sample(r, dw.Start); ok {
				samples = append(samples, s)
			}
		}
	}
	var errs []depc.RunError
	if b.live != nil {
		r, lerrs, err := b.live.LiveQoS(ctx, team, key)
		switch depc.ErrorCode(err) {
		case "":
			if s, ok := sample(r, tw.Start); ok {
				samples = append(samples, s)
				nb.Live, nb.BurnAt = true, s.Window.End
			}
			errs = lerrs
		case depc.ENOTFOUND, depc.EINVALID:
			// Not in today's graph, no config, or its label is not
			// configured: nothing is known of today.
		default:
			return NodeBudget{}, nil, err
		}
	}
	nb.Budget, err = budget.Compute(budget.Input{Target: o.Target, Window: win.w, Now: nb.BurnAt, Samples: samples})
	if err != nil {
		return NodeBudget{}, nil, depc.WrapError(depc.EINTERNAL, err, "budget of %s: %v", key, err)
	}
	return nb, errs, nil
}

// acc is the budget of one node being computed.
type acc struct {
	key depc.NodeKey
	o   depc.Objective
	win window
	a   budget.Accumulator
	bad bool // a sample was refused: reported once
}

// labelAccs are the budgets of a label's nodes counted under its
// objective, sorted by name.
type labelAccs struct {
	list []*acc
}

// find returns the node's budget, nil when it has none yet.
func (la *labelAccs) find(name string) *acc {
	i, ok := slices.BinarySearchFunc(la.list, name, func(x *acc, n string) int { return strings.Compare(x.key.Name, n) })
	if !ok {
		return nil
	}
	return la.list[i]
}

// mergeByName merges two lists sorted by name.
func mergeByName(a, b []*acc) []*acc {
	out := make([]*acc, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i].key.Name < b[j].key.Name {
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

// teamRun is one Team computation.
type teamRun struct {
	b      *Budgets
	team   depc.Team
	today  string
	burnAt int64
	errs   []depc.RunError
	max    int
	more   int

	labelObj map[string]depc.Objective
	// own are the nodes with an objective of their own.
	own map[depc.NodeKey]*acc
	// byLabel are the nodes counted under their label's objective.
	byLabel map[string]*labelAccs
	days    map[string]depc.Window
}

func (r *teamRun) addError(label, name, msg string) {
	if len(r.errs) < r.max {
		r.errs = append(r.errs, depc.RunError{Label: label, Name: name, Error: msg})
		return
	}
	r.more++
}

// dayStart returns the start of a day in the team's time zone.
func (r *teamRun) dayStart(day string) (int64, error) {
	if w, ok := r.days[day]; ok {
		return w.Start, nil
	}
	w, err := compute.DayWindow(day, r.team.Timezone)
	if err != nil {
		return 0, err
	}
	r.days[day] = w
	return w.Start, nil
}

func (r *teamRun) newAcc(key depc.NodeKey, o depc.Objective) (*acc, error) {
	win, err := windowOf(o, r.today, r.team.Timezone)
	if err != nil {
		return nil, err
	}
	a, err := budget.NewAccumulator(o.Target, win.w, r.burnAt)
	if err != nil {
		return nil, depc.WrapError(depc.EINTERNAL, err, "objective of %s: %v", key, err)
	}
	return &acc{key: key, o: o, win: win, a: a}, nil
}

func (r *teamRun) add(x *acc, s budget.Sample) {
	if err := x.a.Add(s); err != nil && !x.bad {
		x.bad = true
		r.addError(x.key.Label, x.key.Name, fmt.Sprintf("day %s left out of the budget: %v", s.Day, err))
	}
}

// Team returns the budget of every node an objective applies to — each
// node with an objective of its own, every node of a label with an
// objective that has a result during the window — and a summary per
// label. ENOTFOUND for an unknown team; EUNAVAILABLE when a store cannot
// be reached.
func (b *Budgets) Team(ctx context.Context, team string, opts Options) (TeamBudgets, error) {
	t, err := b.state.Team(ctx, team)
	if err != nil {
		return TeamBudgets{}, err
	}
	objs, err := b.state.Objectives(ctx, team)
	if err != nil {
		return TeamBudgets{}, err
	}
	now := b.now()
	today, tw, err := compute.Today(now, t.Timezone)
	if err != nil {
		return TeamBudgets{}, err
	}
	r := &teamRun{b: b, team: t, today: today, burnAt: tw.Start, max: cmp.Or(b.MaxErrors, 100),
		labelObj: map[string]depc.Objective{}, own: map[depc.NodeKey]*acc{},
		byLabel: map[string]*labelAccs{}, days: map[string]depc.Window{}}
	live := opts.Live && b.live != nil
	if live {
		r.burnAt = max(now.Unix(), tw.Start)
	}
	labels := map[string]bool{}
	for _, o := range objs {
		if len(opts.Labels) > 0 && !slices.Contains(opts.Labels, o.Label) {
			continue
		}
		labels[o.Label] = true
		if o.Name == "" {
			r.labelObj[o.Label] = o
			continue
		}
		x, err := r.newAcc(o.Key(), o)
		if err != nil {
			return TeamBudgets{}, err
		}
		r.own[o.Key()] = x
	}
	yesterday, err := depc.AddDays(today, -1)
	if err != nil {
		return TeamBudgets{}, err
	}

	// Past days: a label's nodes day by day, nodes of their own one by
	// one.
	for _, label := range slices.Sorted(maps.Keys(r.labelObj)) {
		o := r.labelObj[label]
		win, err := windowOf(o, today, t.Timezone)
		if err != nil {
			return TeamBudgets{}, err
		}
		la := &labelAccs{}
		r.byLabel[label] = la
		if yesterday < win.first {
			continue
		}
		// Nodes of the label with an objective of their own are left
		// out; usually there are none, and no lookup is made.
		var ownNames map[string]bool
		for k := range r.own {
			if k.Label == label {
				if ownNames == nil {
					ownNames = map[string]bool{}
				}
				ownNames[k.Name] = true
			}
		}
		proto, err := budget.NewAccumulator(o.Target, win.w, r.burnAt)
		if err != nil {
			return TeamBudgets{}, depc.WrapError(depc.EINTERNAL, err, "objective of label %s: %v", label, err)
		}
		err = b.state.LabelSeconds(ctx, team, label, win.first, yesterday, func(day string, ns []depc.NodeSeconds) error {
			start, err := r.dayStart(day)
			if err != nil {
				return err
			}
			// A day's nodes and the accumulators come sorted by name:
			// one merge finds each node's, without a map (a label of
			// 100 000 nodes over 30 days is 3 million of them).
			list := la.list
			var added []*acc
			i := 0
			for _, n := range ns {
				if ownNames != nil && ownNames[n.Name] {
					continue
				}
				for i < len(list) && list[i].key.Name != n.Name && list[i].key.Name < n.Name {
					i++
				}
				var x *acc
				if i < len(list) && list[i].key.Name == n.Name {
					x = list[i]
					i++
				} else {
					x = &acc{key: depc.NodeKey{Label: label, Name: n.Name}, o: o, win: win, a: proto}
					added = append(added, x)
				}
				r.add(x, budget.Sample{Day: day, Window: depc.Window{Start: start, End: start + n.OK + n.KO + n.Unknown},
					OK: n.OK, KO: n.KO, Unknown: n.Unknown, Downtime: n.Downtime})
			}
			if len(added) > 0 {
				la.list = mergeByName(list, added)
			}
			return nil
		})
		if err != nil {
			return TeamBudgets{}, err
		}
	}
	for _, key := range slices.SortedFunc(maps.Keys(r.own), compareKeys) {
		x := r.own[key]
		if yesterday < x.win.first {
			continue
		}
		rs, err := b.state.NodeQoS(ctx, team, key, x.win.first, yesterday)
		if err != nil {
			return TeamBudgets{}, err
		}
		for _, res := range rs {
			start, err := r.dayStart(res.Day)
			if err != nil {
				return TeamBudgets{}, err
			}
			if s, ok := sample(res, start); ok {
				r.add(x, s)
			}
		}
	}

	// Today.
	if live {
		_, _, lerrs, err := b.live.LiveDay(ctx, team, slices.Sorted(maps.Keys(labels)), func(res depc.NodeDayResult) error {
			s, ok := sample(res, tw.Start)
			if !ok {
				return nil
			}
			key := depc.NodeKey{Label: res.Label, Name: res.Name}
			x := r.own[key]
			if x == nil {
				o, ok := r.labelObj[res.Label]
				if !ok {
					return nil
				}
				la := r.byLabel[res.Label]
				if x = la.find(res.Name); x == nil {
					var err error
					if x, err = r.newAcc(key, o); err != nil {
						return err
					}
					la.list = mergeByName(la.list, []*acc{x})
				}
			}
			r.add(x, s)
			return nil
		})
		switch depc.ErrorCode(err) {
		case "":
			for _, e := range lerrs {
				r.addError(e.Label, e.Name, e.Error)
			}
		case depc.ENOTFOUND, depc.EINVALID:
			// No config, or one that no longer validates: nothing is
			// known of today.
			r.addError("", "", "today is not measured: "+depc.ErrorMessage(err))
		default:
			return TeamBudgets{}, err
		}
	}
	return r.result(live), nil
}

func (r *teamRun) result(live bool) TeamBudgets {
	out := TeamBudgets{Team: r.team.Name, Today: r.today, Live: live, BurnAt: r.burnAt}
	var all []*acc
	for _, x := range r.own {
		all = append(all, x)
	}
	for _, la := range r.byLabel {
		all = append(all, la.list...)
	}
	slices.SortFunc(all, func(a, b *acc) int { return compareKeys(a.key, b.key) })
	out.Nodes = make([]NodeBudget, len(all))
	labels := map[string]*LabelBudget{}
	for label, o := range r.labelObj {
		labels[label] = &LabelBudget{Label: label, Objective: &o}
	}
	for i, x := range all {
		nb := NodeBudget{Key: x.key, Objective: x.o, First: x.win.first, Last: x.win.last, Live: live, BurnAt: r.burnAt, Budget: x.a.Budget()}
		out.Nodes[i] = nb
		l := labels[x.key.Label]
		if l == nil {
			l = &LabelBudget{Label: x.key.Label}
			labels[x.key.Label] = l
		}
		l.Nodes++
		if nb.Budget.Exhausted() {
			l.Exhausted++
		}
		l.Allowed += nb.Budget.Allowed
		l.Spent += nb.Budget.Spent
		l.Remaining += nb.Budget.Remaining
		if ratio, ok := nb.Budget.RemainingRatio(); ok && (l.Worst == nil || ratio < *l.Worst) {
			l.Worst = &ratio
		}
	}
	for _, label := range slices.Sorted(maps.Keys(labels)) {
		out.Labels = append(out.Labels, *labels[label])
	}
	out.Errors = r.errs
	if r.more > 0 {
		out.Errors = append(out.Errors, depc.RunError{Error: fmt.Sprintf("and %d more errors", r.more)})
	}
	return out
}

// Worst returns the n budgets of nodes with the lowest remaining ratio,
// lowest first (ties by label and name); budgets without a ratio (nothing
// allowed) come last. n <= 0: all of them.
func Worst(nodes []NodeBudget, n int) []NodeBudget {
	out := slices.Clone(nodes)
	slices.SortStableFunc(out, func(a, b NodeBudget) int {
		ra, oka := a.Budget.RemainingRatio()
		rb, okb := b.Budget.RemainingRatio()
		switch {
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		case oka && ra != rb:
			return cmp.Compare(ra, rb)
		}
		return compareKeys(a.Key, b.Key)
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

func compareKeys(a, b depc.NodeKey) int {
	return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Name, b.Name))
}
