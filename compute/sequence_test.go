package compute_test

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// A Sequence computing a backfill gives the results of each day computed
// on its own at the same moment: while the graph stays the same it is read
// once, a period that ends inside a later day or a message applied during
// the backfill makes it read again, and a maintenance window changes only
// its day.
func TestSequenceSameAsDays(t *testing.T) {
	const D = 86400
	days := []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"}
	keys := []depc.NodeKey{key("Filer/f1"), key("Filer/f2"), key("Filer/f3"), key("Website/w1"), key("Website/w2"), key("Offer/o")}
	setup := func(e *env) {
		src := serverTeam(e, "acme")
		e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.AND[Filer]"},
			"Offer": {"qos": "aggregation.AVERAGE[Website]"}}`)
		e.apply("acme", events(
			rel("Website/w1", "Filer/f1"), rel("Offer/o", "Website/w1"), rel("Offer/o", "Website/w2"),
			// w2 → f2 ends in the middle of the fourth day.
			rel("Website/w2", "Filer/f2", depc.Period{From: qos.NegInf, To: S + 3*D + 5*h}),
		)...)
		for i, name := range []string{"f1", "f2", "f3"} {
			src.set("ping", name, points(S, S+8*D, 60, [2]int64{int64(i+1) * h, int64(i+1)*h + 600}, [2]int64{5*D + 2*h, 5*D + 2*h + 60*int64(i+1)}))
		}
		_, err := e.state.CreateMaintenance(e.ctx, "acme", depc.Maintenance{Label: "Filer", From: S + D + 3000, To: S + D + 4000, Reason: "test"})
		e.must(err)
	}
	// The message of the backfill: w1 depends on f3 too, always.
	message := rel("Website/w1", "Filer/f3")
	const messageAfter = 2 // days computed before it arrives

	alone := newEnv(t, nil)
	setup(alone)
	want := map[string]string{}
	for i, d := range days {
		if i == messageAfter {
			alone.apply("acme", message...)
		}
		alone.run("acme", d)
		want[d] = dayResults(alone, "acme", d, keys)
	}

	e := newEnv(t, nil)
	setup(e)
	seq := e.c.Sequence("acme")
	for i, d := range days {
		if i == messageAfter {
			e.apply("acme", message...)
		}
		if _, err := seq.Day(e.ctx, d, days[i+1:]...); err != nil {
			t.Fatalf("Sequence.Day(%s): %v", d, err)
		}
		if got := dayResults(e, "acme", d, keys); got != want[d] {
			t.Errorf("%s, sequence:\n%s\neach day on its own:\n%s", d, got, want[d])
		}
	}
	// Read: day 1 (kept up to day 4's fifth hour, when w2 → f2 ends),
	// day 3 (the message arrived), day 4 (w2 → f2 ends inside it), day 5
	// (kept to the end): reused for days 2, 6 and 7.
	if seq.Reused != 3 {
		t.Errorf("graph reused for %d days, want 3", seq.Reused)
	}
	if strings.Contains(want[days[1]], "[Filer/f1 Filer/f3]") || !strings.Contains(want[days[2]], "[Filer/f1 Filer/f3]") {
		t.Errorf("the message does not change the days after it: the test sees nothing\n%s\n%s", want[days[1]], want[days[2]])
	}
}
