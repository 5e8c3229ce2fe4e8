package objective_test

import (
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/qos"
)

// describeMonth writes a report's nodes with hand-checkable figures.
func describeMonth(rep objective.MonthReport) []string {
	var out []string
	for _, n := range rep.Nodes {
		b := n.Budget
		q, met := "null", "unknown"
		if b.QoS.Valid {
			q = qos.Format(b.QoS.Value, 3)
		}
		if m, known := n.Met(); known {
			met = map[bool]string{true: "met", false: "missed"}[m]
		}
		out = append(out, n.Key.String()+" "+trim(n.Objective.Target)+" qos "+q+" "+met+
			" allowed "+qos.Format(b.Allowed, 1)+" spent "+qos.Format(float64(b.Spent), 0)+" remaining "+qos.Format(b.Remaining, 1)+
			" pending "+qos.Format(float64(b.Pending), 0))
	}
	return out
}

// TestMonth: March, read on the 10th, counts March 1–9 against each
// node's target over the whole month (31 days, 2 678 400 s): 99.9 %
// allows 2 678.4 s, 99 % 26 784 s; the 22 days to come are pending. The
// label's objective (rolling 7 days) and c3's (calendar month) both give
// way to the month. Filer and Offer have no objective: not in the report.
func TestMonth(t *testing.T) {
	s, live := setup(t)
	b := objective.New(s, live)
	b.Now = func() time.Time { return now }
	rep, err := b.Month(ctx, "acme", "2026-03")
	must(t, err)
	if rep.First != "2026-03-01" || rep.Last != "2026-03-31" || rep.Complete || len(rep.Errors) > 0 {
		t.Errorf("March: %s..%s complete %v errors %v", rep.First, rep.Last, rep.Complete, rep.Errors)
	}
	equalLines(t, "March", describeMonth(rep), []string{
		// 9 OK days.
		"Customer/c1 99.9 qos 100.000 met allowed 2678.4 spent 0 remaining 2678.4 pending 1900800",
		// 600 KO s of 777 600: 99.923 %.
		"Customer/c2 99.9 qos 99.923 met allowed 2678.4 spent 600 remaining 2078.4 pending 1900800",
		// 3 600 KO s: 99.537 %, above its own 99 %.
		"Customer/c3 99 qos 99.537 met allowed 26784.0 spent 3600 remaining 23184.0 pending 1900800",
	})

	// A stricter label target: c2 misses it, c3 keeps its own.
	must(t, second(s.SetObjective(ctx, "acme", depc.Objective{Label: "Customer", Target: 99.95, Window: "rolling_30d"})))
	rep, err = b.Month(ctx, "acme", "2026-03")
	must(t, err)
	equalLines(t, "March at 99.95 %", describeMonth(rep), []string{
		"Customer/c1 99.95 qos 100.000 met allowed 1339.2 spent 0 remaining 1339.2 pending 1900800",
		"Customer/c2 99.95 qos 99.923 missed allowed 1339.2 spent 600 remaining 739.2 pending 1900800",
		"Customer/c3 99 qos 99.537 met allowed 26784.0 spent 3600 remaining 23184.0 pending 1900800",
	})

	// February has ended and has no result: c3's own objective is listed,
	// unknown, its 28 days pending; the label's nodes are not known.
	rep, err = b.Month(ctx, "acme", "2026-02")
	must(t, err)
	if !rep.Complete || rep.Last != "2026-02-28" {
		t.Errorf("February: complete %v, last %s", rep.Complete, rep.Last)
	}
	equalLines(t, "February", describeMonth(rep), []string{
		"Customer/c3 99 qos null unknown allowed 24192.0 spent 0 remaining 24192.0 pending 2419200",
	})
}

func TestMonthInvalid(t *testing.T) {
	s, live := setup(t)
	b := objective.New(s, live)
	b.Now = func() time.Time { return now }
	for _, m := range []string{"2026-04", "2026-13", "2026-3", "march", "", "1969-12", "2026-03-01"} {
		_, err := b.Month(ctx, "acme", m)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(depc.ErrorMessage(err), "month") {
			t.Errorf("month %q: %v, want EINVALID naming month", m, err)
		}
	}
	if _, err := b.Month(ctx, "nope", "2026-03"); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("unknown team: %v", err)
	}
}
