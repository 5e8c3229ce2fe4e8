package graphtest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

func testPing(t *testing.T, h *harness) {
	s := h.store(t)
	if err := s.Ping(ctx()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testApplyNode(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	cases := []struct {
		name  string
		facts []fact
		want  depc.Periods
	}{
		{"exists", []fact{exists()}, qos.Always},
		{"open", []fact{open(100)}, ps(100, inf)},
		{"close", []fact{closeAt(100)}, ps(qos.NegInf, 100)},
		{"span", []fact{span(100, 200)}, ps(100, 200)},
		{"exists then open", []fact{exists(), open(5)}, ps(5, inf)},
		{"open and close", []fact{open(10), closeAt(20)}, ps(10, 20)},
		{"close and open at one instant", []fact{open(10), closeAt(20), open(20), closeAt(30)}, ps(10, 30)},
		{"spans touching", []fact{span(1, 2), span(2, 3)}, ps(1, 3)},
		{"from zero", []fact{span(0, 1)}, ps(0, 1)},
	}
	for i, c := range cases {
		k := key("Server", fmt.Sprintf("n%d", i))
		mustApply(t, s, team, onNode(k, c.facts...))
		n := mustNode(t, s, team, k)
		if n.Key != k {
			t.Errorf("%s: Node returned key %v, want %v", c.name, n.Key, k)
		}
		checkPeriods(t, c.name, n.Periods, c.want)
	}
}

func testApplyRelationCreatesNodes(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	w, f := key("Website", "w1"), key("Filer", "f1")
	mustApply(t, s, team, onRel(w, f, open(100)))
	for _, k := range []depc.NodeKey{w, f} {
		// A relation event says nothing of its nodes' periods.
		checkPeriods(t, k.String(), mustNode(t, s, team, k).Periods, qos.Always)
	}
	deps, err := s.Dependencies(ctx(), team, w, anyTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 1 || deps[0].Node.Key != f {
		t.Fatalf("Dependencies = %v, want %v", deps, f)
	}
	checkPeriods(t, "relation", deps[0].Relation, ps(100, inf))

	// A relation declared without events is active always.
	a := key("Apache", "a1")
	mustApply(t, s, team, onRel(w, a))
	deps, err = s.Dependencies(ctx(), team, w, anyTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(deps) != 2 || deps[0].Node.Key != a {
		t.Fatalf("Dependencies = %v, want %v first", deps, a)
	}
	checkPeriods(t, "relation without events", deps[0].Relation, qos.Always)

	// A node event on an existing node keeps its relations.
	mustApply(t, s, team, onNode(f, span(10, 20)))
	checkPeriods(t, "filer", mustNode(t, s, team, f).Periods, ps(10, 20))
	deps, _ = s.Dependencies(ctx(), team, w, anyTime)
	if len(deps) != 2 {
		t.Fatalf("Dependencies after a node event: %d, want 2", len(deps))
	}
	checkPeriods(t, "filer as dependency", deps[1].Node.Periods, ps(10, 20))
}

func testApplyBatch(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	o, c := key("Offer", "o"), key("Customer", "c")
	w1, w2, f := key("Website", "w1"), key("Website", "w2"), key("Filer", "f")
	events := batch(
		onNode(o, open(5)),
		onRel(o, c, open(10)),
		onRel(c, w1, span(10, 20)),
		onRel(c, w1, span(30, 40)),
		onRel(c, w2),
		onRel(w1, f, open(1), closeAt(3)),
		onRel(w2, f, closeAt(7)),
		onNode(f, closeAt(50)),
		onNode(c),
	)
	mustApply(t, s, team, events)
	m := newModel()
	m.add(events...)
	compareGraph(t, "snapshot after one batch", snapshot(t, s, team, everything), m.graph())
}

func testApplyEmpty(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	if err := s.Apply(ctx(), team, nil); err != nil {
		t.Fatalf("Apply(nil): %v", err)
	}
	if err := s.Apply(ctx(), team, []depc.Event{}); err != nil {
		t.Fatalf("Apply(empty): %v", err)
	}
	labels, err := s.Labels(ctx(), team)
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 0 {
		t.Errorf("Labels after empty batches = %v, want none", labels)
	}
}

func testApplyInvalidWritesNothing(t *testing.T, h *harness) {
	s := h.store(t)
	good := batch(
		onNode(key("Website", "w1"), open(1)),
		onRel(key("Website", "w1"), key("Filer", "f1"), open(1)),
		onRel(key("Website", "w2"), key("Filer", "f1")),
	)
	w, f := key("Website", "w9"), key("Filer", "f9")
	bad := []struct {
		name string
		ev   depc.Event
	}{
		{"lower-case label", depc.Event{Node: key("website", "x")}},
		{"label with underscore", depc.Event{Node: key("My_Label", "x")}},
		{"empty label", depc.Event{Node: key("", "x")}},
		{"label too long", depc.Event{Node: key("A"+strings.Repeat("b", depc.MaxLabelLen), "x")}},
		{"name with space", depc.Event{Node: key("Website", "foo bar")}},
		{"name with quote", depc.Event{Node: key("Website", "foo'bar")}},
		{"name with backslash", depc.Event{Node: key("Website", `foo\bar`)}},
		{"name with backtick", depc.Event{Node: key("Website", "foo`bar")}},
		{"name not ASCII", depc.Event{Node: key("Website", "é")}},
		{"empty name", depc.Event{Node: key("Website", "")}},
		{"name too long", depc.Event{Node: key("Website", strings.Repeat("n", depc.MaxNameLen+1))}},
		{"bad target label", depc.Event{Node: w, Target: key("filer", "f")}},
		{"bad target name", depc.Event{Node: w, Target: key("Filer", "f f")}},
		{"target name without label", depc.Event{Node: w, Target: key("", "f")}},
		{"target label without name", depc.Event{Node: w, Target: key("Filer", "")}},
		{"unknown kind", depc.Event{Node: w, Kind: 99}},
		{"span from = to", depc.Event{Node: w, Kind: depc.EventSpan, From: 10, To: 10}},
		{"span from > to", depc.Event{Node: w, Target: f, Kind: depc.EventSpan, From: 11, To: 10}},
		{"negative open", depc.Event{Node: w, Kind: depc.EventOpen, From: -1}},
		{"negative span", depc.Event{Node: w, Kind: depc.EventSpan, From: -5, To: 10}},
		{"close at 0", depc.Event{Node: w, Target: f, Kind: depc.EventClose, To: 0}},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			team := h.team()
			for _, events := range [][]depc.Event{
				batch(good, []depc.Event{b.ev}), // bad event last
				batch([]depc.Event{b.ev}, good), // bad event first
			} {
				err := s.Apply(ctx(), team, events)
				wantCode(t, "Apply", err, depc.EINVALID)
			}
			labels, err := s.Labels(ctx(), team)
			if err != nil {
				t.Fatal(err)
			}
			if len(labels) != 0 {
				t.Errorf("a rejected batch wrote labels %v", labels)
			}
			_, err = s.Node(ctx(), team, key("Website", "w1"))
			wantCode(t, "Node of a rejected batch", err, depc.ENOTFOUND)
		})
	}

	// A valid batch still goes through after rejected ones, and a rejected
	// batch leaves existing data alone.
	team := h.team()
	mustApply(t, s, team, good)
	err := s.Apply(ctx(), team, batch(onNode(key("Website", "w1"), closeAt(5)), []depc.Event{bad[0].ev}))
	wantCode(t, "Apply", err, depc.EINVALID)
	checkPeriods(t, "w1 after a rejected batch", mustNode(t, s, team, key("Website", "w1")).Periods, ps(1, inf))

	for _, team := range []string{"", "Acme", "a b", "-acme", "acme.com", strings.Repeat("a", 64)} {
		err := s.Apply(ctx(), team, good)
		wantCode(t, fmt.Sprintf("Apply with team %q", team), err, depc.EINVALID)
	}
}

func testInvalidArguments(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	w := key("Website", "w1")
	mustApply(t, s, team, onRel(w, key("Filer", "f1")))
	day := depc.Window{Start: 0, End: 86400}
	var sink collector
	calls := []struct {
		name string
		call func() error
	}{
		{"Node bad team", func() error { _, err := s.Node(ctx(), "Bad", w); return err }},
		{"Node bad label", func() error { _, err := s.Node(ctx(), team, key("web", "w1")); return err }},
		{"Node bad name", func() error { _, err := s.Node(ctx(), team, key("Website", "w 1")); return err }},
		{"Labels bad team", func() error { _, err := s.Labels(ctx(), "Bad Team"); return err }},
		{"Nodes bad label", func() error { _, _, err := s.Nodes(ctx(), team, "web", "", 10, ""); return err }},
		{"Nodes limit 0", func() error { _, _, err := s.Nodes(ctx(), team, "Website", "", 0, ""); return err }},
		{"Nodes limit -1", func() error { _, _, err := s.Nodes(ctx(), team, "Website", "", -1, ""); return err }},
		{"Dependencies bad name", func() error {
			_, err := s.Dependencies(ctx(), team, key("Website", "w\"1"), anyTime)
			return err
		}},
		{"Dependencies empty window", func() error {
			_, err := s.Dependencies(ctx(), team, w, depc.During(depc.Window{Start: 5, End: 5}))
			return err
		}},
		{"Dependents bad label", func() error {
			_, err := s.Dependents(ctx(), team, key("1Filer", "f1"), anyTime)
			return err
		}},
		{"Impacted bad ancestor label", func() error {
			_, _, err := s.Impacted(ctx(), team, w, "offer", 0, 10, "")
			return err
		}},
		{"Impacted limit 0", func() error { _, _, err := s.Impacted(ctx(), team, w, "Offer", 0, 0, ""); return err }},
		{"Snapshot bad label", func() error { return s.Snapshot(ctx(), team, day, []string{"Website", "bad"}, &sink) }},
		{"Snapshot reversed window", func() error {
			return s.Snapshot(ctx(), team, depc.Window{Start: 10, End: 0}, nil, &sink)
		}},
		{"Snapshot bad team", func() error { return s.Snapshot(ctx(), "", day, nil, &sink) }},
		{"Subgraph bad name", func() error { return s.Subgraph(ctx(), team, key("Website", ""), day, &sink) }},
		{"Subgraph empty window", func() error {
			return s.Subgraph(ctx(), team, w, depc.Window{Start: 1, End: 1}, &sink)
		}},
		{"DeleteNode bad label", func() error { return s.DeleteNode(ctx(), team, key("", "w1")) }},
	}
	for _, c := range calls {
		wantCode(t, c.name, c.call(), depc.EINVALID)
	}
	if len(sink.nodes)+len(sink.rels) != 0 {
		t.Errorf("invalid snapshots delivered %d nodes and %d relations", len(sink.nodes), len(sink.rels))
	}
	// Nothing was deleted by the rejected calls.
	mustNode(t, s, team, w)
}

func testNodeNotFound(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	_, err := s.Node(ctx(), team, key("Website", "nope"))
	wantCode(t, "Node in an empty team", err, depc.ENOTFOUND)
	mustApply(t, s, team, onNode(key("Website", "w1")))
	for _, k := range []depc.NodeKey{key("Website", "w2"), key("Filer", "w1"), key("Website", "W1")} {
		_, err := s.Node(ctx(), team, k)
		wantCode(t, fmt.Sprintf("Node(%v)", k), err, depc.ENOTFOUND)
	}
}

func testConcurrentApply(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	const writers, batches, perBatch = 4, 10, 20
	m := newModel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var events []depc.Event
				for i := range perBatch {
					// Every writer also touches one shared relation and shared
					// nodes, so that writes contend.
					events = append(events, onRel(
						key("Website", fmt.Sprintf("w%d-%d-%d", g, b, i)),
						key("Filer", fmt.Sprintf("f%d", i%3)),
						open(int64(g*1000+b)))...)
				}
				events = append(events, onRel(key("Customer", "shared"), key("Website", "w0-0-0"), open(int64(g*10+b)))...)
				if err := s.Apply(ctx(), team, events); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				m.add(events...)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Apply: %v", err)
	}
	compareGraph(t, "after concurrent batches", snapshot(t, s, team, everything), m.graph())
}

func testClosed(t *testing.T, h *harness) {
	s, team := h.store(t), h.team()
	mustApply(t, s, team, onNode(key("Website", "w1")))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	_, err := s.Node(ctx(), team, key("Website", "w1"))
	wantCode(t, "Node after Close", err, depc.EUNAVAILABLE)
	err = s.Apply(ctx(), team, onNode(key("Website", "w2")))
	wantCode(t, "Apply after Close", err, depc.EUNAVAILABLE)
	err = s.Snapshot(ctx(), team, everything, nil, &collector{})
	wantCode(t, "Snapshot after Close", err, depc.EUNAVAILABLE)
	wantCode(t, "Ping after Close", s.Ping(ctx()), depc.EUNAVAILABLE)
}
