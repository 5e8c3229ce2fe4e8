package graphtest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

func testLabels(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	labels, err := s.Labels(ctx(), team)
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 0 {
		t.Errorf("Labels of an empty team = %v, want none", labels)
	}
	mustApply(t, s, team,
		onNode(key("Website", "w1"), span(1, 2)), // in the past: still counted
		onRel(key("Website", "w2"), key("Filer", "f1")),
		onRel(key("Website", "w3"), key("Filer", "f2"), closeAt(5)),
		onRel(key("Website", "w1"), key("Apache", "a1")),
		onNode(key("Website", "w2"), open(3)), // an existing node is not counted twice
	)
	labels, err = s.Labels(ctx(), team)
	if err != nil {
		t.Fatal(err)
	}
	want := []depc.LabelCount{{Label: "Apache", Nodes: 1}, {Label: "Filer", Nodes: 2}, {Label: "Website", Nodes: 3}}
	if !slices.Equal(labels, want) {
		t.Errorf("Labels = %v, want %v", labels, want)
	}
}

func testNodes(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	names := []string{"zz", "a", "b", "B", "ab", "abc", "b%c", "b_c", "x.y/z", "a10", "a2"}
	var events []depc.Event
	for _, n := range names {
		events = append(events, onNode(key("Website", n))...)
	}
	events = append(events, onRel(key("Customer", "a"), key("Website", "a"))...)
	mustApply(t, s, team, events)
	sorted := []string{"B", "a", "a10", "a2", "ab", "abc", "b", "b%c", "b_c", "x.y/z", "zz"}

	cases := []struct {
		label, substring string
		limit            int
		after            string
		want             []string
		next             string
	}{
		{"Website", "", 100, "", sorted, ""},
		{"Website", "", len(sorted), "", sorted, ""},
		{"Website", "", 3, "", []string{"B", "a", "a10"}, "a10"},
		{"Website", "", 3, "a10", []string{"a2", "ab", "abc"}, "abc"},
		{"Website", "", 2, "b_c", []string{"x.y/z", "zz"}, ""},
		{"Website", "", 2, "aa", []string{"ab", "abc"}, "abc"}, // after need not exist
		{"Website", "", 5, "zz", nil, ""},
		{"Website", "", 5, "~", nil, ""},
		{"Website", "b", 100, "", []string{"ab", "abc", "b", "b%c", "b_c"}, ""},
		{"Website", "b", 2, "", []string{"ab", "abc"}, "abc"},
		{"Website", "b", 2, "abc", []string{"b", "b%c"}, "b%c"},
		{"Website", "b", 2, "b%c", []string{"b_c"}, ""},
		{"Website", "%", 100, "", []string{"b%c"}, ""}, // no wildcards
		{"Website", "_", 100, "", []string{"b_c"}, ""},
		{"Website", "B", 100, "", []string{"B"}, ""}, // case-sensitive
		{"Website", ".y/", 100, "", []string{"x.y/z"}, ""},
		{"Website", "zzz", 100, "", nil, ""},
		{"Customer", "", 100, "", []string{"a"}, ""},
		{"Nothing", "", 100, "", nil, ""},
	}
	for _, c := range cases {
		got, next, err := s.Nodes(ctx(), team, c.label, c.substring, c.limit, c.after)
		what := fmt.Sprintf("Nodes(%s, q=%q, limit=%d, after=%q)", c.label, c.substring, c.limit, c.after)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		if !slices.Equal(got, c.want) || next != c.next {
			t.Errorf("%s = %q, next %q; want %q, next %q", what, got, next, c.want, c.next)
		}
	}

	// Walking pages of every size gives every name once, in order.
	for limit := 1; limit <= len(sorted)+1; limit++ {
		var all []string
		after := ""
		for range len(sorted) + 2 {
			page, next, err := s.Nodes(ctx(), team, "Website", "", limit, after)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if next == "" {
				break
			}
			after = next
		}
		if !slices.Equal(all, sorted) {
			t.Errorf("pages of %d = %q, want %q", limit, all, sorted)
		}
	}
}

// depWant is one expected Dependency, with its Active flag for three
// activities.
type depWant struct {
	key                 depc.NodeKey
	node, rel           depc.Periods
	at, during, anyTime bool
}

func checkDeps(t *testing.T, what string, got []depc.Dependency, want []depWant, pick func(depWant) bool) {
	t.Helper()
	if len(got) != len(want) {
		keys := make([]string, len(got))
		for i, d := range got {
			keys[i] = d.Node.Key.String()
		}
		t.Errorf("%s: %d results %v, want %d", what, len(got), keys, len(want))
		return
	}
	for i, w := range want {
		g := got[i]
		if g.Node.Key != w.key {
			t.Errorf("%s[%d]: %v, want %v", what, i, g.Node.Key, w.key)
			continue
		}
		checkPeriods(t, fmt.Sprintf("%s: node %v", what, w.key), g.Node.Periods, w.node)
		checkPeriods(t, fmt.Sprintf("%s: relation to %v", what, w.key), g.Relation, w.rel)
		if g.Active != pick(w) {
			t.Errorf("%s: %v Active = %v, want %v", what, w.key, g.Active, pick(w))
		}
	}
}

func testDependencies(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	w := key("Website", "w")
	mustApply(t, s, team,
		onNode(w, span(0, 1)), // the node's own periods do not matter
		onRel(w, key("Filer", "f2"), open(100)),
		onRel(w, key("Filer", "f10"), closeAt(150)),
		onRel(w, key("Filer", "f1"), open(100)),
		onNode(key("Filer", "f1"), span(200, 300)),
		onRel(w, key("Filer", "f0"), span(0, 100)),
		onRel(w, key("Apache", "a1")),
		onRel(w, key("Apache", "z"), span(140, 160)), // by label first: before every Filer
		onRel(key("Customer", "c"), w),               // a dependent, not a dependency
	)
	at := depc.AtInstant(150)
	during := depc.During(depc.Window{Start: 150, End: 250})
	want := []depWant{
		{key("Apache", "a1"), qos.Always, qos.Always, true, true, true},
		{key("Apache", "z"), qos.Always, ps(140, 160), true, true, true},
		{key("Filer", "f0"), qos.Always, ps(0, 100), false, false, true},
		{key("Filer", "f1"), ps(200, 300), ps(100, inf), false, true, true},
		{key("Filer", "f10"), qos.Always, ps(qos.NegInf, 150), false, false, true},
		{key("Filer", "f2"), qos.Always, ps(100, inf), true, true, true},
	}
	for _, c := range []struct {
		name string
		when depc.Activity
		pick func(depWant) bool
	}{
		{"at 150", at, func(d depWant) bool { return d.at }},
		{"during [150,250)", during, func(d depWant) bool { return d.during }},
		{"any time", anyTime, func(d depWant) bool { return d.anyTime }},
	} {
		got, err := s.Dependencies(ctx(), team, w, c.when)
		if err != nil {
			t.Fatalf("Dependencies %s: %v", c.name, err)
		}
		checkDeps(t, "Dependencies "+c.name, got, want, c.pick)
	}
	got, err := s.Dependencies(ctx(), team, key("Filer", "f2"), at)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("Dependencies of a leaf = %v, want none", got)
	}
}

func testDependents(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	f := key("Filer", "f")
	mustApply(t, s, team,
		onNode(f, closeAt(1)), // the node's own periods do not matter
		onRel(key("Website", "w2"), f, span(0, 100)),
		onRel(key("Website", "w1"), f),
		onRel(key("Customer", "c"), f, open(100)),
		onNode(key("Customer", "c"), span(200, 300)),
		onRel(key("Website", "W"), f, open(200)),
		onRel(f, key("Disk", "d")), // a dependency, not a dependent
	)
	want := []depWant{
		{key("Customer", "c"), ps(200, 300), ps(100, inf), false, true, true},
		{key("Website", "W"), qos.Always, ps(200, inf), false, true, true},
		{key("Website", "w1"), qos.Always, qos.Always, true, true, true},
		{key("Website", "w2"), qos.Always, ps(0, 100), false, false, true},
	}
	for _, c := range []struct {
		name string
		when depc.Activity
		pick func(depWant) bool
	}{
		{"at 150", depc.AtInstant(150), func(d depWant) bool { return d.at }},
		{"during [150,250)", depc.During(depc.Window{Start: 150, End: 250}), func(d depWant) bool { return d.during }},
		{"any time", anyTime, func(d depWant) bool { return d.anyTime }},
	} {
		got, err := s.Dependents(ctx(), team, f, c.when)
		if err != nil {
			t.Fatalf("Dependents %s: %v", c.name, err)
		}
		checkDeps(t, "Dependents "+c.name, got, want, c.pick)
	}
}

func testDependenciesNotTruncated(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	const n = 2500
	hub := key("Website", "hub")
	var events []depc.Event
	var want []string
	for i := range n {
		// Two labels, so that sorting by label then name is visible.
		label := "Filer"
		if i%2 == 1 {
			label = "Apache"
		}
		events = append(events, onRel(hub, key(label, fmt.Sprintf("d%d", i)), open(int64(i)))...)
		events = append(events, onRel(key(label, fmt.Sprintf("p%d", i)), hub)...)
	}
	for _, label := range []string{"Apache", "Filer"} {
		var names []string
		for i := range n {
			if (label == "Apache") == (i%2 == 1) {
				names = append(names, fmt.Sprintf("%s/d%d", label, i))
			}
		}
		slices.Sort(names)
		want = append(want, names...)
	}
	mustApply(t, s, team, events)

	deps, err := s.Dependencies(ctx(), team, hub, depc.AtInstant(1000))
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != n {
		t.Fatalf("Dependencies returned %d, want %d", len(deps), n)
	}
	active := 0
	for i, d := range deps {
		if d.Node.Key.String() != want[i] {
			t.Fatalf("Dependencies[%d] = %v, want %s", i, d.Node.Key, want[i])
		}
		if d.Active {
			active++
		}
	}
	if active != 1001 { // opens at 0…1000 are active at 1000
		t.Errorf("%d dependencies active at 1000, want 1001", active)
	}
	dents, err := s.Dependents(ctx(), team, hub, anyTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(dents) != n {
		t.Fatalf("Dependents returned %d, want %d", len(dents), n)
	}
	for i := 1; i < len(dents); i++ {
		a, b := dents[i-1].Node.Key, dents[i].Node.Key
		if a.Label > b.Label || (a.Label == b.Label && a.Name >= b.Name) {
			t.Fatalf("Dependents not sorted: %v before %v", a, b)
		}
	}
}

func testDependenciesNotFound(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	mustApply(t, s, team, onRel(key("Website", "w"), key("Filer", "f")))
	for _, k := range []depc.NodeKey{key("Website", "x"), key("Apache", "f")} {
		_, err := s.Dependencies(ctx(), team, k, anyTime)
		wantCode(t, fmt.Sprintf("Dependencies(%v)", k), err, depc.ENOTFOUND)
		_, err = s.Dependents(ctx(), team, k, anyTime)
		wantCode(t, fmt.Sprintf("Dependents(%v)", k), err, depc.ENOTFOUND)
	}
}

// testActivityBoundaries checks half-open periods: [f, t) is active at f,
// not at t, and during a window only if it overlaps it.
func testActivityBoundaries(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	w, f, g := key("Website", "w"), key("Filer", "f"), key("Filer", "g")
	c := key("Customer", "c")
	mustApply(t, s, team,
		onRel(w, f, span(100, 200)), // relation [100,200), node always
		onRel(w, g),
		onNode(g, span(100, 200)), // node [100,200), relation always
		onRel(c, w, span(100, 200)),
	)
	win := func(a, b int64) depc.Activity { return depc.During(depc.Window{Start: a, End: b}) }
	cases := []struct {
		name string
		when depc.Activity
		want bool
	}{
		{"at 99", depc.AtInstant(99), false},
		{"at 100", depc.AtInstant(100), true},
		{"at 199", depc.AtInstant(199), true},
		{"at 200", depc.AtInstant(200), false},
		{"during [0,100)", win(0, 100), false},
		{"during [99,100)", win(99, 100), false},
		{"during [0,101)", win(0, 101), true},
		{"during [199,200)", win(199, 200), true},
		{"during [200,300)", win(200, 300), false},
		{"during [150,160)", win(150, 160), true},
		{"during [0,1000)", win(0, 1000), true},
	}
	for _, tc := range cases {
		deps, err := s.Dependencies(ctx(), team, w, tc.when)
		if err != nil {
			t.Fatal(err)
		}
		if len(deps) != 2 {
			t.Fatalf("Dependencies: %d, want 2", len(deps))
		}
		for _, d := range deps {
			if d.Active != tc.want {
				t.Errorf("%s: %v Active = %v, want %v", tc.name, d.Node.Key, d.Active, tc.want)
			}
		}
		if tc.when.Kind == depc.ActiveAt {
			got, _, err := s.Impacted(ctx(), team, w, "Customer", tc.when.At, 10, "")
			if err != nil {
				t.Fatal(err)
			}
			if (len(got) == 1) != tc.want {
				t.Errorf("%s: Impacted = %v, want active %v", tc.name, got, tc.want)
			}
			continue
		}
		gr := snapshot(t, s, team, tc.when.Window, "Filer")
		if _, ok := gr.Nodes[g]; ok != tc.want {
			t.Errorf("%s: Snapshot has node %v: %v, want %v", tc.name, g, ok, tc.want)
		}
		gr = snapshot(t, s, team, tc.when.Window, "Website", "Filer")
		if _, ok := gr.Rels[relKey{w, f}]; ok != tc.want {
			t.Errorf("%s: Snapshot has relation %v->%v: %v, want %v", tc.name, w, f, ok, tc.want)
		}
	}
}
