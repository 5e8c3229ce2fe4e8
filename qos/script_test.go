package qos_test

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos"
)

// The scripted cases in testdata/*.txt. The format, one directive a line;
// a line starting with '#' is a comment, and so is the end of a line from
// " # " on:
//
//	case <name>                   starts a case; everything below belongs to it
//	window <start> <end|+len> [step <s>]
//	parent <periods>              the node's periods (default always)
//	child <timeline> [node <periods>] [rel <periods>]
//	threshold <T> | interval <A:B>
//	series <t:v,t:v,...> | series -     one series of datapoints (v may be NaN)
//	missing <OK|KO> <hold>        INDICATOR with that missing-data policy
//	eval <what> <expectations>
//	aggregate <AVERAGE|MIN|MAX> <qos|null>... -> <qos|null> [loss <x,x,...>]
//	explain <what> [focus <weight>] [weights] <expectations>
//
// Times are seconds from the window's start. A timeline is either a string
// of states, one character per step ('1' OK, '0' KO, '.' UNKNOWN), or a
// change list "0:1,3600:0,3660:1" (state from each offset on). Periods are
// "always", "never", a mask of one character per step ('#' active, '.'
// not), or a list "10..50,70..inf" ("-inf" and "inf" allowed).
//
// <what> is an operation (AND, OR, ATLEAST(m), RATIO(r)) over the children
// and the parent's periods; RULE (the children are indicator timelines,
// the parent's periods are the node's); INDICATOR (the bound and the series
// over the window); RESTRICT (the first child's timeline restricted to the
// parent's periods); or ROOTCAUSE (KO overlap of the first child with each
// of the others). Expectations: "= <timeline>", "ok <s>", "ko <s>",
// "unknown <s>", "qos <x.xxx|null>", "part <s,s,...>" (each child's Part),
// "overlap <s,s,...>" (ROOTCAUSE).
//
// explain runs Explain (an operation) or ExplainRule (RULE) over the
// children, by default on the node's whole KO time (focus 1 everywhere);
// a focus is "10..50=1,60..70=0.5" (offsets, weights). Expectations: "ko
// <s>", "lost <x>", "structural <s>", "kos <s,...>" (each child's Blame.KO),
// "blamed <s,...>", "share <x,...>" (3 decimals), "reasons
// <from..to=active/part/ok/needed,...>" (or "none"), "weight.<i> <weight>"
// (child i's Blame.Weight, "none" when empty; implies weights). Every
// explanation is also checked against the per-second reference and the
// laws of explain_test.go. An aggregate's "loss" is each child's part of
// the node's loss in points, weight × (100 − QoS) (ExplainAggregate).
//
// Every computed timeline is also checked for canonical form and against
// the per-second reference implementation of reference_test.go.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata/*.txt")
	}
	total := 0
	for _, f := range files {
		cases := parseScript(t, f)
		total += len(cases)
		for _, c := range cases {
			t.Run(filepath.Base(f)+"/"+c.name, func(t *testing.T) {
				c.run(t)
			})
		}
	}
	t.Logf("%d scripted cases in %d files", total, len(files))
}

type scriptCase struct {
	name    string
	file    string
	line    int
	w       qos.Window
	step    int64
	parent  qos.Periods
	kids    []qos.Timeline
	nodes   []qos.Periods
	rels    []qos.Periods
	bound   *qos.Bound
	series  [][]qos.Point
	missing *qos.Missing
	evals   []evalLine
	aggs    []aggLine
	expls   []explainLine
}

type evalLine struct {
	line   int
	what   string
	want   *qos.Timeline
	ok     *int64
	ko     *int64
	unk    *int64
	qos    *string
	part   []int64
	overlp []int64
}

type aggLine struct {
	line int
	agg  qos.Aggregator
	in   []qos.QoS
	want string
	loss []string
}

func parseScript(t *testing.T, path string) []*scriptCase {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []*scriptCase
	var c *scriptCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s:%d: %s", path, n, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if i := strings.Index(line, " # "); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if fields[0] == "case" {
			c = &scriptCase{name: strings.Join(fields[1:], " "), file: path, line: n, parent: qos.Always, step: 1}
			cases = append(cases, c)
			continue
		}
		if c == nil {
			fail("%q before the first case", fields[0])
		}
		args := fields[1:]
		var err error
		switch fields[0] {
		case "window":
			err = c.parseWindow(args)
		case "parent":
			if len(args) != 1 {
				fail("parent wants one periods argument")
			}
			c.parent, err = c.parsePeriods(args[0])
		case "child":
			err = c.parseChild(args)
		case "threshold", "interval":
			if len(args) != 1 {
				fail("%s wants one argument", fields[0])
			}
			var b qos.Bound
			if fields[0] == "threshold" {
				b, err = qos.ParseThreshold(args[0])
			} else {
				b, err = qos.ParseInterval(args[0])
			}
			c.bound = &b
		case "series":
			err = c.parseSeries(args)
		case "missing":
			if len(args) != 2 || (args[0] != "OK" && args[0] != "KO") {
				fail("missing wants OK or KO and a hold in seconds")
			}
			m := qos.Missing{State: qos.OK}
			if args[0] == "KO" {
				m.State = qos.KO
			}
			m.Hold, err = strconv.ParseInt(args[1], 10, 64)
			c.missing = &m
		case "eval":
			err = c.parseEval(n, args)
		case "aggregate":
			err = c.parseAggregate(n, args)
		case "explain":
			err = c.parseExplain(n, args)
		default:
			fail("unknown directive %q", fields[0])
		}
		if err != nil {
			fail("%v", err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

func (c *scriptCase) parseWindow(args []string) error {
	if len(args) != 2 && len(args) != 4 {
		return fmt.Errorf("window <start> <end|+len> [step <s>]")
	}
	start, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return err
	}
	var end int64
	if strings.HasPrefix(args[1], "+") {
		l, err := strconv.ParseInt(args[1][1:], 10, 64)
		if err != nil {
			return err
		}
		end = start + l
	} else if end, err = strconv.ParseInt(args[1], 10, 64); err != nil {
		return err
	}
	c.w = qos.Window{Start: start, End: end}
	if len(args) == 4 {
		if args[2] != "step" {
			return fmt.Errorf("window: want step, got %q", args[2])
		}
		if c.step, err = strconv.ParseInt(args[3], 10, 64); err != nil || c.step <= 0 {
			return fmt.Errorf("window: bad step %q", args[3])
		}
	}
	return nil
}

func (c *scriptCase) parseOffset(s string) (int64, error) {
	switch s {
	case "-inf":
		return qos.NegInf, nil
	case "inf":
		return qos.PosInf, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	return c.w.Start + v, nil
}

func (c *scriptCase) parsePeriods(s string) (qos.Periods, error) {
	switch s {
	case "always":
		return qos.Always, nil
	case "never":
		return nil, nil
	}
	var ps []qos.Period
	if strings.Trim(s, "#.") != "" {
		for _, part := range strings.Split(s, ",") {
			a, b, _ := strings.Cut(part, "..")
			from, err := c.parseOffset(a)
			if err != nil {
				return nil, fmt.Errorf("periods %q: %v", s, err)
			}
			to, err := c.parseOffset(b)
			if err != nil {
				return nil, fmt.Errorf("periods %q: %v", s, err)
			}
			ps = append(ps, qos.Period{From: from, To: to})
		}
		return qos.NormalizePeriods(ps), nil
	}
	if int64(len(s))*c.step != c.w.Len() {
		return nil, fmt.Errorf("periods mask %q: %d characters of %d s for a window of %d s", s, len(s), c.step, c.w.Len())
	}
	for i, r := range s {
		from := c.w.Start + int64(i)*c.step
		switch r {
		case '#':
			ps = append(ps, qos.Period{From: from, To: from + c.step})
		case '.':
		default:
			return nil, fmt.Errorf("periods mask %q: bad character %q", s, r)
		}
	}
	return qos.NormalizePeriods(ps), nil
}

func stateOf(r byte) (qos.State, error) {
	switch r {
	case '1':
		return qos.OK, nil
	case '0':
		return qos.KO, nil
	case '.':
		return qos.Unknown, nil
	}
	return 0, fmt.Errorf("bad state %q", r)
}

func (c *scriptCase) parseTimeline(s string) (qos.Timeline, error) {
	var ivs []qos.Interval
	add := func(from, to int64, st qos.State) {
		if n := len(ivs); n > 0 && ivs[n-1].State == st {
			ivs[n-1].To = to
			return
		}
		ivs = append(ivs, qos.Interval{From: from, To: to, State: st})
	}
	if strings.Contains(s, ":") {
		parts := strings.Split(s, ",")
		for i, part := range parts {
			a, b, _ := strings.Cut(part, ":")
			off, err := strconv.ParseInt(a, 10, 64)
			if err != nil || len(b) != 1 {
				return qos.Timeline{}, fmt.Errorf("timeline %q: bad change %q", s, part)
			}
			st, err := stateOf(b[0])
			if err != nil {
				return qos.Timeline{}, fmt.Errorf("timeline %q: %v", s, err)
			}
			end := c.w.End
			if i+1 < len(parts) {
				next, _, _ := strings.Cut(parts[i+1], ":")
				v, err := strconv.ParseInt(next, 10, 64)
				if err != nil {
					return qos.Timeline{}, fmt.Errorf("timeline %q: bad change %q", s, parts[i+1])
				}
				end = c.w.Start + v
			}
			add(c.w.Start+off, end, st)
		}
		return qos.NewTimeline(c.w, ivs)
	}
	if int64(len(s))*c.step != c.w.Len() {
		return qos.Timeline{}, fmt.Errorf("timeline %q: %d characters of %d s for a window of %d s", s, len(s), c.step, c.w.Len())
	}
	for i := 0; i < len(s); i++ {
		st, err := stateOf(s[i])
		if err != nil {
			return qos.Timeline{}, fmt.Errorf("timeline %q: %v", s, err)
		}
		from := c.w.Start + int64(i)*c.step
		add(from, from+c.step, st)
	}
	return qos.NewTimeline(c.w, ivs)
}

func (c *scriptCase) parseChild(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("child wants a timeline")
	}
	tl, err := c.parseTimeline(args[0])
	if err != nil {
		return err
	}
	node, rel := qos.Always, qos.Always
	for i := 1; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return fmt.Errorf("child: %q wants a value", args[i])
		}
		ps, err := c.parsePeriods(args[i+1])
		if err != nil {
			return err
		}
		switch args[i] {
		case "node":
			node = ps
		case "rel":
			rel = ps
		default:
			return fmt.Errorf("child: unknown key %q", args[i])
		}
	}
	c.kids = append(c.kids, tl)
	c.nodes = append(c.nodes, node)
	c.rels = append(c.rels, rel)
	return nil
}

func (c *scriptCase) parseSeries(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("series wants one argument")
	}
	var pts []qos.Point
	if args[0] != "-" {
		for _, part := range strings.Split(args[0], ",") {
			a, b, ok := strings.Cut(part, ":")
			if !ok {
				return fmt.Errorf("series: bad point %q", part)
			}
			off, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return fmt.Errorf("series: bad point %q", part)
			}
			v, err := strconv.ParseFloat(b, 64)
			if err != nil {
				return fmt.Errorf("series: bad point %q", part)
			}
			pts = append(pts, qos.Point{T: c.w.Start + off, V: v})
		}
	}
	c.series = append(c.series, pts)
	return nil
}

func parseInts(s string) ([]int64, error) {
	var out []int64
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (c *scriptCase) parseEval(line int, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("eval wants an operation")
	}
	e := evalLine{line: line, what: args[0]}
	if _, err := c.operation(e.what); err != nil && !slices.Contains([]string{"RULE", "INDICATOR", "RESTRICT", "ROOTCAUSE"}, e.what) {
		return err
	}
	rest := args[1:]
	if len(rest)%2 != 0 {
		return fmt.Errorf("eval %s: expectations come in pairs", e.what)
	}
	for i := 0; i < len(rest); i += 2 {
		k, v := rest[i], rest[i+1]
		num := func() (*int64, error) {
			n, err := strconv.ParseInt(v, 10, 64)
			return &n, err
		}
		var err error
		switch k {
		case "=":
			var tl qos.Timeline
			tl, err = c.parseTimeline(v)
			e.want = &tl
		case "ok":
			e.ok, err = num()
		case "ko":
			e.ko, err = num()
		case "unknown":
			e.unk, err = num()
		case "qos":
			e.qos = &v
		case "part":
			e.part, err = parseInts(v)
		case "overlap":
			e.overlp, err = parseInts(v)
		default:
			err = fmt.Errorf("unknown expectation %q", k)
		}
		if err != nil {
			return fmt.Errorf("eval %s: %v", e.what, err)
		}
	}
	c.evals = append(c.evals, e)
	return nil
}

func parseQoS(s string) (qos.QoS, error) {
	if s == "null" {
		return qos.QoS{}, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	return qos.QoS{Value: v, Valid: true}, err
}

func (c *scriptCase) parseAggregate(line int, args []string) error {
	var loss []string
	if n := len(args); n >= 2 && args[n-2] == "loss" {
		loss = strings.Split(args[n-1], ",")
		args = args[:n-2]
	}
	i := slices.Index(args, "->")
	if len(args) < 3 || i != len(args)-2 {
		return fmt.Errorf("aggregate <AGG> <values>... -> <result> [loss <x,...>]")
	}
	a := aggLine{line: line, want: args[len(args)-1], loss: loss}
	switch args[0] {
	case "AVERAGE":
		a.agg = qos.Average
	case "MIN":
		a.agg = qos.Min
	case "MAX":
		a.agg = qos.Max
	case "INVALID":
		a.agg = 0
	default:
		return fmt.Errorf("unknown aggregator %q", args[0])
	}
	for _, s := range args[1:i] {
		q, err := parseQoS(s)
		if err != nil {
			return err
		}
		a.in = append(a.in, q)
	}
	c.aggs = append(c.aggs, a)
	return nil
}

// operation parses "AND", "OR", "ATLEAST(2)", "RATIO(0.5)".
func (c *scriptCase) operation(s string) (qos.Operation, error) {
	switch s {
	case "AND":
		return qos.Operation{Operator: qos.And}, nil
	case "OR":
		return qos.Operation{Operator: qos.Or}, nil
	}
	name, arg, ok := strings.Cut(strings.TrimSuffix(s, ")"), "(")
	if !ok || !strings.HasSuffix(s, ")") {
		return qos.Operation{}, fmt.Errorf("unknown operation %q", s)
	}
	switch name {
	case "ATLEAST":
		m, err := strconv.Atoi(arg)
		return qos.Operation{Operator: qos.AtLeast, M: m}, err
	case "RATIO":
		r, err := strconv.ParseFloat(arg, 64)
		return qos.Operation{Operator: qos.Ratio, R: r}, err
	}
	return qos.Operation{}, fmt.Errorf("unknown operation %q", s)
}

func (c *scriptCase) run(t *testing.T) {
	if len(c.evals)+len(c.aggs)+len(c.expls) == 0 {
		t.Fatalf("%s:%d: case %q has no eval, aggregate or explain", c.file, c.line, c.name)
	}
	c.runExplains(t)
	var e qos.Engine
	// The reference samples every second: only for windows up to a few
	// days.
	sample := c.w.Len() <= 400000
	for _, a := range c.aggs {
		if got := qos.Aggregate(a.agg, a.in).String(); got != a.want {
			t.Errorf("%s:%d: aggregate = %s, want %s", c.file, a.line, got, a.want)
		}
		checkAggregateLoss(t, fmt.Sprintf("%s:%d", c.file, a.line), a)
	}
	for _, ev := range c.evals {
		at := fmt.Sprintf("%s:%d: eval %s", c.file, ev.line, ev.what)
		var got qos.Timeline
		var ref []qos.State
		var parts []int64
		switch ev.what {
		case "RULE":
			got = e.Rule(c.w, c.parent, c.kids)
			restore := qos.SetWideChildren(wideOther(len(c.kids)))
			if other := e.Rule(c.w, c.parent, c.kids); !other.Equal(got) {
				t.Errorf("%s: the two sweeps differ:\n%s\n%s", at, got, other)
			}
			restore()
			if sample {
				ref = refRule(c.w, c.parent, c.kids)
			}
		case "INDICATOR":
			if c.bound == nil {
				t.Fatalf("%s: no threshold or interval", at)
			}
			if c.missing != nil {
				got = e.IndicatorMissing(c.w, *c.bound, c.series, *c.missing)
				if sample {
					ref = refIndicatorMissing(c.w, *c.bound, c.series, *c.missing)
				}
				break
			}
			got = e.Indicator(c.w, *c.bound, c.series)
			if sample {
				ref = refIndicator(c.w, *c.bound, c.series)
			}
		case "RESTRICT":
			got = c.kids[0].Restrict(c.parent)
			if sample {
				ref = refRestrict(c.w, c.kids[0], c.parent)
			}
		case "ROOTCAUSE":
			got = c.kids[0]
			if sample {
				ref = refStates(c.w, got)
			}
			overlap := qos.RootCause(nil, c.kids[0], c.kids[1:])
			if ev.overlp != nil && !slices.Equal(overlap, ev.overlp) {
				t.Errorf("%s: overlap = %v, want %v", at, overlap, ev.overlp)
			}
			for i, dep := range c.kids[1:] {
				if !sample {
					break
				}
				if r := refOverlap(c.w, c.kids[0], dep); r != overlap[i] {
					t.Errorf("%s: overlap[%d] = %d, reference %d", at, i, overlap[i], r)
				}
			}
		default:
			op, err := c.operation(ev.what)
			if err != nil {
				t.Fatalf("%s: %v", at, err)
			}
			children := make([]qos.Child, len(c.kids))
			for i := range c.kids {
				children[i] = qos.Child{Timeline: &c.kids[i], Periods: c.nodes[i], Relation: c.rels[i]}
			}
			got = e.Operate(c.w, op, c.parent, children)
			// The same with the other sweep.
			restore := qos.SetWideChildren(wideOther(len(children)))
			other := e.Operate(c.w, op, c.parent, children)
			otherParts := partsOf(children)
			restore()
			if !other.Equal(got) {
				t.Errorf("%s: the two sweeps differ:\n%s\n%s", at, got, other)
			}
			got = e.Operate(c.w, op, c.parent, children)
			if !slices.Equal(otherParts, partsOf(children)) {
				t.Errorf("%s: the two sweeps differ on parts: %v, %v", at, partsOf(children), otherParts)
			}
			parts = partsOf(children)
			var refParts []int64
			if sample {
				ref, refParts = refOperate(c.w, op, c.parent, c.kids, c.nodes, c.rels)
			}
			if sample && !slices.Equal(parts, refParts) {
				t.Errorf("%s: part = %v, reference %v", at, parts, refParts)
			}
		}
		checkCanonical(t, at, c.w, got)
		if ref == nil {
			// The window is too long to sample every second.
		} else if r := fromStates(c.w, ref); !got.Equal(r) {
			t.Errorf("%s: got %s\nreference %s", at, got, r)
		}
		if ev.want != nil && !got.Equal(*ev.want) {
			t.Errorf("%s:\n got  %s\n want %s", at, render(got, c.step), render(*ev.want, c.step))
		}
		s := got.Seconds()
		for _, x := range []struct {
			name string
			got  int64
			want *int64
		}{{"ok", s.OK, ev.ok}, {"ko", s.KO, ev.ko}, {"unknown", s.Unknown, ev.unk}} {
			if x.want != nil && x.got != *x.want {
				t.Errorf("%s: %s = %d, want %d", at, x.name, x.got, *x.want)
			}
		}
		if ev.qos != nil {
			if q := got.QoS().String(); q != *ev.qos {
				t.Errorf("%s: qos = %s, want %s", at, q, *ev.qos)
			}
		}
		if ev.part != nil && !slices.Equal(parts, ev.part) {
			t.Errorf("%s: part = %v, want %v", at, parts, ev.part)
		}
	}
}

// render shows a timeline as a string of states when its boundaries fall
// on steps, else as a change list.
func render(tl qos.Timeline, step int64) string {
	w := tl.Window()
	var b strings.Builder
	for _, iv := range tl.Intervals() {
		if (iv.From-w.Start)%step != 0 || (iv.To-w.Start)%step != 0 || w.Len()/step > 200 {
			b.Reset()
			for i, iv := range tl.Intervals() {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%d:%c", iv.From-w.Start, stateChar(iv.State))
			}
			return b.String()
		}
		b.WriteString(strings.Repeat(string(stateChar(iv.State)), int(iv.Len()/step)))
	}
	return b.String()
}

func stateChar(s qos.State) byte {
	switch s {
	case qos.OK:
		return '1'
	case qos.KO:
		return '0'
	}
	return '.'
}

// checkCanonical fails the test unless tl is a canonical timeline over w.
func checkCanonical(t testing.TB, at string, w qos.Window, tl qos.Timeline) {
	t.Helper()
	if err := canonical(w, tl); err != nil {
		t.Errorf("%s: %v: %s", at, err, tl)
	}
}

func canonical(w qos.Window, tl qos.Timeline) error {
	if tl.Window() != w {
		return fmt.Errorf("window %v, want %v", tl.Window(), w)
	}
	ivs := tl.Intervals()
	if w.Empty() {
		if len(ivs) != 0 {
			return fmt.Errorf("intervals over an empty window")
		}
		return nil
	}
	at := w.Start
	var sum int64
	for i, iv := range ivs {
		if iv.From != at || iv.To <= iv.From || iv.State > qos.KO {
			return fmt.Errorf("interval %d %v does not follow %d", i, iv, at)
		}
		if i > 0 && ivs[i-1].State == iv.State {
			return fmt.Errorf("intervals %d and %d share state %v", i-1, i, iv.State)
		}
		at = iv.To
		sum += iv.Len()
	}
	if at != w.End {
		return fmt.Errorf("ends at %d, want %d", at, w.End)
	}
	s := tl.Seconds()
	if s.OK+s.KO+s.Unknown != w.Len() || sum != w.Len() {
		return fmt.Errorf("ok %d + ko %d + unknown %d != window %d", s.OK, s.KO, s.Unknown, w.Len())
	}
	if q := tl.QoS(); q.Valid != (s.OK+s.KO > 0) || (q.Valid && !(q.Value >= 0 && q.Value <= 100)) || math.IsNaN(q.Value) {
		return fmt.Errorf("QoS %v with ok %d ko %d", q, s.OK, s.KO)
	}
	return nil
}

func partsOf(children []qos.Child) []int64 {
	out := make([]int64, len(children))
	for i, c := range children {
		out[i] = c.Part
	}
	return out
}

// wideOther returns the threshold that makes an operation on n children
// use the sweep it would not use by default.
func wideOther(n int) int {
	if n >= qos.DefaultWideChildren {
		return n + 1
	}
	return 0
}
