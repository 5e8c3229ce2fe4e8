package graphtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

func impacted(t *testing.T, s depc.GraphStore, team string, k depc.NodeKey, label string, at int64) []depc.NodeKey {
	t.Helper()
	got, next, err := s.Impacted(ctx(), team, k, label, at, 1000, "")
	if err != nil {
		t.Fatalf("Impacted(%v, %s, %d): %v", k, label, at, err)
	}
	if next != "" {
		t.Errorf("Impacted(%v, %s, %d): next %q on the only page", k, label, at, next)
	}
	return got
}

func keys(label string, names ...string) []depc.NodeKey {
	out := make([]depc.NodeKey, len(names))
	for i, n := range names {
		out[i] = key(label, n)
	}
	return out
}

func testImpacted(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	const T = 1000
	f := key("Filer", "f1")
	w := func(n string) depc.NodeKey { return key("Website", n) }
	c := func(n string) depc.NodeKey { return key("Customer", n) }
	gone := span(0, 10) // inactive at T
	mustApply(t, s, team,
		// c1 -> w1 -> f1, all active.
		onRel(c("c1"), w("w1")), onRel(w("w1"), f),
		// c2 -> w2 -> f1 where w2 -> f1 is inactive at T.
		onRel(c("c2"), w("w2")), onRel(w("w2"), f, gone),
		// c3 -> w3 -> f1 where w3 is inactive at T.
		onRel(c("c3"), w("w3")), onRel(w("w3"), f), onNode(w("w3"), gone),
		// c4 has one dead path (through w5, inactive) and one live one (w4).
		onRel(c("c4"), w("w5")), onRel(w("w5"), f), onNode(w("w5"), gone),
		onRel(c("c4"), w("w4")), onRel(w("w4"), f, open(T)),
		// c5 reaches f1 through the dead w2 -> f1 and the live w1.
		onRel(c("c5"), w("w2")), onRel(c("c5"), w("w1"), closeAt(T+1)),
		// c6 is inactive itself: both ends count.
		onRel(c("c6"), w("w1")), onNode(c("c6"), gone),
		// c7's relation to w1 ends exactly at T.
		onRel(c("c7"), w("w1"), closeAt(T)),
		// Offers two hops up, one through an inactive customer.
		onRel(key("Offer", "o1"), c("c1")),
		onRel(key("Offer", "o2"), c("c6")),
		onRel(key("Offer", "o3"), c("c2")),
		// f1 itself depends on something: not an ancestor.
		onRel(f, key("Disk", "d1")),
		// A customer that does not reach f1 at all.
		onRel(c("c8"), key("Apache", "a1")),
	)
	cases := []struct {
		node  depc.NodeKey
		label string
		at    int64
		want  []depc.NodeKey
	}{
		{f, "Customer", T, keys("Customer", "c1", "c4", "c5")},
		{f, "Website", T, keys("Website", "w1", "w4")},
		{f, "Offer", T, keys("Offer", "o1")},
		{f, "Filer", T, nil}, // never the node itself
		{f, "Disk", T, nil},  // only ancestors
		{f, "Nothing", T, nil},
		// At 5 the dead relations are alive and w4 -> f1 is not yet.
		{f, "Customer", 5, keys("Customer", "c1", "c2", "c3", "c4", "c5", "c6", "c7")},
		{f, "Website", 5, keys("Website", "w1", "w2", "w3", "w5")},
		{f, "Offer", 5, keys("Offer", "o1", "o2", "o3")},
		{key("Disk", "d1"), "Customer", T, keys("Customer", "c1", "c4", "c5")},
		{w("w3"), "Customer", T, nil}, // the node must be active too
		{w("w3"), "Customer", 5, keys("Customer", "c3")},
	}
	for _, tc := range cases {
		got := impacted(t, s, team, tc.node, tc.label, tc.at)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Impacted(%v, %s, at %d) = %v, want %v", tc.node, tc.label, tc.at, got, tc.want)
		}
	}
	_, _, err := s.Impacted(ctx(), team, key("Filer", "nope"), "Customer", T, 10, "")
	wantCode(t, "Impacted of a missing node", err, depc.ENOTFOUND)
}

func testImpactedCycles(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	a, b, c, d := key("A", "a"), key("B", "b"), key("C", "c"), key("A", "z")
	mustApply(t, s, team,
		onRel(a, b), onRel(b, a), // a two-node cycle
		onRel(b, c),
		onRel(c, c),              // a self-loop
		onRel(d, d), onRel(d, b), // another ancestor with a self-loop
		onRel(c, key("B", "b2")), // below c
		onRel(key("B", "b2"), a), // a long cycle a -> b -> c -> b2 -> a
		onRel(key("A", "y"), c, closeAt(5)),
	)
	cases := []struct {
		node  depc.NodeKey
		label string
		want  []depc.NodeKey
	}{
		{c, "A", keys("A", "a", "z")},
		{c, "B", keys("B", "b", "b2")},
		{c, "C", nil}, // the node itself, even on a cycle and a self-loop
		{a, "A", keys("A", "z")},
		{b, "C", keys("C", "c")},
	}
	// The calls run under a watchdog: a store that loops on a cycle fails
	// the test instead of hanging the suite.
	got := make([][]depc.NodeKey, len(cases))
	var sink collector
	within(t, "Impacted and Subgraph on a cyclic graph", func(c context.Context) error {
		for i, tc := range cases {
			var err error
			if got[i], _, err = s.Impacted(c, team, tc.node, tc.label, 10, 1000, ""); err != nil {
				return fmt.Errorf("Impacted(%v, %s): %w", tc.node, tc.label, err)
			}
		}
		return s.Subgraph(c, team, a, depc.Window{Start: 0, End: 100}, &sink)
	})
	for i, tc := range cases {
		if !slices.Equal(got[i], tc.want) {
			t.Errorf("Impacted(%v, %s) = %v, want %v", tc.node, tc.label, got[i], tc.want)
		}
	}
	g := sink.graph(t)
	if len(g.Nodes) != 4 { // a, b, c, b2
		t.Errorf("Subgraph of a cycle: %d nodes, want 4", len(g.Nodes))
	}
}

func testImpactedPaging(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	f := key("Filer", "f")
	var events []depc.Event
	var all []depc.NodeKey
	for i := range 25 {
		c := key("Customer", fmt.Sprintf("c%02d", i))
		w := key("Website", fmt.Sprintf("w%02d", i))
		events = append(events, batch(onRel(c, w), onRel(w, f))...)
		all = append(all, c)
	}
	// Two paths to one customer: it is listed once.
	events = append(events, onRel(key("Customer", "c00"), key("Website", "w01"))...)
	mustApply(t, s, team, events)

	var got []depc.NodeKey
	after := ""
	var pages []int
	for range 10 {
		page, next, err := s.Impacted(ctx(), team, f, "Customer", 0, 10, after)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		pages = append(pages, len(page))
		if next == "" {
			break
		}
		if next != page[len(page)-1].Name {
			t.Errorf("next = %q, want the last name returned %q", next, page[len(page)-1].Name)
		}
		after = next
	}
	if !slices.Equal(got, all) {
		t.Errorf("Impacted pages = %v, want %v", got, all)
	}
	if !slices.Equal(pages, []int{10, 10, 5}) {
		t.Errorf("page sizes = %v, want [10 10 5]", pages)
	}
	page, next, err := s.Impacted(ctx(), team, f, "Customer", 0, 25, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 25 || next != "" {
		t.Errorf("a page of exactly 25: %d names, next %q; want 25 and \"\"", len(page), next)
	}
	page, _, err = s.Impacted(ctx(), team, f, "Customer", 0, 10, "c10x")
	if err != nil {
		t.Fatal(err)
	}
	if len(page) == 0 || page[0].Name != "c11" {
		t.Errorf("after a name that is not a result: %v, want c11 first", page)
	}
}

func testSnapshot(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	day := depc.Window{Start: 86400, End: 2 * 86400}
	w1, w2, w3 := key("Website", "w1"), key("Website", "w2"), key("Website", "w3")
	f1, f2, a1 := key("Filer", "f1"), key("Filer", "f2"), key("Apache", "a1")
	c1 := key("Customer", "c1")
	mustApply(t, s, team,
		onNode(w1, open(100)),
		onNode(w2, span(0, 86400)), // ends as the day starts
		onNode(w3, span(100000, 100001), open(2*86400)),
		onRel(w1, f1, open(90000)),        // begins during the day
		onRel(w1, f2, span(10, 86400)),    // ends as the day starts
		onRel(w2, f1),                     // w2 is not delivered
		onRel(w3, f2, closeAt(100001)),    // ends during the day
		onRel(w3, f1, open(2*86400)),      // begins the day after
		onRel(w1, a1),                     // Apache is not asked for
		onRel(c1, w1),                     // nor Customer
		onRel(w1, w3, span(86399, 86401)), // Website -> Website
		onNode(f2, span(86400, 86401), span(90000, 90001)),
	)
	got := snapshot(t, s, team, day, "Website", "Filer")
	want := graph{
		Nodes: map[depc.NodeKey]depc.Periods{
			w1: ps(100, inf),
			w3: ps(100000, 100001, 2*86400, inf),
			f1: qos.Always,
			f2: ps(86400, 86401, 90000, 90001),
		},
		Rels: map[relKey]depc.Periods{
			{w1, f1}: ps(90000, inf),
			{w3, f2}: ps(qos.NegInf, 100001),
			{w1, w3}: ps(86399, 86401),
		},
	}
	compareGraph(t, "Snapshot(Website, Filer)", got, want)

	// Asking a label twice, or a label that has no node, changes nothing.
	compareGraph(t, "Snapshot(Website, Filer, Filer, Nothing)",
		snapshot(t, s, team, day, "Website", "Filer", "Filer", "Nothing"), want)

	got = snapshot(t, s, team, day, "Filer")
	compareGraph(t, "Snapshot(Filer)", got, graph{Nodes: map[depc.NodeKey]depc.Periods{
		f1: qos.Always, f2: ps(86400, 86401, 90000, 90001),
	}, Rels: map[relKey]depc.Periods{}})

	got = snapshot(t, s, team, day, "Nothing")
	compareGraph(t, "Snapshot(Nothing)", got, graph{Nodes: map[depc.NodeKey]depc.Periods{}, Rels: map[relKey]depc.Periods{}})

	// An empty team is an empty snapshot.
	got = snapshot(t, s, h.team(), day)
	if len(got.Nodes)+len(got.Rels) != 0 {
		t.Errorf("Snapshot of an empty team: %d nodes, %d relations", len(got.Nodes), len(got.Rels))
	}
}

func testSnapshotAllLabels(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	events := batch(
		onRel(key("Offer", "o"), key("Customer", "c")),
		onRel(key("Customer", "c"), key("Website", "w"), open(5)),
		onRel(key("Website", "w"), key("Filer", "f"), span(1, 3)),
		onNode(key("Filer", "g"), closeAt(2)),
	)
	mustApply(t, s, team, events)
	m := newModel()
	m.add(events...)
	compareGraph(t, "Snapshot with no label over everything", snapshot(t, s, team, everything), m.graph())
	compareGraph(t, "Snapshot with every label over everything",
		snapshot(t, s, team, everything, "Filer", "Website", "Customer", "Offer"), m.graph())

	// During [3, 5) only the nodes are left: every relation is inactive.
	got := snapshot(t, s, team, depc.Window{Start: 3, End: 5})
	want := m.graph()
	delete(want.Nodes, key("Filer", "g"))
	want.Rels = map[relKey]depc.Periods{{key("Offer", "o"), key("Customer", "c")}: qos.Always}
	compareGraph(t, "Snapshot during [3,5)", got, want)
}

// stopSink fails after n nodes or at the first relation.
type stopSink struct {
	n, nodes, rels int
}

func (s *stopSink) Node(depc.SnapshotNode) error {
	s.nodes++
	if s.nodes > s.n {
		return errSink
	}
	return nil
}

func (s *stopSink) Relation(depc.SnapshotRelation) error {
	s.rels++
	return errSink
}

func testSnapshotSinkError(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	var events []depc.Event
	for i := range 50 {
		events = append(events, onRel(key("Website", fmt.Sprintf("w%d", i)), key("Filer", "f"))...)
	}
	mustApply(t, s, team, events)
	for _, n := range []int{0, 10, 51} {
		sink := &stopSink{n: n}
		err := s.Snapshot(ctx(), team, everything, nil, sink)
		if !errors.Is(err, errSink) {
			t.Errorf("sink failing after %d nodes: Snapshot returned %v, want the sink's error", n, err)
		}
		if sink.nodes != min(n+1, 51) || sink.rels > 1 {
			t.Errorf("sink failing after %d nodes was called %d times for nodes, %d for relations: the store went on", n, sink.nodes, sink.rels)
		}
		sink = &stopSink{n: n}
		err = s.Subgraph(ctx(), team, key("Website", "w0"), everything, sink)
		if !errors.Is(err, errSink) {
			t.Errorf("sink failing after %d nodes: Subgraph returned %v, want the sink's error", n, err)
		}
	}
	// The store still works after a stopped snapshot.
	if got := snapshot(t, s, team, everything); len(got.Nodes) != 51 || len(got.Rels) != 50 {
		t.Errorf("Snapshot after stopped ones: %d nodes, %d relations; want 51, 50", len(got.Nodes), len(got.Rels))
	}
}

func testSubgraph(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	day := depc.Window{Start: 1000, End: 2000}
	root := key("Customer", "c")
	w1, w2, w3 := key("Website", "w1"), key("Website", "w2"), key("Website", "w3")
	f1, a1, x := key("Filer", "f1"), key("Apache", "a1"), key("Disk", "x")
	mustApply(t, s, team,
		onRel(root, w1, open(1500)),
		onRel(root, w2, span(0, 1000)), // inactive during the day
		onRel(root, w3),
		onNode(w3, span(2000, 3000)),  // inactive during the day
		onRel(w3, key("Filer", "f9")), // only reachable through w3
		onRel(w1, f1), onRel(w1, a1),
		onRel(a1, f1, closeAt(1001)), // between delivered nodes, not traversed first
		onRel(f1, x),                 // two hops down
		onRel(x, root),               // a cycle back to the root
		onRel(w2, key("Filer", "f8")),
		onRel(key("Offer", "o"), root), // above the root: not in its subgraph
		onRel(f1, key("Disk", "y"), span(0, 5)),
		onNode(w1, open(10)),
	)
	var sink collector
	if err := s.Subgraph(ctx(), team, root, day, &sink); err != nil {
		t.Fatal(err)
	}
	got := sink.graph(t)
	if got.First != root {
		t.Errorf("Subgraph delivered %v first, want the root %v", got.First, root)
	}
	want := graph{
		Nodes: map[depc.NodeKey]depc.Periods{
			root: qos.Always, w1: ps(10, inf), f1: qos.Always, a1: qos.Always, x: qos.Always,
		},
		Rels: map[relKey]depc.Periods{
			{root, w1}: ps(1500, inf),
			{w1, f1}:   qos.Always,
			{w1, a1}:   qos.Always,
			{a1, f1}:   ps(qos.NegInf, 1001),
			{f1, x}:    qos.Always,
			{x, root}:  qos.Always,
		},
	}
	compareGraph(t, "Subgraph(c)", got, want)

	sink = collector{}
	if err := s.Subgraph(ctx(), team, f1, day, &sink); err != nil {
		t.Fatal(err)
	}
	got = sink.graph(t)
	if len(got.Nodes) != 5 || got.First != f1 {
		t.Errorf("Subgraph(f1) through the cycle: %d nodes, first %v; want 5, %v", len(got.Nodes), got.First, f1)
	}

	err := s.Subgraph(ctx(), team, key("Customer", "nope"), day, &collector{})
	wantCode(t, "Subgraph of a missing node", err, depc.ENOTFOUND)
}

func testSubgraphInactiveRoot(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	root := key("Customer", "c")
	mustApply(t, s, team,
		onNode(root, span(0, 10)),
		onRel(root, key("Website", "w")),
		onRel(root, root),
	)
	var sink collector
	if err := s.Subgraph(ctx(), team, root, depc.Window{Start: 100, End: 200}, &sink); err != nil {
		t.Fatal(err)
	}
	compareGraph(t, "Subgraph of an inactive root", sink.graph(t), graph{
		Nodes: map[depc.NodeKey]depc.Periods{root: ps(0, 10)},
		Rels:  map[relKey]depc.Periods{},
	})
	sink = collector{}
	if err := s.Subgraph(ctx(), team, root, depc.Window{Start: 0, End: 200}, &sink); err != nil {
		t.Fatal(err)
	}
	compareGraph(t, "Subgraph of a root with a self-loop", sink.graph(t), graph{
		Nodes: map[depc.NodeKey]depc.Periods{root: ps(0, 10), key("Website", "w"): qos.Always},
		Rels: map[relKey]depc.Periods{
			{root, key("Website", "w")}: qos.Always,
			{root, root}:                qos.Always,
		},
	})
}

func testDeleteNode(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	c, w, w2, f := key("Customer", "c"), key("Website", "w"), key("Website", "w2"), key("Filer", "f")
	mustApply(t, s, team,
		onRel(c, w), onRel(w, f, open(5)), onRel(w2, f), onRel(c, w2), onRel(w, w),
		onNode(w, open(1)),
	)
	if err := s.DeleteNode(ctx(), team, w); err != nil {
		t.Fatalf("DeleteNode: %v", err)
	}
	_, err := s.Node(ctx(), team, w)
	wantCode(t, "Node after DeleteNode", err, depc.ENOTFOUND)
	compareGraph(t, "after DeleteNode", snapshot(t, s, team, everything), graph{
		Nodes: map[depc.NodeKey]depc.Periods{c: qos.Always, w2: qos.Always, f: qos.Always},
		Rels:  map[relKey]depc.Periods{{w2, f}: qos.Always, {c, w2}: qos.Always},
	})
	deps, err := s.Dependencies(ctx(), team, c, anyTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || deps[0].Node.Key != w2 {
		t.Errorf("Dependencies of a parent after DeleteNode = %v, want only %v", deps, w2)
	}
	labels, err := s.Labels(ctx(), team)
	if err != nil {
		t.Fatal(err)
	}
	wantLabels := []depc.LabelCount{{Label: "Customer", Nodes: 1}, {Label: "Filer", Nodes: 1}, {Label: "Website", Nodes: 1}}
	if !slices.Equal(labels, wantLabels) {
		t.Errorf("Labels after DeleteNode = %v, want %v", labels, wantLabels)
	}
	wantCode(t, "DeleteNode twice", s.DeleteNode(ctx(), team, w), depc.ENOTFOUND)
	wantCode(t, "DeleteNode of a never seen node", s.DeleteNode(ctx(), team, key("Disk", "d")), depc.ENOTFOUND)

	// Later events recreate the node and relation from those events alone.
	mustApply(t, s, team, onRel(w, f, closeAt(9)))
	checkPeriods(t, "recreated node", mustNode(t, s, team, w).Periods, qos.Always)
	deps, err = s.Dependencies(ctx(), team, w, anyTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 {
		t.Fatalf("Dependencies of the recreated node: %d, want 1", len(deps))
	}
	checkPeriods(t, "recreated relation", deps[0].Relation, ps(qos.NegInf, 9))
	// The relations to the deleted node are gone for good: the recreated
	// node (which may get the deleted one's internal id back) has no
	// dependent.
	compareGraph(t, "after recreating the node", snapshot(t, s, team, everything), graph{
		Nodes: map[depc.NodeKey]depc.Periods{c: qos.Always, w: qos.Always, w2: qos.Always, f: qos.Always},
		Rels:  map[relKey]depc.Periods{{w2, f}: qos.Always, {c, w2}: qos.Always, {w, f}: ps(qos.NegInf, 9)},
	})

	// Deleting the last node of a label removes the label.
	for _, k := range []depc.NodeKey{c} {
		if err := s.DeleteNode(ctx(), team, k); err != nil {
			t.Fatal(err)
		}
	}
	labels, _ = s.Labels(ctx(), team)
	for _, l := range labels {
		if l.Label == "Customer" {
			t.Errorf("Labels still lists Customer after its last node went: %v", labels)
		}
	}
}
