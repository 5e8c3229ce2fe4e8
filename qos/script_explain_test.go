package qos_test

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos"
)

// explainLine is an explain directive of a scripted case (script_test.go).
type explainLine struct {
	line       int
	what       string
	focus      qos.Weight
	whole      bool // no focus given: the whole window
	weights    bool
	ko         *int64
	lost       *string
	structural *int64
	kos        []int64
	blamed     []int64
	share      []string
	reasons    *[]qos.Reason
	weight     map[int]qos.Weight
}

func (c *scriptCase) parseExplain(line int, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("explain wants an operation or RULE")
	}
	x := explainLine{line: line, what: args[0], whole: true}
	if x.what != "RULE" {
		if _, err := c.operation(x.what); err != nil {
			return err
		}
	}
	rest := args[1:]
	for len(rest) > 0 {
		k := rest[0]
		if k == "weights" {
			x.weights = true
			rest = rest[1:]
			continue
		}
		if len(rest) < 2 {
			return fmt.Errorf("explain %s: %q wants a value", x.what, k)
		}
		v := rest[1]
		rest = rest[2:]
		var err error
		switch {
		case k == "focus":
			x.focus, err = c.parseWeight(v)
			x.whole = false
		case k == "ko":
			var n int64
			n, err = strconv.ParseInt(v, 10, 64)
			x.ko = &n
		case k == "structural":
			var n int64
			n, err = strconv.ParseInt(v, 10, 64)
			x.structural = &n
		case k == "lost":
			x.lost = &v
		case k == "kos":
			x.kos, err = parseInts(v)
		case k == "blamed":
			x.blamed, err = parseInts(v)
		case k == "share":
			x.share = strings.Split(v, ",")
		case k == "reasons":
			var rs []qos.Reason
			rs, err = c.parseReasons(v)
			x.reasons = &rs
		case strings.HasPrefix(k, "weight."):
			var i int
			if i, err = strconv.Atoi(strings.TrimPrefix(k, "weight.")); err != nil {
				break
			}
			if x.weight == nil {
				x.weight = map[int]qos.Weight{}
			}
			x.weight[i], err = c.parseWeight(v)
			x.weights = true
		default:
			err = fmt.Errorf("unknown expectation %q", k)
		}
		if err != nil {
			return fmt.Errorf("explain %s: %v", x.what, err)
		}
	}
	c.expls = append(c.expls, x)
	return nil
}

// parseWeight reads "10..50=1,60..70=0.5" (offsets from the window's
// start) or "none".
func (c *scriptCase) parseWeight(s string) (qos.Weight, error) {
	if s == "none" {
		return nil, nil
	}
	var out qos.Weight
	for _, part := range strings.Split(s, ",") {
		span, val, ok := strings.Cut(part, "=")
		a, b, ok2 := strings.Cut(span, "..")
		if !ok || !ok2 {
			return nil, fmt.Errorf("weight %q: bad part %q", s, part)
		}
		from, err := c.parseOffset(a)
		if err != nil {
			return nil, fmt.Errorf("weight %q: %v", s, err)
		}
		to, err := c.parseOffset(b)
		if err != nil {
			return nil, fmt.Errorf("weight %q: %v", s, err)
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return nil, fmt.Errorf("weight %q: %v", s, err)
		}
		out = append(out, qos.WeightInterval{From: from, To: to, V: v})
	}
	if !out.Valid() {
		return nil, fmt.Errorf("weight %q is not sorted, disjoint and positive", s)
	}
	return out, nil
}

// parseReasons reads "0..5=7/7/7/8,…" (from..to=active/part/ok/needed) or
// "none".
func (c *scriptCase) parseReasons(s string) ([]qos.Reason, error) {
	if s == "none" {
		return nil, nil
	}
	var out []qos.Reason
	for _, part := range strings.Split(s, ",") {
		span, counts, ok := strings.Cut(part, "=")
		a, b, ok2 := strings.Cut(span, "..")
		n := strings.Split(counts, "/")
		if !ok || !ok2 || len(n) != 4 {
			return nil, fmt.Errorf("reasons %q: bad part %q", s, part)
		}
		var r qos.Reason
		var err error
		if r.From, err = c.parseOffset(a); err != nil {
			return nil, err
		}
		if r.To, err = c.parseOffset(b); err != nil {
			return nil, err
		}
		for i, p := range []*int{&r.Active, &r.Part, &r.OK, &r.Needed} {
			if *p, err = strconv.Atoi(n[i]); err != nil {
				return nil, fmt.Errorf("reasons %q: bad count %q", s, n[i])
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (c *scriptCase) runExplains(t *testing.T) {
	var e qos.Engine
	var x qos.Explanation
	for _, ex := range c.expls {
		at := fmt.Sprintf("%s:%d: explain %s", c.file, ex.line, ex.what)
		focus := ex.focus
		if ex.whole {
			focus = qos.Uniform(c.w, 1)
		}
		op, parent, nodes, rels := qos.Operation{Operator: qos.And}, c.parent, c.nodes, c.rels
		if ex.what == "RULE" {
			e.ExplainRule(&x, c.w, c.parent, c.kids, focus, ex.weights)
			nodes = make([]qos.Periods, len(c.kids))
			for i := range nodes {
				nodes[i] = qos.Always
			}
			rels = nodes
		} else {
			op, _ = c.operation(ex.what)
			children := make([]qos.Child, len(c.kids))
			for i := range c.kids {
				children[i] = qos.Child{Timeline: &c.kids[i], Periods: c.nodes[i], Relation: c.rels[i]}
			}
			e.Explain(&x, c.w, op, parent, children, focus, ex.weights)
		}
		if c.w.Len() <= 400000 {
			want, perSecond := refExplain(c.w, op, parent, c.kids, nodes, rels, focus)
			checkExplain(t, at, c.w, x, want, perSecond, ex.weights)
		}
		if ex.ko != nil && x.KO != *ex.ko {
			t.Errorf("%s: ko = %d, want %d", at, x.KO, *ex.ko)
		}
		if ex.structural != nil && x.Structural != *ex.structural {
			t.Errorf("%s: structural = %d, want %d", at, x.Structural, *ex.structural)
		}
		if ex.lost != nil {
			if got := strconv.FormatFloat(x.Lost, 'f', 3, 64); got != *ex.lost {
				t.Errorf("%s: lost = %s, want %s", at, got, *ex.lost)
			}
		}
		blames := func(f func(qos.Blame) int64) []int64 {
			out := make([]int64, len(x.Children))
			for i, b := range x.Children {
				out[i] = f(b)
			}
			return out
		}
		if got := blames(func(b qos.Blame) int64 { return b.KO }); ex.kos != nil && !slices.Equal(got, ex.kos) {
			t.Errorf("%s: kos = %v, want %v", at, got, ex.kos)
		}
		if got := blames(func(b qos.Blame) int64 { return b.Blamed }); ex.blamed != nil && !slices.Equal(got, ex.blamed) {
			t.Errorf("%s: blamed = %v, want %v", at, got, ex.blamed)
		}
		if ex.share != nil {
			got := make([]string, len(x.Children))
			for i, b := range x.Children {
				got[i] = strconv.FormatFloat(b.Share, 'f', 3, 64)
			}
			if !slices.Equal(got, ex.share) {
				t.Errorf("%s: share = %v, want %v", at, got, ex.share)
			}
		}
		if ex.reasons != nil && !slices.Equal(x.Reasons, *ex.reasons) {
			t.Errorf("%s: reasons\n got  %s\n want %s", at, c.renderReasons(x.Reasons), c.renderReasons(*ex.reasons))
		}
		for i, want := range ex.weight {
			if i >= len(x.Children) {
				t.Errorf("%s: no child %d", at, i)
				continue
			}
			if got := x.Children[i].Weight; !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s: weight.%d = %v, want %v", at, i, got, want)
			}
		}
	}
}

func (c *scriptCase) renderReasons(rs []qos.Reason) string {
	if len(rs) == 0 {
		return "none"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%d..%d=%d/%d/%d/%d", r.From-c.w.Start, r.To-c.w.Start, r.Active, r.Part, r.OK, r.Needed)
	}
	return strings.Join(parts, ",")
}

// checkAggregateLoss checks ExplainAggregate on an aggregate line: the
// children's losses add up to the node's, and match the expected ones.
func checkAggregateLoss(t *testing.T, at string, a aggLine) {
	t.Helper()
	weights := qos.ExplainAggregate(nil, a.agg, a.in)
	if len(weights) != len(a.in) {
		t.Fatalf("%s: %d weights for %d values", at, len(weights), len(a.in))
	}
	node := qos.Aggregate(a.agg, a.in)
	var sum float64
	loss := make([]string, len(a.in))
	for i, q := range a.in {
		var l float64
		if q.Valid {
			l = weights[i] * (100 - q.Value)
		} else if weights[i] != 0 {
			t.Errorf("%s: a null QoS weighs %g", at, weights[i])
		}
		sum += l
		loss[i] = strconv.FormatFloat(l, 'f', 3, 64)
	}
	if node.Valid && math.Abs(sum-(100-node.Value)) > 1e-9 {
		t.Errorf("%s: losses add up to %g, the node lost %g", at, sum, 100-node.Value)
	}
	if !node.Valid && sum != 0 {
		t.Errorf("%s: a null aggregate with losses %v", at, loss)
	}
	if a.loss != nil && !slices.Equal(loss, a.loss) {
		t.Errorf("%s: loss = %v, want %v", at, loss, a.loss)
	}
}
