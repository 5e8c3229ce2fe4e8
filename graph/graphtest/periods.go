package graphtest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// The example of spec/messages.md §3.
var (
	specFirst = []fact{open(100), closeAt(200), span(300, 400), open(500)}
	specWantA = ps(100, 200, 300, 400, 500, inf)
	specWantB = ps(100, 200, 300, 400, 500, 600) // then close 600
	specWantC = ps(100, 150, 300, 400, 500, 600) // then close 150
)

// entity is a node or a relation the period tests write to.
type entity struct {
	node   depc.NodeKey
	target depc.NodeKey // zero for a node
}

func (e entity) events(fs ...fact) []depc.Event {
	if e.target.Label == "" {
		return onNode(e.node, fs...)
	}
	return onRel(e.node, e.target, fs...)
}

func (e entity) String() string {
	if e.target.Label == "" {
		return e.node.String()
	}
	return e.node.String() + "->" + e.target.String()
}

// periodsOf reads the periods of every entity from one snapshot.
func periodsOf(t *testing.T, s depc.GraphStore, team string, es []entity) []depc.Periods {
	t.Helper()
	g := snapshot(t, s, team, everything)
	out := make([]depc.Periods, len(es))
	for i, e := range es {
		var ok bool
		if e.target.Label == "" {
			out[i], ok = g.Nodes[e.node]
		} else {
			out[i], ok = g.Rels[relKey{e.node, e.target}]
		}
		if !ok {
			t.Fatalf("%v missing from the snapshot", e)
		}
	}
	return out
}

// entities returns n nodes, or n relations to one target.
func entities(n int, relations bool) []entity {
	out := make([]entity, n)
	for i := range out {
		out[i].node = key("Perm", fmt.Sprintf("p%d", i))
		if relations {
			out[i].target = key("Target", "t")
		}
	}
	return out
}

func kinds(relations bool) string {
	if relations {
		return "relations"
	}
	return "nodes"
}

func permutations(fs []fact) [][]fact {
	if len(fs) <= 1 {
		return [][]fact{slices.Clone(fs)}
	}
	var out [][]fact
	for i := range fs {
		rest := slices.Concat(fs[:i], fs[i+1:])
		for _, p := range permutations(rest) {
			out = append(out, append([]fact{fs[i]}, p...))
		}
	}
	return out
}

// testPeriodsSpecExample applies the example of spec/messages.md §3 in every
// order of its first four events, one Apply per event, then the two late
// closes.
func testPeriodsSpecExample(t *testing.T, h *harness) {
	s := h.store(t)
	perms := permutations(specFirst)
	for _, relations := range []bool{false, true} {
		t.Run(kinds(relations), func(t *testing.T) {
			team := h.team()
			es := entities(len(perms), relations)
			for round := range specFirst {
				var events []depc.Event
				for i, e := range es {
					events = append(events, e.events(perms[i][round])...)
				}
				mustApply(t, s, team, events)
			}
			for i, got := range periodsOf(t, s, team, es) {
				checkPeriods(t, fmt.Sprintf("order %v", perms[i]), got, specWantA)
			}
			var events []depc.Event
			for _, e := range es {
				events = append(events, e.events(closeAt(600))...)
			}
			mustApply(t, s, team, events)
			for i, got := range periodsOf(t, s, team, es) {
				checkPeriods(t, fmt.Sprintf("order %v then close 600", perms[i]), got, specWantB)
			}
			events = nil
			for _, e := range es {
				events = append(events, e.events(closeAt(150))...)
			}
			mustApply(t, s, team, events)
			for i, got := range periodsOf(t, s, team, es) {
				checkPeriods(t, fmt.Sprintf("order %v then close 600, close 150", perms[i]), got, specWantC)
			}
		})
	}
}

// testPeriodsEveryOrder applies the six events of the example in all 720
// orders, across separate Apply calls and within one batch.
func testPeriodsEveryOrder(t *testing.T, h *harness) {
	s := h.store(t)
	all := append(slices.Clone(specFirst), closeAt(600), closeAt(150))
	perms := permutations(all)
	for _, relations := range []bool{false, true} {
		t.Run(kinds(relations)+"/separate batches", func(t *testing.T) {
			team := h.team()
			es := entities(len(perms), relations)
			for round := range all {
				var events []depc.Event
				for i, e := range es {
					events = append(events, e.events(perms[i][round])...)
				}
				mustApply(t, s, team, events)
				// Every prefix gives the periods of its own event set.
				got := periodsOf(t, s, team, es)
				for i := range es {
					var set depc.EventSet
					for _, f := range perms[i][:round+1] {
						set.Add(es[i].events(f)[0])
					}
					checkPeriods(t, fmt.Sprintf("prefix %v", perms[i][:round+1]), got[i], set.Periods())
				}
			}
			for i, got := range periodsOf(t, s, team, es) {
				checkPeriods(t, fmt.Sprintf("order %v", perms[i]), got, specWantC)
			}
		})
		t.Run(kinds(relations)+"/one batch", func(t *testing.T) {
			team := h.team()
			es := entities(len(perms), relations)
			var events []depc.Event
			for i, e := range es {
				events = append(events, e.events(perms[i]...)...)
			}
			mustApply(t, s, team, events)
			for i, got := range periodsOf(t, s, team, es) {
				checkPeriods(t, fmt.Sprintf("order %v", perms[i]), got, specWantC)
			}
		})
	}
}

func testReplay(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	events := batch(
		onNode(key("Website", "w"), open(1), closeAt(5), span(7, 9)),
		onRel(key("Website", "w"), key("Filer", "f"), open(3), closeAt(4), open(4)),
		onRel(key("Customer", "c"), key("Website", "w")),
		onNode(key("Filer", "f")),
	)
	mustApply(t, s, team, events)
	first := snapshot(t, s, team, everything)
	m := newModel()
	m.add(events...)
	compareGraph(t, "first application", first, m.graph())

	mustApply(t, s, team, events)
	compareGraph(t, "second application", snapshot(t, s, team, everything), first)

	reversed := slices.Clone(events)
	slices.Reverse(reversed)
	mustApply(t, s, team, reversed)
	for _, e := range events {
		mustApply(t, s, team, []depc.Event{e})
	}
	// One batch holding each event twice.
	mustApply(t, s, team, events, events)
	compareGraph(t, "after replays", snapshot(t, s, team, everything), first)
}

// testRandomOrders applies one random set of events in several random
// orders and batchings, with replayed events, and compares every entity's
// periods with the reference fold and between orders.
func testRandomOrders(t *testing.T, h *harness) {
	s := h.store(t)
	const seed = 20240601
	rng := rand.New(rand.NewPCG(seed, 1))
	labels := []string{"Offer", "Website", "Filer"}
	nodes := make([]depc.NodeKey, 12)
	for i := range nodes {
		nodes[i] = key(labels[i%len(labels)], fmt.Sprintf("n%d", i))
	}
	randomFact := func() fact {
		switch r := rng.IntN(10); {
		case r == 0:
			return exists()
		case r < 4:
			return open(rng.Int64N(60))
		case r < 7:
			return closeAt(1 + rng.Int64N(60))
		default:
			from := rng.Int64N(60)
			return span(from, from+1+rng.Int64N(20))
		}
	}
	var events []depc.Event
	for range 400 {
		a := nodes[rng.IntN(len(nodes))]
		if rng.IntN(10) < 3 {
			events = append(events, onNode(a, randomFact())...)
			continue
		}
		b := nodes[rng.IntN(len(nodes))] // self-loops included
		events = append(events, onRel(a, b, randomFact())...)
	}
	m := newModel()
	m.add(events...)
	want := m.graph()

	var previous *graph
	for order := range 6 {
		shuffled := slices.Clone(events)
		// Replay a tenth of the events.
		for range len(events) / 10 {
			shuffled = append(shuffled, events[rng.IntN(len(events))])
		}
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		team := h.team()
		for len(shuffled) > 0 {
			n := min(len(shuffled), 1+rng.IntN(60))
			mustApply(t, s, team, shuffled[:n])
			shuffled = shuffled[n:]
		}
		got := snapshot(t, s, team, everything)
		compareGraph(t, fmt.Sprintf("seed %d, order %d vs reference", seed, order), got, want)
		if previous != nil {
			compareGraph(t, fmt.Sprintf("seed %d, order %d vs order %d", seed, order, order-1), got, *previous)
		}
		previous = &got
		if t.Failed() {
			return
		}
	}
}

// allowedNameBytes is every byte depc.NamePattern accepts.
func allowedNameBytes() string {
	var b strings.Builder
	for c := byte(0x21); c < 0x7f; c++ {
		if depc.ValidName(string(c)) {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func testNames(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	every := allowedNameBytes()
	if strings.ContainsAny(every, "\"'\\` ") || len(every) != 90 {
		t.Fatalf("allowed name bytes %q: the name pattern changed", every)
	}
	names := []string{
		every,
		"a/b", "/", "//", "#", "%", "_", "&", "a%b", "a_b", "%%", "?x=1&y=%20", "#F$o%ob&/a-r.", "a|b~{}",
		"..", ".", "*", "(", ")", "[", "]", "{", "}", "$1", ";DROP", "--", "/*", "a:b", "<>", "!",
		strings.Repeat("x", depc.MaxNameLen), "x",
	}
	for c := range len(every) {
		names = append(names, "c"+every[c:c+1])
	}
	slices.Sort(names)
	names = slices.Compact(names)
	parent := key("Customer", "p/1#%&")
	var events []depc.Event
	for i, n := range names {
		events = append(events, onRel(parent, key("Website", n), open(int64(i)))...)
		events = append(events, onNode(key("Website", n), span(int64(i), int64(i)+1000))...)
	}
	mustApply(t, s, team, events)

	for i, n := range names {
		got := mustNode(t, s, team, key("Website", n))
		if got.Key.Name != n {
			t.Errorf("Node(%q) returned name %q", n, got.Key.Name)
		}
		checkPeriods(t, fmt.Sprintf("Node(%q)", n), got.Periods, ps(int64(i), int64(i)+1000))
	}
	page, next, err := s.Nodes(ctx(), team, "Website", "", 1000, "")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(page, names) || next != "" {
		t.Errorf("Nodes = %q, next %q; want %q", page, next, names)
	}
	for _, sub := range []string{"%", "_", "/", "#", "&", "?", "*", "[", "%2"} {
		var want []string
		for _, n := range names {
			if strings.Contains(n, sub) {
				want = append(want, n)
			}
		}
		got, _, err := s.Nodes(ctx(), team, "Website", sub, 1000, "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("Nodes containing %q = %q, want %q", sub, got, want)
		}
	}
	deps, err := s.Dependencies(ctx(), team, parent, anyTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != len(names) {
		t.Fatalf("Dependencies = %d, want %d", len(deps), len(names))
	}
	for i, d := range deps {
		if d.Node.Key.Name != names[i] {
			t.Errorf("Dependencies[%d] = %q, want %q", i, d.Node.Key.Name, names[i])
		}
	}
	for _, n := range []string{every, "%", "a/b", "?x=1&y=%20"} {
		got := impacted(t, s, team, key("Website", n), "Customer", 500)
		if len(got) != 1 || got[0] != parent {
			t.Errorf("Impacted(%q) = %v, want %v", n, got, parent)
		}
		var sink collector
		if err := s.Subgraph(ctx(), team, parent, everything, &sink); err != nil {
			t.Fatal(err)
		}
		if g := sink.graph(t); len(g.Nodes) != len(names)+1 {
			t.Errorf("Subgraph of %v: %d nodes, want %d", parent, len(g.Nodes), len(names)+1)
		}
	}
	g := snapshot(t, s, team, everything, "Website")
	for _, n := range names {
		if _, ok := g.Nodes[key("Website", n)]; !ok {
			t.Errorf("Snapshot lacks %q", n)
		}
	}
	// Deleting "%" leaves "_" and "%%" alone: names are never patterns.
	if err := s.DeleteNode(ctx(), team, key("Website", "%")); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"_", "%%", "a%b", every} {
		mustNode(t, s, team, key("Website", n))
	}
	_, err = s.Node(ctx(), team, key("Website", "%"))
	wantCode(t, "Node(%) after its deletion", err, depc.ENOTFOUND)
}

func testTeamIsolation(t *testing.T, h *harness) {
	s := h.store(t)
	a := h.team()
	b := a + "x" // one team's name is a prefix of the other's
	w, f, g := key("Website", "w"), key("Filer", "f"), key("Filer", "g")
	mustApply(t, s, a, onNode(w, span(1, 2)), onRel(w, f), onRel(key("Customer", "c"), w))
	mustApply(t, s, b, onNode(w, open(5)), onRel(w, g, open(7)), onNode(key("Apache", "x")))

	checkPeriods(t, "team a's w", mustNode(t, s, a, w).Periods, ps(1, 2))
	checkPeriods(t, "team b's w", mustNode(t, s, b, w).Periods, ps(5, inf))
	_, err := s.Node(ctx(), b, f)
	wantCode(t, "team b reading team a's node", err, depc.ENOTFOUND)
	_, err = s.Node(ctx(), h.team(), w)
	wantCode(t, "a third team reading w", err, depc.ENOTFOUND)

	la, _ := s.Labels(ctx(), a)
	lb, _ := s.Labels(ctx(), b)
	if want := []depc.LabelCount{{Label: "Customer", Nodes: 1}, {Label: "Filer", Nodes: 1}, {Label: "Website", Nodes: 1}}; !slices.Equal(la, want) {
		t.Errorf("Labels(a) = %v, want %v", la, want)
	}
	if want := []depc.LabelCount{{Label: "Apache", Nodes: 1}, {Label: "Filer", Nodes: 1}, {Label: "Website", Nodes: 1}}; !slices.Equal(lb, want) {
		t.Errorf("Labels(b) = %v, want %v", lb, want)
	}
	names, _, _ := s.Nodes(ctx(), b, "Filer", "", 10, "")
	if !slices.Equal(names, []string{"g"}) {
		t.Errorf("Nodes(b, Filer) = %v, want [g]", names)
	}
	deps, err := s.Dependencies(ctx(), a, w, anyTime)
	if err != nil || len(deps) != 1 || deps[0].Node.Key != f {
		t.Errorf("Dependencies(a, w) = %v, %v; want only %v", deps, err, f)
	}
	dents, err := s.Dependents(ctx(), b, w, anyTime)
	if err != nil || len(dents) != 0 {
		t.Errorf("Dependents(b, w) = %v, %v; want none", dents, err)
	}
	if got := impacted(t, s, b, g, "Website", 10); !slices.Equal(got, []depc.NodeKey{w}) {
		t.Errorf("Impacted(b, g) = %v, want [w]", got)
	}
	if got := impacted(t, s, b, w, "Customer", 10); len(got) != 0 {
		t.Errorf("Impacted(b, w, Customer) = %v, want none", got)
	}
	ga := snapshot(t, s, a, everything)
	compareGraph(t, "Snapshot(a)", ga, graph{
		Nodes: map[depc.NodeKey]depc.Periods{w: ps(1, 2), f: qos.Always, key("Customer", "c"): qos.Always},
		Rels:  map[relKey]depc.Periods{{w, f}: qos.Always, {key("Customer", "c"), w}: qos.Always},
	})
	var sink collector
	if err := s.Subgraph(ctx(), b, w, everything, &sink); err != nil {
		t.Fatal(err)
	}
	compareGraph(t, "Subgraph(b, w)", sink.graph(t), graph{
		Nodes: map[depc.NodeKey]depc.Periods{w: ps(5, inf), g: qos.Always},
		Rels:  map[relKey]depc.Periods{{w, g}: ps(7, inf)},
	})
	if err := s.DeleteNode(ctx(), a, w); err != nil {
		t.Fatal(err)
	}
	checkPeriods(t, "team b's w after team a deleted its w", mustNode(t, s, b, w).Periods, ps(5, inf))
	wantCode(t, "team b deleting team a's node", s.DeleteNode(ctx(), b, f), depc.ENOTFOUND)
	mustNode(t, s, a, f)
}
