package statetest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/depc-dev/depc"
)

// RunResults runs the tests of depc.ResultStore against the stores open
// returns (see Run).
func RunResults[S Results](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Results { return open(t) }, []subtest[Results]{
		{name: "Results", fn: testResults},
		{name: "ResultsReplace", fn: testResultsReplace},
		{name: "ResultsInvalid", fn: testResultsInvalid},
		{name: "ResultsAtomic", fn: testResultsAtomic},
		{name: "ResultsBatch", fn: testResultsBatch},
		{name: "ResultsDayBatch", fn: testResultsDayBatch},
		{name: "Worst", fn: testWorst},
		{name: "UnknownTeam", fn: testResultsUnknownTeam},
		{name: "TeamIsolation", fn: testResultsTeamIsolation},
	})
}

// dayNodes is a small team day: two rule nodes (one with downtime, one
// with nothing known), an operation node with children and an aggregation
// node.
func dayNodes(day string) []depc.NodeDayResult {
	return []depc.NodeDayResult{
		{Label: "Filer", Name: "filer1", QoS: f64(99.93055555555556), OK: i64(86340), KO: i64(60), Unknown: i64(0),
			Downtime: []depc.Period{{From: 1764547200 + 13200, To: 1764547200 + 13260}}},
		{Label: "Filer", Name: "filer/2", QoS: nil, OK: i64(0), KO: i64(0), Unknown: i64(86400)},
		{Label: "Website", Name: "foo.com", QoS: f64(99.93055555555556), OK: i64(86340), KO: i64(60), Unknown: i64(0),
			Downtime: []depc.Period{{From: 1764547200 + 13200, To: 1764547200 + 13260}, {From: 1764547200 + 20000, To: 1764547200 + 20001}},
			Children: []depc.NodeKey{{Label: "Apache", Name: "apache1"}, {Label: "Filer", Name: "filer/2"}, {Label: "Filer", Name: "filer1"}}},
		{Label: "Offer", Name: "premium", QoS: f64(99.96527777777777), Children: []depc.NodeKey{{Label: "Website", Name: "foo.com"}}},
	}
}

// stored is what a store returns for n on day: the day filled in, and an
// empty (not nil) downtime for a node with a timeline.
func stored(n depc.NodeDayResult, day string) depc.NodeDayResult {
	n.Day = day
	if n.OK != nil && n.Downtime == nil {
		n.Downtime = []depc.Period{}
	}
	return n
}

func dayLabels() []depc.LabelDayResult {
	return []depc.LabelDayResult{
		{Label: "Filer", QoS: f64(99.93055555555556), Nodes: 2},
		{Label: "Website", QoS: f64(99.93055555555556), Nodes: 1},
		{Label: "Offer", QoS: nil, Nodes: 0},
	}
}

func testResults(t *testing.T, s Results) {
	createTeam(t, s, "acme")
	const d1, d2, d3 = "2025-12-01", "2025-12-02", "2025-12-04"
	for _, day := range []string{d1, d2, d3} {
		mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(),
			map[string][]depc.WorstNode{"Filer": {{Name: "filer1", QoS: 99.93055555555556}}}))
	}
	nodes := dayNodes("")
	filer1 := depc.NodeKey{Label: "Filer", Name: "filer1"}

	// Day ranges are inclusive; days without results are left out.
	for _, tt := range []struct {
		start, end string
		days       []string
	}{
		{d1, d1, []string{d1}},
		{d1, d2, []string{d1, d2}},
		{d2, d3, []string{d2, d3}},
		{"2025-11-01", "2025-12-31", []string{d1, d2, d3}},
		{"2025-12-03", "2025-12-03", nil},
		{"2026-01-01", "2026-12-31", nil},
	} {
		var want []depc.NodeDayResult
		for _, d := range tt.days {
			want = append(want, stored(nodes[0], d))
		}
		equal(t, fmt.Sprintf("NodeQoS(filer1, %s..%s)", tt.start, tt.end), get(s.NodeQoS(ctx, "acme", filer1, tt.start, tt.end)).must(t), want)
	}
	for i, n := range nodes {
		equal(t, fmt.Sprintf("NodeQoS(node %d)", i), get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: n.Label, Name: n.Name}, d2, d2)).must(t),
			[]depc.NodeDayResult{stored(n, d2)})
	}
	if got := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Filer", Name: "nope"}, d1, d3)).must(t); len(got) != 0 {
		t.Errorf("NodeQoS(unknown node) = %v", got)
	}
	if got := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Nope", Name: "filer1"}, d1, d3)).must(t); len(got) != 0 {
		t.Errorf("NodeQoS(unknown label) = %v", got)
	}

	// Batch lookup: sorted by label then name, unknown keys and
	// duplicates ignored.
	keys := []depc.NodeKey{
		{Label: "Website", Name: "foo.com"}, filer1, {Label: "Offer", Name: "premium"}, {Label: "Filer", Name: "filer/2"},
		filer1, {Label: "Filer", Name: "nope"}, {Label: "Nope", Name: "filer1"},
	}
	equal(t, "DayResults", get(s.DayResults(ctx, "acme", d3, keys)).must(t), []depc.NodeDayResult{
		stored(nodes[1], d3), stored(nodes[0], d3), stored(nodes[3], d3), stored(nodes[2], d3)})
	if got := get(s.DayResults(ctx, "acme", "2025-12-03", keys)).must(t); len(got) != 0 {
		t.Errorf("DayResults(day without results) = %v", got)
	}
	if got := get(s.DayResults(ctx, "acme", d1, nil)).must(t); len(got) != 0 {
		t.Errorf("DayResults(no keys) = %v", got)
	}

	// Label averages.
	equal(t, "LabelQoS(Filer)", get(s.LabelQoS(ctx, "acme", "Filer", d1, d2)).must(t), []depc.LabelDayResult{
		{Label: "Filer", Day: d1, QoS: f64(99.93055555555556), Nodes: 2}, {Label: "Filer", Day: d2, QoS: f64(99.93055555555556), Nodes: 2}})
	equal(t, "LabelQoS(Offer)", get(s.LabelQoS(ctx, "acme", "Offer", d3, d3)).must(t), []depc.LabelDayResult{{Label: "Offer", Day: d3, QoS: nil, Nodes: 0}})
	if got := get(s.LabelQoS(ctx, "acme", "Nope", d1, d3)).must(t); len(got) != 0 {
		t.Errorf("LabelQoS(unknown label) = %v", got)
	}
	var want []depc.LabelDayResult
	for _, l := range []string{"Filer", "Offer", "Website"} {
		for _, d := range []string{d2, d3} {
			for _, lr := range dayLabels() {
				if lr.Label == l {
					lr.Day = d
					want = append(want, lr)
				}
			}
		}
	}
	equal(t, "TeamQoS", get(s.TeamQoS(ctx, "acme", d2, d3)).must(t), want)
	equal(t, "Worst", get(s.Worst(ctx, "acme", "Filer", d1, 15)).must(t), []depc.WorstNode{{Name: "filer1", QoS: 99.93055555555556}})

	// Bad days and ranges.
	for _, tt := range []struct{ start, end string }{
		{"2025-12-1", d2}, {d1, "tomorrow"}, {d2, d1}, {"", ""},
	} {
		_, err := s.NodeQoS(ctx, "acme", filer1, tt.start, tt.end)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("NodeQoS(%q, %q)", tt.start, tt.end))
		_, err = s.LabelQoS(ctx, "acme", "Filer", tt.start, tt.end)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("LabelQoS(%q, %q)", tt.start, tt.end))
		_, err = s.TeamQoS(ctx, "acme", tt.start, tt.end)
		wantCode(t, err, depc.EINVALID, fmt.Sprintf("TeamQoS(%q, %q)", tt.start, tt.end))
	}
	_, err := s.Worst(ctx, "acme", "Filer", "12/01/2025", 1)
	wantCode(t, err, depc.EINVALID, "Worst(bad day)")
	_, err = s.DayResults(ctx, "acme", "2025-12-32", keys)
	wantCode(t, err, depc.EINVALID, "DayResults(bad day)")
}

func testResultsReplace(t *testing.T, s Results) {
	createTeam(t, s, "acme")
	const day, other = "2025-12-01", "2025-12-02"
	worst := map[string][]depc.WorstNode{"Filer": {{Name: "filer1", QoS: 99.9}}, "Website": {{Name: "foo.com", QoS: 99.9}}}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(), worst))
	mustDo(t, s.ReplaceDayResults(ctx, "acme", other, slices.Values(dayNodes(other)), dayLabels(), worst))
	all := func(d string) []depc.NodeDayResult {
		var keys []depc.NodeKey
		for _, n := range dayNodes(d) {
			keys = append(keys, depc.NodeKey{Label: n.Label, Name: n.Name})
		}
		return get(s.DayResults(ctx, "acme", d, keys)).must(t)
	}
	first := all(day)
	if len(first) != 4 {
		t.Fatalf("DayResults after the first run: %d results, want 4", len(first))
	}

	// Rerunning with the same results gives the same reads.
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(), worst))
	equal(t, "results after an identical rerun", all(day), first)

	// A rerun with fewer nodes, labels and worst nodes leaves nothing
	// stale behind, and leaves other days alone.
	n := dayNodes(day)[0]
	n.QoS, n.KO, n.OK, n.Downtime = f64(100), i64(0), i64(86400), nil
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values([]depc.NodeDayResult{n}),
		[]depc.LabelDayResult{{Label: "Filer", QoS: f64(100), Nodes: 1}}, nil))
	equal(t, "results after a smaller rerun", all(day), []depc.NodeDayResult{stored(n, day)})
	equal(t, "TeamQoS after a smaller rerun", get(s.TeamQoS(ctx, "acme", day, day)).must(t),
		[]depc.LabelDayResult{{Label: "Filer", Day: day, QoS: f64(100), Nodes: 1}})
	for _, l := range []string{"Filer", "Website"} {
		if got := get(s.Worst(ctx, "acme", l, day, 0)).must(t); len(got) != 0 {
			t.Errorf("Worst(%s) after a smaller rerun = %v", l, got)
		}
	}
	if got := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Website", Name: "foo.com"}, day, other)).must(t); len(got) != 1 || got[0].Day != other {
		t.Errorf("NodeQoS(foo.com) after a smaller rerun = %v, want only %s", got, other)
	}
	equal(t, "other day untouched", all(other), func() []depc.NodeDayResult {
		var out []depc.NodeDayResult
		for _, n := range dayNodes(other) {
			out = append(out, stored(n, other))
		}
		slices.SortFunc(out, func(a, b depc.NodeDayResult) int {
			return strings.Compare(a.Label+"\x00"+a.Name, b.Label+"\x00"+b.Name)
		})
		return out
	}())

	// An empty run empties the day; the day still counts as computed for
	// nothing, and reads give nothing.
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, nil, nil, nil))
	if got := all(day); len(got) != 0 {
		t.Errorf("results after an empty run: %v", got)
	}
	if got := get(s.TeamQoS(ctx, "acme", day, day)).must(t); len(got) != 0 {
		t.Errorf("TeamQoS after an empty run: %v", got)
	}
}

func testResultsInvalid(t *testing.T, s Results) {
	createTeam(t, s, "acme")
	const day = "2025-12-01"
	worst := map[string][]depc.WorstNode{"Filer": {{Name: "filer1", QoS: 99.9}}}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(), worst))
	before := get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Website", Name: "foo.com"}, day, day)).must(t)

	node := func(mod func(n *depc.NodeDayResult)) []depc.NodeDayResult {
		ns := dayNodes(day)
		mod(&ns[2])
		return ns
	}
	good := dayNodes(day)
	for _, tt := range []struct {
		what   string
		day    string
		nodes  []depc.NodeDayResult
		labels []depc.LabelDayResult
		worst  map[string][]depc.WorstNode
	}{
		{"bad day", "2025-12-1", good, nil, nil},
		{"bad label", day, node(func(n *depc.NodeDayResult) { n.Label = "website" }), nil, nil},
		{"bad name", day, node(func(n *depc.NodeDayResult) { n.Name = "foo com" }), nil, nil},
		{"empty name", day, node(func(n *depc.NodeDayResult) { n.Name = "" }), nil, nil},
		{"other day", day, node(func(n *depc.NodeDayResult) { n.Day = "2025-12-02" }), nil, nil},
		{"qos > 100", day, node(func(n *depc.NodeDayResult) { n.QoS = f64(100.5) }), nil, nil},
		{"qos < 0", day, node(func(n *depc.NodeDayResult) { n.QoS = f64(-1) }), nil, nil},
		{"qos NaN", day, node(func(n *depc.NodeDayResult) { n.QoS = f64(math.NaN()) }), nil, nil},
		{"qos Inf", day, node(func(n *depc.NodeDayResult) { n.QoS = f64(math.Inf(1)) }), nil, nil},
		{"some counts", day, node(func(n *depc.NodeDayResult) { n.KO = nil }), nil, nil},
		{"negative count", day, node(func(n *depc.NodeDayResult) { n.Unknown = i64(-1) }), nil, nil},
		{"aggregation with downtime", day, node(func(n *depc.NodeDayResult) { n.OK, n.KO, n.Unknown = nil, nil, nil }), nil, nil},
		{"empty period", day, node(func(n *depc.NodeDayResult) { n.Downtime = []depc.Period{{From: 5, To: 5}} }), nil, nil},
		{"unsorted periods", day, node(func(n *depc.NodeDayResult) { n.Downtime = []depc.Period{{From: 10, To: 20}, {From: 0, To: 5}} }), nil, nil},
		{"overlapping periods", day, node(func(n *depc.NodeDayResult) { n.Downtime = []depc.Period{{From: 0, To: 10}, {From: 5, To: 20}} }), nil, nil},
		{"bad child label", day, node(func(n *depc.NodeDayResult) { n.Children = []depc.NodeKey{{Label: "", Name: "x"}} }), nil, nil},
		{"bad child name", day, node(func(n *depc.NodeDayResult) { n.Children = []depc.NodeKey{{Label: "Filer", Name: `x"`}} }), nil, nil},
		{"duplicate node", day, append(dayNodes(day), dayNodes(day)[1]), nil, nil},
		{"bad label result", day, good, []depc.LabelDayResult{{Label: "filer"}}, nil},
		{"duplicate label result", day, good, []depc.LabelDayResult{{Label: "Filer"}, {Label: "Filer"}}, nil},
		{"label result qos", day, good, []depc.LabelDayResult{{Label: "Filer", QoS: f64(101)}}, nil},
		{"label result day", day, good, []depc.LabelDayResult{{Label: "Filer", Day: "2025-12-02"}}, nil},
		{"label result nodes", day, good, []depc.LabelDayResult{{Label: "Filer", Nodes: -1}}, nil},
		{"worst label", day, good, nil, map[string][]depc.WorstNode{"filer": {{Name: "x", QoS: 1}}}},
		{"worst name", day, good, nil, map[string][]depc.WorstNode{"Filer": {{Name: "x y", QoS: 1}}}},
		{"worst qos", day, good, nil, map[string][]depc.WorstNode{"Filer": {{Name: "x", QoS: math.NaN()}}}},
		{"worst duplicate", day, good, nil, map[string][]depc.WorstNode{"Filer": {{Name: "x", QoS: 1}, {Name: "x", QoS: 2}}}},
	} {
		err := s.ReplaceDayResults(ctx, "acme", tt.day, slices.Values(tt.nodes), tt.labels, tt.worst)
		wantCode(t, err, depc.EINVALID, "ReplaceDayResults("+tt.what+")")
	}
	// Nothing was written by the refused calls.
	equal(t, "results after refused writes", get(s.NodeQoS(ctx, "acme", depc.NodeKey{Label: "Website", Name: "foo.com"}, day, day)).must(t), before)
	equal(t, "worst after refused writes", get(s.Worst(ctx, "acme", "Filer", day, 0)).must(t), []depc.WorstNode{{Name: "filer1", QoS: 99.9}})
	equal(t, "labels after refused writes", len(get(s.TeamQoS(ctx, "acme", day, day)).must(t)), 3)
}

// testResultsAtomic checks that readers never see half a run: while runs
// alternate between two versions of a day, every read of every node shows
// one version.
func testResultsAtomic(t *testing.T, s Results) {
	createTeam(t, s, "acme")
	const day, n = "2025-12-01", 3000
	version := func(v float64) []depc.NodeDayResult {
		ns := make([]depc.NodeDayResult, n)
		for i := range ns {
			ns[i] = depc.NodeDayResult{Label: "Server", Name: fmt.Sprintf("s%05d", i), QoS: f64(v), OK: i64(1), KO: i64(1), Unknown: i64(0)}
		}
		return ns
	}
	keys := make([]depc.NodeKey, n)
	for i := range keys {
		keys[i] = depc.NodeKey{Label: "Server", Name: fmt.Sprintf("s%05d", i)}
	}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(version(1)), []depc.LabelDayResult{{Label: "Server", QoS: f64(1), Nodes: n}}, nil))

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for i := range 6 {
			v := float64(2 + i%2)
			if err := s.ReplaceDayResults(ctx, "acme", day, slices.Values(version(v)), []depc.LabelDayResult{{Label: "Server", QoS: f64(v), Nodes: n}}, nil); err != nil {
				t.Error(err)
				return
			}
		}
	})
	reads := 0
	for {
		select {
		case <-done:
		default:
			got, err := s.DayResults(ctx, "acme", day, keys)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("a read saw %d of %d nodes", len(got), n)
			}
			for _, r := range got {
				if *r.QoS != *got[0].QoS {
					t.Fatalf("a read saw two runs mixed: %v and %v", *got[0].QoS, *r.QoS)
				}
			}
			reads++
			continue
		}
		break
	}
	wg.Wait()
	got := get(s.DayResults(ctx, "acme", day, keys)).must(t)
	if len(got) != n || *got[0].QoS != 3 {
		t.Errorf("after the runs: %d results, first QoS %v; want %d with QoS 3", len(got), *got[0].QoS, n)
	}
	t.Logf("%d consistent reads during the runs", reads)
}

// testResultsBatch writes enough nodes to cross any batching a store does
// and a duplicate far into the stream.
func testResultsBatch(t *testing.T, s Results) {
	createTeam(t, s, "acme")
	const day, n = "2025-12-01", 2501
	nodes := func(yield func(depc.NodeDayResult) bool) {
		for i := range n {
			r := depc.NodeDayResult{Label: "Server", Name: fmt.Sprintf("s%d", i), QoS: f64(float64(i % 101)), OK: i64(int64(i)), KO: i64(1), Unknown: i64(2),
				Downtime: []depc.Period{{From: int64(i), To: int64(i) + 1}}}
			if i%3 == 0 {
				r.Label, r.OK, r.KO, r.Unknown, r.Downtime = "Cluster", nil, nil, nil, nil
				r.Children = []depc.NodeKey{{Label: "Server", Name: fmt.Sprintf("s%d", i+1)}, {Label: "Server", Name: fmt.Sprintf("s%d", i+2)}}
			}
			if !yield(r) {
				return
			}
		}
	}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, nodes, nil, nil))
	var keys []depc.NodeKey
	var want []depc.NodeDayResult
	for r := range nodes {
		keys = append(keys, depc.NodeKey{Label: r.Label, Name: r.Name})
		want = append(want, stored(r, day))
	}
	slices.SortFunc(want, func(a, b depc.NodeDayResult) int {
		return strings.Compare(a.Label+"\x00"+a.Name, b.Label+"\x00"+b.Name)
	})
	got := get(s.DayResults(ctx, "acme", day, keys)).must(t)
	equal(t, "count of results", len(got), n)
	equal(t, "results", got, want)

	// A duplicate late in the stream refuses the whole run.
	dup := func(yield func(depc.NodeDayResult) bool) {
		for r := range nodes {
			r.QoS = f64(0)
			if !yield(r) {
				return
			}
		}
		yield(depc.NodeDayResult{Label: "Server", Name: "s1", QoS: f64(0), OK: i64(0), KO: i64(0), Unknown: i64(0)})
	}
	err := s.ReplaceDayResults(ctx, "acme", day, dup, nil, nil)
	wantCode(t, err, depc.EINVALID, "ReplaceDayResults(late duplicate)")
	if err != nil && !strings.Contains(depc.ErrorMessage(err), "Server/s1") {
		t.Errorf("duplicate error %q does not name the node Server/s1", depc.ErrorMessage(err))
	}
	equal(t, "results after a refused run", get(s.DayResults(ctx, "acme", day, keys)).must(t), want)
}

// The computation's trusted batch (ReplaceDayBatch) leaves what
// ReplaceDayResults leaves with the same results, replaces the whole day,
// and still refuses a node listed twice, a bad label and bad label results.
func testResultsDayBatch(t *testing.T, s Results) {
	createTeam(t, s, "acme")
	const d1, d2 = "2025-12-01", "2025-12-02"
	var nodes []depc.NodeDayResult
	for i := range 300 {
		r := depc.NodeDayResult{Label: "Server", Name: fmt.Sprintf("s%d", i), QoS: f64(float64(i % 101)), OK: i64(int64(i)), KO: i64(1), Unknown: i64(2)}
		if i%2 == 0 {
			r.Downtime = []depc.Period{{From: int64(i), To: int64(i) + 1}, {From: int64(i) + 5, To: int64(i) + 9}}
		}
		if i%3 == 0 {
			r.Label, r.OK, r.KO, r.Unknown, r.Downtime = "Cluster", nil, nil, nil, nil
			r.Children = []depc.NodeKey{{Label: "Server", Name: fmt.Sprintf("s%d", i+1)}, {Label: "Server", Name: fmt.Sprintf("s%d", i+2)}}
		}
		if i%7 == 0 {
			r.QoS = nil
		}
		nodes = append(nodes, r)
	}
	nodes = append(nodes, dayNodes("")...)
	worst := map[string][]depc.WorstNode{"Filer": {{Name: "filer1", QoS: 99.9}}}
	// d2 first holds other results: the batch replaces them all.
	mustDo(t, s.ReplaceDayResults(ctx, "acme", d2, slices.Values(dayNodes(d2)[:1]), nil, nil))
	mustDo(t, s.ReplaceDayResults(ctx, "acme", d2, slices.Values([]depc.NodeDayResult{{Label: "Gone", Name: "g", QoS: f64(1)}}), nil, nil))
	mustDo(t, s.ReplaceDayResults(ctx, "acme", d1, slices.Values(nodes), dayLabels(), worst))
	mustDo(t, s.ReplaceDayBatch(ctx, "acme", d2, depc.BatchOf(nodes), dayLabels(), worst))
	keys := []depc.NodeKey{{Label: "Gone", Name: "g"}}
	for _, n := range nodes {
		keys = append(keys, depc.NodeKey{Label: n.Label, Name: n.Name})
	}
	r1 := get(s.DayResults(ctx, "acme", d1, keys)).must(t)
	r2 := get(s.DayResults(ctx, "acme", d2, keys)).must(t)
	equal(t, "count of results", len(r2), len(nodes))
	for i := range r1 {
		r1[i].Day = d2
	}
	equal(t, "batch results", r2, r1)
	for _, k := range keys[1:4] {
		got := get(s.NodeQoS(ctx, "acme", k, d1, d2)).must(t)
		if len(got) != 2 {
			t.Fatalf("NodeQoS(%v) = %v, want 2 days", k, got)
		}
		got[0].Day = d2
		equal(t, fmt.Sprintf("NodeQoS(%v)", k), got[1], got[0])
	}
	equal(t, "LabelQoS after a batch", len(get(s.LabelQoS(ctx, "acme", "Filer", d2, d2)).must(t)), 1)
	equal(t, "Worst after a batch", get(s.Worst(ctx, "acme", "Filer", d2, 0)).must(t), []depc.WorstNode{{Name: "filer1", QoS: 99.9}})

	// Refused, and nothing written.
	dup := depc.BatchOf(append(slices.Clone(nodes), nodes[5]))
	err := s.ReplaceDayBatch(ctx, "acme", d2, dup, nil, nil)
	wantCode(t, err, depc.EINVALID, "ReplaceDayBatch(duplicate)")
	if err != nil && !strings.Contains(depc.ErrorMessage(err), nodes[5].Label+"/"+nodes[5].Name) {
		t.Errorf("duplicate error %q does not name the node", depc.ErrorMessage(err))
	}
	bad := slices.Clone(nodes)
	bad[0].Label = "not a label"
	wantCode(t, s.ReplaceDayBatch(ctx, "acme", d2, depc.BatchOf(bad), nil, nil), depc.EINVALID, "ReplaceDayBatch(bad label)")
	wantCode(t, s.ReplaceDayBatch(ctx, "acme", d2, depc.BatchOf(nodes), []depc.LabelDayResult{{Label: "Filer", Nodes: -1}}, nil),
		depc.EINVALID, "ReplaceDayBatch(bad label results)")
	wantCode(t, s.ReplaceDayBatch(ctx, "nobody", d2, depc.BatchOf(nodes), nil, nil), depc.ENOTFOUND, "ReplaceDayBatch(unknown team)")
	equal(t, "results after refused batches", get(s.DayResults(ctx, "acme", d2, keys)).must(t), r2)

	// No nodes: the day keeps its label results only.
	mustDo(t, s.ReplaceDayBatch(ctx, "acme", d2, nil, dayLabels(), nil))
	if got := get(s.DayResults(ctx, "acme", d2, keys)).must(t); len(got) != 0 {
		t.Errorf("DayResults after an empty batch = %v", got)
	}
}

func testWorst(t *testing.T, s Results) {
	createTeam(t, s, "acme")
	const day = "2025-12-01"
	in := []depc.WorstNode{
		{Name: "perfect", QoS: 100}, {Name: "b", QoS: 50}, {Name: "zero", QoS: 0}, {Name: "a", QoS: 50},
		{Name: "almost", QoS: 99.999}, {Name: "low", QoS: 12.5},
	}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, nil, nil, map[string][]depc.WorstNode{"Website": in, "Empty": {{Name: "p", QoS: 100}}}))
	want := []depc.WorstNode{{Name: "zero", QoS: 0}, {Name: "low", QoS: 12.5}, {Name: "a", QoS: 50}, {Name: "b", QoS: 50}, {Name: "almost", QoS: 99.999}}
	equal(t, "Worst (all)", get(s.Worst(ctx, "acme", "Website", day, 0)).must(t), want)
	equal(t, "Worst limit 3", get(s.Worst(ctx, "acme", "Website", day, 3)).must(t), want[:3])
	equal(t, "Worst limit 100", get(s.Worst(ctx, "acme", "Website", day, 100)).must(t), want)
	if got := get(s.Worst(ctx, "acme", "Empty", day, 0)).must(t); len(got) != 0 {
		t.Errorf("Worst of a label whose nodes are all at 100: %v", got)
	}
	if got := get(s.Worst(ctx, "acme", "Website", "2025-12-02", 0)).must(t); len(got) != 0 {
		t.Errorf("Worst of a day without results: %v", got)
	}

	// At most MaxWorstNodes are kept: the lowest.
	var many []depc.WorstNode
	for i := range depc.MaxWorstNodes + 50 {
		many = append(many, depc.WorstNode{Name: fmt.Sprintf("n%04d", i), QoS: 99 - float64(i)/100})
	}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, nil, nil, map[string][]depc.WorstNode{"Website": many}))
	got := get(s.Worst(ctx, "acme", "Website", day, 0)).must(t)
	if len(got) != depc.MaxWorstNodes || got[0] != many[len(many)-1] || got[len(got)-1] != many[50] {
		t.Errorf("Worst over the bound: %d nodes from %+v to %+v", len(got), got[0], got[len(got)-1])
	}
}

func testResultsUnknownTeam(t *testing.T, s Results) {
	const team, day = "nope", "2025-12-01"
	key := depc.NodeKey{Label: "Server", Name: "s1"}
	unknownTeam(t, map[string]error{
		"ReplaceDayResults": s.ReplaceDayResults(ctx, team, "bad", nil, nil, nil),
		"NodeQoS":           second(s.NodeQoS(ctx, team, key, "bad", day)),
		"DayResults":        second(s.DayResults(ctx, team, "bad", []depc.NodeKey{key})),
		"LabelQoS":          second(s.LabelQoS(ctx, team, "Server", day, "bad")),
		"TeamQoS":           second(s.TeamQoS(ctx, team, day, day)),
		"Worst":             second(s.Worst(ctx, team, "Server", "bad", 1)),
	})
}

func testResultsTeamIsolation(t *testing.T, s Results) {
	createTeam(t, s, "acme")
	createTeam(t, s, "beta")
	const day = "2025-12-01"
	mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(), map[string][]depc.WorstNode{"Filer": {{Name: "filer1", QoS: 1}}}))
	mustDo(t, s.ReplaceDayResults(ctx, "beta", day, slices.Values(dayNodes(day)[:1]), nil, nil))
	mustDo(t, s.ReplaceDayResults(ctx, "beta", day, nil, nil, nil)) // empties beta's day only
	if got := get(s.DayResults(ctx, "acme", day, []depc.NodeKey{{Label: "Filer", Name: "filer1"}, {Label: "Offer", Name: "premium"}})).must(t); len(got) != 2 {
		t.Errorf("acme's results after beta's run: %v", got)
	}
	if got := get(s.NodeQoS(ctx, "beta", depc.NodeKey{Label: "Filer", Name: "filer1"}, day, day)).must(t); len(got) != 0 {
		t.Errorf("beta reads acme's results: %v", got)
	}
	if got := get(s.Worst(ctx, "beta", "Filer", day, 0)).must(t); len(got) != 0 {
		t.Errorf("beta reads acme's worst nodes: %v", got)
	}
	if got := get(s.TeamQoS(ctx, "beta", day, day)).must(t); len(got) != 0 {
		t.Errorf("beta reads acme's label results: %v", got)
	}
	if got := get(s.LabelQoS(ctx, "beta", "Filer", day, day)).must(t); len(got) != 0 {
		t.Errorf("beta reads acme's label results: %v", got)
	}
}
