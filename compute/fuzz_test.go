package compute_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// The fuzz graphs change only every block seconds, so a reference that
// looks at each block once is exact.
const (
	block  = 600
	blocks = 86400 / block
)

// model is a random team: leaves checked by one or two checks, operation
// nodes over leaves (Mid) and over Mid and leaves (Top), aggregations
// over Mid and Top (Agg); random node and relation periods, random data,
// missing data and errors.
type model struct {
	cfg   string
	op    map[string]qos.Operation
	agg   qos.Aggregator
	nodes map[string][]depc.Period // by "Label/name"; nil: always
	rels  map[[2]string][]depc.Period
	// data[check][leaf]: the state of each block's datapoint; nil: no
	// data; err: the source fails.
	data map[string]map[string][]qos.State
	errs map[string]bool
}

func randPeriods(r *rand.Rand) []depc.Period {
	if r.IntN(2) == 0 {
		return nil
	}
	var ps []depc.Period
	for range 1 + r.IntN(2) {
		a := S + int64(r.IntN(blocks+4)-2)*block
		b := a + int64(1+r.IntN(blocks))*block
		ps = append(ps, depc.Period{From: a, To: b})
	}
	return ps
}

func newModel(seed uint64) *model {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	m := &model{op: map[string]qos.Operation{}, nodes: map[string][]depc.Period{}, rels: map[[2]string][]depc.Period{},
		data: map[string]map[string][]qos.State{"A": {}, "B": {}}, errs: map[string]bool{}}
	ops := []struct {
		expr string
		op   qos.Operation
	}{
		{"AND", qos.Operation{Operator: qos.And}}, {"OR", qos.Operation{Operator: qos.Or}},
		{"ATLEAST(2)", qos.Operation{Operator: qos.AtLeast, M: 2}}, {"ATLEAST(1)", qos.Operation{Operator: qos.AtLeast, M: 1}},
		{"RATIO(0.5)", qos.Operation{Operator: qos.Ratio, R: 0.5}}, {"RATIO(0.35)", qos.Operation{Operator: qos.Ratio, R: 0.35}},
	}
	mid, top := ops[r.IntN(len(ops))], ops[r.IntN(len(ops))]
	m.op["Mid"], m.op["Top"] = mid.op, top.op
	aggs := []string{"AVERAGE", "MIN", "MAX"}
	a := r.IntN(3)
	m.agg = qos.Aggregator(a + 1)
	m.cfg = fmt.Sprintf(`{"Leaf": {"qos": "rule.R"}, "Mid": {"qos": "operation.%s[Leaf]"}, "Top": {"qos": "operation.%s[Mid, Leaf]"}, "Agg": {"qos": "aggregation.%s[Mid, Top]"}}`,
		mid.expr, top.expr, aggs[a])
	count := map[string]int{"Leaf": 1 + r.IntN(6), "Mid": 1 + r.IntN(4), "Top": 1 + r.IntN(3), "Agg": 1 + r.IntN(2)}
	name := func(label string, i int) string { return fmt.Sprintf("%s/%s%d", label, label[:1], i) }
	for _, label := range []string{"Leaf", "Mid", "Top", "Agg"} {
		for i := range count[label] {
			m.nodes[name(label, i)] = randPeriods(r)
		}
	}
	link := func(parent, child string) {
		for i := range count[parent] {
			for j := range count[child] {
				if r.IntN(3) > 0 {
					m.rels[[2]string{name(parent, i), name(child, j)}] = randPeriods(r)
				}
			}
		}
	}
	link("Mid", "Leaf")
	link("Top", "Mid")
	link("Top", "Leaf")
	link("Agg", "Mid")
	link("Agg", "Top")
	for i := range count["Leaf"] {
		leaf := fmt.Sprintf("L%d", i)
		if r.IntN(8) == 0 {
			m.errs[leaf] = true
		}
		for _, check := range []string{"A", "B"} {
			if r.IntN(5) == 0 {
				continue // no data
			}
			states := make([]qos.State, blocks+1) // and one block before the day
			for k := range states {
				states[k] = qos.OK
				if r.IntN(4) == 0 {
					states[k] = qos.KO
				}
			}
			m.data[check][leaf] = states
		}
	}
	return m
}

func activeIn(ps []depc.Period, known bool, t int64) bool {
	if !known {
		return true
	}
	for _, p := range ps {
		if p.From <= t && t < p.To {
			return true
		}
	}
	return false
}

// reference computes every node's per-block states and the QoS of
// aggregation nodes, the simple way.
func (m *model) reference() (map[string][]qos.State, map[string]qos.QoS) {
	active := func(key string, t int64) bool { ps := m.nodes[key]; return activeIn(ps, ps != nil, t) }
	relActive := func(k [2]string, t int64) bool { ps, ok := m.rels[k]; return ok && activeIn(ps, ps != nil, t) }
	states := map[string][]qos.State{}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m.nodes {
			if !yield(k) {
				return
			}
		}
	})
	byLabel := func(label string) []string {
		var out []string
		for _, k := range keys {
			if key(k).Label == label {
				out = append(out, k)
			}
		}
		return out
	}
	for _, k := range byLabel("Leaf") {
		st := make([]qos.State, blocks)
		for b := range blocks {
			t := S + int64(b)*block
			if !active(k, t) {
				continue
			}
			s := qos.Unknown
			for _, check := range []string{"A", "B"} {
				d := m.data[check][key(k).Name]
				if d == nil || (check == "A" && m.errs[key(k).Name]) {
					continue
				}
				s = max(s, d[b+1]) // Unknown < OK < KO: the AND of known states

			}
			st[b] = s
		}
		states[k] = st
	}
	for _, label := range []string{"Mid", "Top"} {
		children := byLabel("Leaf")
		if label == "Top" {
			children = append(byLabel("Mid"), children...)
		}
		op := m.op[label]
		for _, k := range byLabel(label) {
			st := make([]qos.State, blocks)
			for b := range blocks {
				t := S + int64(b)*block
				if !active(k, t) {
					continue
				}
				n, ok := 0, 0
				for _, c := range children {
					if !relActive([2]string{k, c}, t) || !active(c, t) || states[c][b] == qos.Unknown {
						continue
					}
					n++
					if states[c][b] == qos.OK {
						ok++
					}
				}
				st[b] = stateOf(op, n, ok)
			}
			states[k] = st
		}
	}
	aggs := map[string]qos.QoS{}
	for _, k := range byLabel("Agg") {
		var vals []qos.QoS
		for _, c := range append(byLabel("Mid"), byLabel("Top")...) {
			together := false
			for b := range blocks {
				t := S + int64(b)*block
				together = together || (relActive([2]string{k, c}, t) && active(c, t))
			}
			if together {
				vals = append(vals, qosOfStates(states[c]))
			}
		}
		aggs[k] = qos.Aggregate(m.agg, vals)
	}
	return states, aggs
}

func stateOf(op qos.Operation, n, k int) qos.State {
	if n == 0 {
		return qos.Unknown
	}
	var ok bool
	switch op.Operator {
	case qos.And:
		ok = k == n
	case qos.Or:
		ok = k >= 1
	case qos.AtLeast:
		ok = k >= op.M
	case qos.Ratio:
		ok = float64(k)/float64(n) >= op.R
	}
	if ok {
		return qos.OK
	}
	return qos.KO
}

func secondsOf(st []qos.State) qos.Seconds {
	var s qos.Seconds
	for _, x := range st {
		switch x {
		case qos.OK:
			s.OK += block
		case qos.KO:
			s.KO += block
		default:
			s.Unknown += block
		}
	}
	return s
}

func qosOfStates(st []qos.State) qos.QoS { return secondsOf(st).QoS() }

var fuzzTeams atomic.Int64

// FuzzDay computes random teams through a whole run (embedded graph
// store, SQLite, a test source) and checks every node against a
// block-by-block reference of semantics §3–§6: rule timelines, node and
// relation periods, the six operators, aggregations over children active
// part of the day, missing data and source errors.
func FuzzDay(f *testing.F) {
	for _, seed := range []uint64{1, 2, 3, 42, 1234, 99999} {
		f.Add(seed)
	}
	e := newEnv(f, nil)
	e.c.Parallelism = 2
	f.Fuzz(func(t *testing.T, seed uint64) {
		e.t = t // f's methods may not be called from here
		m := newModel(seed)
		team := fmt.Sprintf("fuzz%d", fuzzTeams.Add(1))
		src := e.team(team, "")
		// Distinct source names: the env finds sources by name.
		srcName := "src-" + team
		e.mu.Lock()
		e.sources[srcName] = src
		e.mu.Unlock()
		_, err := e.state.CreateSource(e.ctx, team, depc.SourceConfig{Name: srcName, Plugin: "Test"})
		e.must(err)
		e.check(team, "A", srcName, depc.CheckThreshold, "a", "20")
		e.check(team, "B", srcName, depc.CheckThreshold, "b", "20")
		e.rule(team, "R", "A", "B")
		e.config(team, m.cfg)
		var evs []depc.Event
		for k, ps := range m.nodes {
			kk := key(k)
			evs = append(evs, node(kk.Label, kk.Name, ps...)...)
		}
		for k, ps := range m.rels {
			evs = append(evs, rel(k[0], k[1], ps...)...)
		}
		e.apply(team, evs...)
		for check, byLeaf := range m.data {
			for leaf, states := range byLeaf {
				var pts []qos.Point
				for i, s := range states {
					v := 10.0
					if s == qos.KO {
						v = 100
					}
					pts = append(pts, qos.Point{T: S + int64(i-1)*block, V: v})
				}
				src.set(map[string]string{"A": "a", "B": "b"}[check], leaf, pts)
			}
		}
		// Errors are for check A only: B of the same leaf works.
		src.errCheck = "a"
		for leaf := range m.errs {
			src.fail(leaf, fmt.Errorf("down"))
		}
		rep := e.run(team, day)

		states, aggs := m.reference()
		keys := make([]depc.NodeKey, 0, len(m.nodes))
		for k := range m.nodes {
			keys = append(keys, key(k))
		}
		results, err := e.state.DayResults(e.ctx, team, day, keys)
		e.must(err)
		got := map[string]depc.NodeDayResult{}
		for _, r := range results {
			got[r.Label+"/"+r.Name] = r
		}
		w := depc.Window{Start: S, End: S + 86400}
		for k, ps := range m.nodes {
			r, ok := got[k]
			activeDay := ps == nil || depc.Periods(qos.NormalizePeriods(slices.Clone(ps))).ActiveDuring(w)
			if ok != activeDay {
				t.Fatalf("seed %d: %s: result %v, active during the day %v", seed, k, ok, activeDay)
			}
			if !ok {
				continue
			}
			if key(k).Label == "Agg" {
				want := aggs[k]
				if (r.QoS != nil) != want.Valid || (r.QoS != nil && math.Abs(*r.QoS-want.Value) > 1e-9) || r.OK != nil {
					t.Fatalf("seed %d: %s: qos %s, want %v", seed, k, qosString(r.QoS), want)
				}
				continue
			}
			want := secondsOf(states[k])
			if *r.OK != want.OK || *r.KO != want.KO || *r.Unknown != want.Unknown {
				t.Fatalf("seed %d (%s): %s: ok %d ko %d unknown %d, want %+v", seed, m.cfg, k, *r.OK, *r.KO, *r.Unknown, want)
			}
			if q := want.QoS(); (r.QoS != nil) != q.Valid || (q.Valid && *r.QoS != q.Value) {
				t.Fatalf("seed %d: %s: qos %s, want %v", seed, k, qosString(r.QoS), q)
			}
		}
		if len(rep.Errors) != countErrLeaves(m, got) {
			t.Fatalf("seed %d: %d errors %v, want one per failing leaf in the snapshot", seed, len(rep.Errors), rep.Errors)
		}
	})
}

func countErrLeaves(m *model, got map[string]depc.NodeDayResult) int {
	n := 0
	for leaf := range m.errs {
		if _, ok := got["Leaf/"+leaf]; ok {
			n++
		}
	}
	return n
}
