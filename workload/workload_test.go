package workload_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/workload"
)

func mustLookup(t *testing.T, name string) workload.Size {
	t.Helper()
	s, err := workload.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// collect generates a size and returns its events, checking the batches.
func collect(t *testing.T, s workload.Size, batchSize int) []depc.Event {
	t.Helper()
	var all []depc.Event
	var sizes []int
	err := s.Generate(batchSize, func(b []depc.Event) error {
		sizes = append(sizes, len(b))
		all = append(all, b...)
		return nil
	})
	if err != nil {
		t.Fatalf("Generate(%s): %v", s.Name, err)
	}
	for i, n := range sizes {
		if n == 0 || n > batchSize || (n != batchSize && i != len(sizes)-1) {
			t.Fatalf("batch %d of %d has %d events, batch size %d", i, len(sizes), n, batchSize)
		}
	}
	return all
}

func TestSizesAreValid(t *testing.T) {
	want := map[string][2]int{ // nodes, relations
		"tiny":       {20, 10 + 10 + 12 + 4},
		"small":      {11_210, 10_000 + 10_000 + 10_000 + 1_000},
		"bench-100k": {112_010, 100_000 + 100_000 + 100_000 + 10_000},
		"bench-1m":   {1_120_010, 1_000_000 + 1_000_000 + 1_000_000 + 100_000},
		"bench-10m":  {11_200_010, 10_000_000 + 10_000_000 + 10_000_000 + 1_000_000},
	}
	for _, s := range workload.Sizes() {
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		w, ok := want[s.Name]
		if !ok {
			t.Errorf("size %s has no expected counts here", s.Name)
			continue
		}
		if s.Nodes() != w[0] || s.Relations() != w[1] {
			t.Errorf("%s: %d nodes, %d relations; want %d, %d", s.Name, s.Nodes(), s.Relations(), w[0], w[1])
		}
	}
	cfg := mustLookup(t, "bench-1m").Config()
	for label, want := range map[string]string{
		"Website":  "operation.AND[Filer, Apache]",
		"Customer": "operation.ATLEAST(8)[Website]",
		"Offer":    "aggregation.AVERAGE[Customer]",
		"Filer":    "rule.Filer",
		"Apache":   "rule.Apache",
	} {
		if cfg[label] != want {
			t.Errorf("config of %s = %q, want %q", label, cfg[label], want)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	_, err := workload.Lookup("huge")
	if depc.ErrorCode(err) != depc.EINVALID {
		t.Fatalf("Lookup(huge) = %v, want EINVALID", err)
	}
}

func TestSizesAreCopies(t *testing.T) {
	s := mustLookup(t, "tiny")
	s.Labels[0].Count = 999
	s.Labels[2].DependsOn[0].PerNode = 7
	if again := mustLookup(t, "tiny"); again.Labels[0].Count == 999 || again.Labels[2].DependsOn[0].PerNode == 7 {
		t.Fatal("changing a looked-up size changed the registry")
	}
}

func TestValidate(t *testing.T) {
	base := mustLookup(t, "tiny")
	cases := map[string]func(*workload.Size){
		"no days":            func(s *workload.Size) { s.Days = 0 },
		"negative start":     func(s *workload.Size) { s.Start = -1 },
		"changes above 1":    func(s *workload.Size) { s.Changes = 1.5 },
		"bad label":          func(s *workload.Size) { s.Labels[0].Name = "filer" },
		"no nodes":           func(s *workload.Size) { s.Labels[1].Count = 0 },
		"unknown dependency": func(s *workload.Size) { s.Labels[2].DependsOn[0].Label = "Disk" },
		"dependency after":   func(s *workload.Size) { s.Labels[0].DependsOn = []workload.Dependency{{Label: "Offer"}} },
		"negative per node":  func(s *workload.Size) { s.Labels[3].DependsOn[0].PerNode = -1 },
		"label twice":        func(s *workload.Size) { s.Labels[1].Name = "Filer" },
	}
	for name, change := range cases {
		s := base
		s.Labels = slices.Clone(base.Labels)
		for i := range s.Labels {
			s.Labels[i].DependsOn = slices.Clone(s.Labels[i].DependsOn)
		}
		change(&s)
		if err := s.Validate(); depc.ErrorCode(err) != depc.EINVALID {
			t.Errorf("%s: Validate = %v, want EINVALID", name, err)
		}
		if err := s.Generate(10, func([]depc.Event) error { return nil }); depc.ErrorCode(err) != depc.EINVALID {
			t.Errorf("%s: Generate = %v, want EINVALID", name, err)
		}
	}
	if err := base.Generate(0, func([]depc.Event) error { return nil }); depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("batch size 0: %v, want EINVALID", err)
	}
}

// TestShape checks the graph a size generates: counts, fan-outs, that
// every event is valid, and the share of relations that change during the
// benchmark days.
func TestShape(t *testing.T) {
	for _, name := range []string{"tiny", "small"} {
		t.Run(name, func(t *testing.T) {
			s := mustLookup(t, name)
			events := collect(t, s, 97)
			type rel struct{ from, to depc.NodeKey }
			sets := map[rel]*depc.EventSet{}
			nodes := map[depc.NodeKey]bool{}
			children := map[depc.NodeKey]map[string]int{} // parent -> child label -> count
			parents := map[depc.NodeKey]map[string]int{}  // child -> parent label -> count
			for i, e := range events {
				if err := depc.ValidateEvent(e); err != nil {
					t.Fatalf("event %d %+v: %v", i, e, err)
				}
				nodes[e.Node] = true
				if !e.IsRelation() {
					w := s.Window()
					if e.Kind != depc.EventOpen || e.From < w.Start || e.From >= w.End {
						t.Errorf("node event %+v is not an open inside the days", e)
					}
					continue
				}
				nodes[e.Target] = true
				r := rel{e.Node, e.Target}
				if sets[r] == nil {
					sets[r] = &depc.EventSet{}
					if children[e.Node] == nil {
						children[e.Node] = map[string]int{}
					}
					if parents[e.Target] == nil {
						parents[e.Target] = map[string]int{}
					}
					children[e.Node][e.Target.Label]++
					parents[e.Target][e.Node.Label]++
				}
				if !sets[r].Add(e) {
					t.Errorf("event %+v repeated", e)
				}
			}
			if len(nodes) != s.Nodes() || len(sets) != s.Relations() {
				t.Errorf("%d nodes, %d relations; want %d, %d", len(nodes), len(sets), s.Nodes(), s.Relations())
			}
			for _, l := range s.Labels {
				for i := range l.Count {
					k := depc.NodeKey{Label: l.Name, Name: s.NodeName(l.Name, i)}
					if !nodes[k] {
						t.Errorf("node %v never appears", k)
					}
					for _, d := range l.DependsOn {
						got := children[k][d.Label]
						if d.PerNode > 0 && got != d.PerNode {
							t.Errorf("%v depends on %d %s, want %d", k, got, d.Label, d.PerNode)
						}
						if d.PerNode == 0 && got == 0 {
							t.Errorf("%v depends on no %s", k, d.Label)
						}
					}
				}
			}
			// Every customer is in exactly one offer; websites are spread
			// over filers evenly.
			for k, ps := range parents {
				if k.Label == "Customer" && ps["Offer"] != 1 {
					t.Errorf("%v is in %d offers", k, ps["Offer"])
				}
				if k.Label == "Filer" && ps["Website"] != s.Labels[2].Count/s.Labels[0].Count {
					t.Errorf("%v serves %d websites, want %d", k, ps["Website"], s.Labels[2].Count/s.Labels[0].Count)
				}
			}
			days := s.Window()
			changing := 0
			for r, set := range sets {
				ps := set.Periods()
				if !ps.ActiveDuring(days) {
					t.Errorf("%v is not active during the days: %v", r, ps)
				}
				if ps.ActiveAt(days.Start) && ps.ActiveAt(days.End-1) {
					if ps[0].From >= days.Start || len(ps) != 1 {
						t.Errorf("%v has periods %v, want one opened before the days", r, ps)
					}
					continue
				}
				changing++
			}
			got := float64(changing) / float64(len(sets))
			if got < s.Changes/2 || got > s.Changes*2 {
				t.Errorf("%.3f of relations change during the days, want about %.3f", got, s.Changes)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	s := mustLookup(t, "small")
	a := collect(t, s, 1000)
	b := collect(t, s, 333)
	if !slices.Equal(a, b) {
		t.Fatal("two generations of one size differ")
	}
	other := s
	other.Seed++
	if slices.Equal(a, collect(t, other, 1000)) {
		t.Fatal("another seed gives the same events")
	}
}

func TestEmitErrorStops(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := mustLookup(t, "small").Generate(100, func([]depc.Event) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Fatalf("Generate = %v after %d calls, want the emit error after 3", err, calls)
	}
}

func TestNodeName(t *testing.T) {
	s := mustLookup(t, "bench-1m")
	for _, c := range []struct {
		label string
		i     int
		want  string
	}{
		{"Website", 42, "website-000042"},
		{"Filer", 9999, "filer-9999"},
		{"Offer", 3, "offer-3"},
		{"Customer", 0, "customer-00000"},
	} {
		if got := s.NodeName(c.label, c.i); got != c.want || !depc.ValidName(got) {
			t.Errorf("NodeName(%s, %d) = %q, want %q", c.label, c.i, got, c.want)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	s := mustLookupB(b, "bench-100k")
	for b.Loop() {
		n := 0
		if err := s.Generate(10_000, func(e []depc.Event) error { n += len(e); return nil }); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "events/op")
	}
}

func mustLookupB(b *testing.B, name string) workload.Size {
	s, err := workload.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func ExampleSize_Generate() {
	s, _ := workload.Lookup("tiny")
	relations := 0
	_ = s.Generate(1000, func(batch []depc.Event) error {
		for _, e := range batch {
			if e.IsRelation() && e.Kind != depc.EventClose {
				relations++
			}
		}
		return nil
	})
	fmt.Println(s.Nodes(), "nodes,", relations, "relations")
	// Output: 20 nodes, 36 relations
}
