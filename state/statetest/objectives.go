package statetest

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/depc-dev/depc"
)

// RunObjectives runs the tests of depc.ObjectiveStore against the stores
// open returns (see Run). LabelSeconds reads what ReplaceDayResults wrote,
// so the store also needs depc.ResultStore.
func RunObjectives[S Objectives](t *testing.T, open func(t *testing.T) S) {
	run(t, func(t *testing.T) Objectives { return open(t) }, []subtest[Objectives]{
		{name: "Objectives", fn: testObjectives},
		{name: "ObjectivesInvalid", fn: testObjectivesInvalid},
		{name: "LabelSeconds", fn: testLabelSeconds},
		{name: "LabelSecondsReplaced", fn: testLabelSecondsReplaced},
		{name: "UnknownTeam", fn: testObjectivesUnknownTeam},
		{name: "TeamIsolation", fn: testObjectivesTeamIsolation},
	})
}

func testObjectives(t *testing.T, s Objectives) {
	createTeam(t, s, "acme")
	equal(t, "Objectives of a new team", get(s.Objectives(ctx, "acme")).must(t), []depc.Objective(nil))
	customer := depc.Objective{Label: "Customer", Target: 99.9, Window: "rolling_30d"}
	vip := depc.Objective{Label: "Customer", Name: "vip/1", Target: 99.99, Window: "calendar_month"}
	filer := depc.Objective{Label: "Filer", Name: "filer1", Target: 99.5, Window: "rolling_7d"}
	for _, o := range []depc.Objective{filer, vip, customer} {
		equal(t, "SetObjective", get(s.SetObjective(ctx, "acme", o)).must(t), o)
	}
	equal(t, "Objective(label)", get(s.Objective(ctx, "acme", "Customer", "")).must(t), customer)
	equal(t, "Objective(node)", get(s.Objective(ctx, "acme", "Customer", "vip/1")).must(t), vip)
	// A label's own objective first, then its nodes'.
	equal(t, "Objectives", get(s.Objectives(ctx, "acme")).must(t), []depc.Objective{customer, vip, filer})

	// Setting again replaces.
	customer.Target, customer.Window = 99.95, "rolling_28d"
	get(s.SetObjective(ctx, "acme", customer)).must(t)
	equal(t, "Objective after replace", get(s.Objective(ctx, "acme", "Customer", "")).must(t), customer)

	// A node's objective is its own: a node without one is not found even
	// when its label has one.
	_, err := s.Objective(ctx, "acme", "Customer", "c2")
	wantCode(t, err, depc.ENOTFOUND, "Objective(node without its own)")
	_, err = s.Objective(ctx, "acme", "Filer", "")
	wantCode(t, err, depc.ENOTFOUND, "Objective(label without its own)")

	mustDo(t, s.DeleteObjective(ctx, "acme", "Customer", ""))
	wantCode(t, s.DeleteObjective(ctx, "acme", "Customer", ""), depc.ENOTFOUND, "DeleteObjective twice")
	wantCode(t, s.DeleteObjective(ctx, "acme", "Nope", "x"), depc.ENOTFOUND, "DeleteObjective(absent)")
	equal(t, "Objectives after delete", get(s.Objectives(ctx, "acme")).must(t), []depc.Objective{vip, filer})
}

func testObjectivesInvalid(t *testing.T, s Objectives) {
	createTeam(t, s, "acme")
	good := depc.Objective{Label: "Customer", Target: 99.9, Window: "rolling_30d"}
	for _, tt := range []struct {
		what string
		mod  func(o *depc.Objective)
	}{
		{"empty label", func(o *depc.Objective) { o.Label = "" }},
		{"bad label", func(o *depc.Objective) { o.Label = "has space" }},
		{"bad name", func(o *depc.Objective) { o.Name = "a\x00b" }},
		{"target 0", func(o *depc.Objective) { o.Target = 0 }},
		{"target 100", func(o *depc.Objective) { o.Target = 100 }},
		{"target over 100", func(o *depc.Objective) { o.Target = 120 }},
		{"target NaN", func(o *depc.Objective) { o.Target = math.NaN() }},
		{"no window", func(o *depc.Objective) { o.Window = "" }},
		{"unknown window", func(o *depc.Objective) { o.Window = "rolling_1d" }},
	} {
		o := good
		tt.mod(&o)
		_, err := s.SetObjective(ctx, "acme", o)
		wantCode(t, err, depc.EINVALID, "SetObjective("+tt.what+")")
	}
	equal(t, "Objectives after refused sets", get(s.Objectives(ctx, "acme")).must(t), []depc.Objective(nil))
}

// secondsOf is what LabelSeconds returns for the rule and operation nodes
// of label in nodes, sorted by name.
func secondsOf(nodes []depc.NodeDayResult, label string) []depc.NodeSeconds {
	out := []depc.NodeSeconds{}
	for _, n := range nodes {
		if n.Label != label || n.OK == nil {
			continue
		}
		ns := depc.NodeSeconds{Name: n.Name, OK: *n.OK, KO: *n.KO, Unknown: *n.Unknown}
		if len(n.Downtime) > 0 {
			ns.Downtime = n.Downtime
		}
		out = append(out, ns)
	}
	slices.SortFunc(out, func(a, b depc.NodeSeconds) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

type labelDay struct {
	Day   string
	Nodes []depc.NodeSeconds
}

// readSeconds collects what LabelSeconds calls fn with.
func readSeconds(s depc.ObjectiveStore, team, label, start, end string) ([]labelDay, error) {
	var out []labelDay
	err := s.LabelSeconds(ctx, team, label, start, end, func(day string, nodes []depc.NodeSeconds) error {
		out = append(out, labelDay{day, append([]depc.NodeSeconds{}, nodes...)})
		return nil
	})
	return out, err
}

func testLabelSeconds(t *testing.T, s Objectives) {
	createTeam(t, s, "acme")
	const d1, d2, d3 = "2025-12-01", "2025-12-02", "2025-12-04"
	for _, day := range []string{d1, d2, d3} {
		mustDo(t, s.ReplaceDayResults(ctx, "acme", day, slices.Values(dayNodes(day)), dayLabels(), nil))
	}
	nodes := dayNodes("")
	filers, websites := secondsOf(nodes, "Filer"), secondsOf(nodes, "Website")
	// Read twice: a store may keep what the first read built.
	for range 2 {
		equal(t, "LabelSeconds(Filer, d1..d3)", get(readSeconds(s, "acme", "Filer", d1, d3)).must(t),
			[]labelDay{{d1, filers}, {d2, filers}, {d3, filers}})
		equal(t, "LabelSeconds(Website, d2..d2)", get(readSeconds(s, "acme", "Website", d2, d2)).must(t),
			[]labelDay{{d2, websites}})
	}
	// Days without results are left out; a label without a timeline (an
	// aggregation) or without nodes has an empty list on the days that
	// have results.
	equal(t, "LabelSeconds(Offer)", get(readSeconds(s, "acme", "Offer", "2025-11-30", d2)).must(t),
		[]labelDay{{d1, []depc.NodeSeconds{}}, {d2, []depc.NodeSeconds{}}})
	equal(t, "LabelSeconds(Nope)", get(readSeconds(s, "acme", "Nope", d3, "2025-12-31")).must(t),
		[]labelDay{{d3, []depc.NodeSeconds{}}})
	equal(t, "LabelSeconds(no day)", get(readSeconds(s, "acme", "Filer", "2025-11-01", "2025-11-30")).must(t), []labelDay(nil))

	// fn's error stops the read and comes back as is.
	stop := errors.New("stop")
	calls := 0
	err := s.LabelSeconds(ctx, "acme", "Filer", d1, d3, func(string, []depc.NodeSeconds) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("LabelSeconds with fn failing: %v after %d calls, want stop after 1", err, calls)
	}

	for _, tt := range [][2]string{{d2, d1}, {"2025-12-1", d2}, {d1, "x"}, {"2025-11-01", "2025-12-31"}} {
		err := s.LabelSeconds(ctx, "acme", "Filer", tt[0], tt[1], func(string, []depc.NodeSeconds) error { return nil })
		wantCode(t, err, depc.EINVALID, "LabelSeconds("+tt[0]+", "+tt[1]+")")
	}
	// MaxLabelSecondsDays days are fine.
	mustDo(t, s.LabelSeconds(ctx, "acme", "Filer", "2025-12-01", "2025-12-31", func(string, []depc.NodeSeconds) error { return nil }))
}

// Replacing a day's results replaces what LabelSeconds reads of it, also
// after it was read once.
func testLabelSecondsReplaced(t *testing.T, s Objectives) {
	createTeam(t, s, "acme")
	const d1 = "2025-12-01"
	mustDo(t, s.ReplaceDayResults(ctx, "acme", d1, slices.Values(dayNodes(d1)), dayLabels(), nil))
	equal(t, "LabelSeconds before", get(readSeconds(s, "acme", "Filer", d1, d1)).must(t),
		[]labelDay{{d1, secondsOf(dayNodes(""), "Filer")}})

	next := []depc.NodeDayResult{
		{Label: "Filer", Name: "filer1", QoS: f64(50), OK: i64(43200), KO: i64(43200), Unknown: i64(0),
			Downtime: []depc.Period{{From: 1764547200, To: 1764547200 + 43200}}},
		{Label: "Filer", Name: "filer3", QoS: f64(100), OK: i64(86400), KO: i64(0), Unknown: i64(0)},
	}
	mustDo(t, s.ReplaceDayResults(ctx, "acme", d1, slices.Values(next), nil, nil))
	equal(t, "LabelSeconds after replace", get(readSeconds(s, "acme", "Filer", d1, d1)).must(t),
		[]labelDay{{d1, secondsOf(next, "Filer")}})
	equal(t, "LabelSeconds of a label gone", get(readSeconds(s, "acme", "Website", d1, d1)).must(t),
		[]labelDay{{d1, []depc.NodeSeconds{}}})
}

func testObjectivesUnknownTeam(t *testing.T, s Objectives) {
	o := depc.Objective{Label: "Customer", Target: 99.9, Window: "rolling_30d"}
	none := func(string, []depc.NodeSeconds) error { return nil }
	unknownTeam(t, map[string]error{
		"SetObjective":       second(s.SetObjective(ctx, "nope", o)),
		"SetObjective(bad)":  second(s.SetObjective(ctx, "nope", depc.Objective{})),
		"Objective":          second(s.Objective(ctx, "nope", "Customer", "")),
		"Objectives":         second(s.Objectives(ctx, "nope")),
		"DeleteObjective":    s.DeleteObjective(ctx, "nope", "Customer", ""),
		"LabelSeconds":       s.LabelSeconds(ctx, "nope", "Customer", "2025-12-01", "2025-12-01", none),
		"LabelSeconds(bad)":  s.LabelSeconds(ctx, "nope", "Customer", "2025-12-02", "2025-12-01", none),
		"LabelSeconds(long)": s.LabelSeconds(ctx, "nope", "Customer", "2025-01-01", "2025-12-01", none),
	})
}

func testObjectivesTeamIsolation(t *testing.T, s Objectives) {
	createTeam(t, s, "acme")
	createTeam(t, s, "other")
	const d1 = "2025-12-01"
	o := depc.Objective{Label: "Filer", Target: 99.9, Window: "rolling_30d"}
	get(s.SetObjective(ctx, "acme", o)).must(t)
	mustDo(t, s.ReplaceDayResults(ctx, "acme", d1, slices.Values(dayNodes(d1)), dayLabels(), nil))
	equal(t, "Objectives(other)", get(s.Objectives(ctx, "other")).must(t), []depc.Objective(nil))
	_, err := s.Objective(ctx, "other", "Filer", "")
	wantCode(t, err, depc.ENOTFOUND, "Objective(other)")
	wantCode(t, s.DeleteObjective(ctx, "other", "Filer", ""), depc.ENOTFOUND, "DeleteObjective(other)")
	equal(t, "LabelSeconds(other)", get(readSeconds(s, "other", "Filer", d1, d1)).must(t), []labelDay(nil))

	// The other team's day of the same date has its own nodes.
	mine := []depc.NodeDayResult{{Label: "Filer", Name: "mine", QoS: f64(100), OK: i64(86400), KO: i64(0), Unknown: i64(0)}}
	mustDo(t, s.ReplaceDayResults(ctx, "other", d1, slices.Values(mine), nil, nil))
	equal(t, "LabelSeconds(other) with results", get(readSeconds(s, "other", "Filer", d1, d1)).must(t),
		[]labelDay{{d1, secondsOf(mine, "Filer")}})
	equal(t, "LabelSeconds(acme) kept", get(readSeconds(s, "acme", "Filer", d1, d1)).must(t),
		[]labelDay{{d1, secondsOf(dayNodes(""), "Filer")}})
	equal(t, "Objective(acme) kept", get(s.Objective(ctx, "acme", "Filer", "")).must(t), o)
}
