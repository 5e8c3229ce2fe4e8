package alert

import (
	"reflect"
	"slices"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/qos/budget"
)

var (
	foo      = depc.NodeKey{Label: "Website", Name: "foo.com"}
	fooObj   = depc.Objective{Label: "Website", Name: "foo.com", Target: 99.5, Window: "calendar_month"}
	labelObj = depc.Objective{Label: "Website", Target: 99, Window: "rolling_7d"}
)

// rates builds burn rates over 1h, 6h, 1d and 3d; a negative rate has no
// counted time (not Valid).
func rates(r1h, r6h, r1d, r3d float64) (b [4]budget.Burn) {
	for i, r := range []float64{r1h, r6h, r1d, r3d} {
		b[i] = budget.Burn{Lookback: budget.Lookbacks[i], Rate: max(r, 0), Valid: r >= 0}
	}
	return b
}

func nodeBudget(burn [4]budget.Burn) objective.NodeBudget {
	return objective.NodeBudget{Key: foo, Objective: fooObj, First: "2026-03-01", Last: "2026-03-31",
		Budget: budget.Budget{Target: 99.5, Allowed: 1000, Spent: 250, Remaining: 750, Burn: burn}}
}

// TestBurnRules: which of the workbook's rules hold, by hand. Each rule
// needs both its lookbacks at or above its factor.
func TestBurnRules(t *testing.T) {
	for _, tt := range []struct {
		what string
		burn [4]budget.Burn
		want []string // severities, sorted
	}{
		{"nothing burns", rates(0, 0, 0, 0), nil},
		{"14.4 over 1 h alone pages", rates(14.4, 0, 0, 0), []string{"critical"}},
		{"just under 14.4 over 1 h", rates(14.39, 0, 0, 0), nil},
		{"6 over 6 h and 1 h pages", rates(6, 6, 0, 0), []string{"critical"}},
		{"6 over 6 h, 1 h cooled down", rates(5.9, 6, 0, 0), nil},
		{"3 over 1 d and 1 h files a ticket", rates(3, 0, 3, 0), []string{"warning"}},
		{"3 over 1 d, 1 h cooled down", rates(2.9, 0, 3, 0), nil},
		{"1 over 3 d and 6 h files a ticket", rates(0, 1, 0, 1), []string{"warning"}},
		{"1 over 3 d, 6 h cooled down", rates(0, 0.99, 0, 1), nil},
		{"6 over 6 h and 1 h, and 3 over 1 d", rates(6, 6, 3, 0), []string{"critical", "warning"}},
		{"everything burns: one alert per severity", rates(20, 10, 4, 2), []string{"critical", "warning"}},
		{"no counted time: no rate, no alert", rates(-1, -1, -1, -1), nil},
		{"1 h has no counted time", rates(-1, 6, 3, 0), nil},
	} {
		got := Rules(Team{Name: "acme", Budgets: []objective.NodeBudget{nodeBudget(tt.burn)}})
		var sev []string
		for _, w := range got {
			if w.Labels["alertname"] != NameBurn {
				t.Errorf("%s: %s fired", tt.what, w.Labels["alertname"])
			}
			sev = append(sev, w.Labels["severity"])
		}
		slices.Sort(sev)
		if !slices.Equal(sev, tt.want) {
			t.Errorf("%s: severities %v, want %v", tt.what, sev, tt.want)
		}
	}
}

func TestBurnAlert(t *testing.T) {
	got := Rules(Team{Name: "acme", Budgets: []objective.NodeBudget{nodeBudget(rates(16, 7, -1, 0.5))}})
	want := []Wanted{{
		ID: "DepcErrorBudgetBurn/critical/99.5% calendar_month/Website/foo.com",
		Labels: map[string]string{"alertname": "DepcErrorBudgetBurn", "team": "acme", "label": "Website", "node": "foo.com",
			"objective": "99.5% calendar_month", "severity": "critical"},
		Annotations: map[string]string{
			"summary":          "Website foo.com is spending its error budget 16.0× as fast as its objective allows (99.5% calendar_month): 14.4× over 1h",
			"rule":             "14.4× over 1h",
			"window":           "2026-03-01..2026-03-31",
			"burn_rate_1h":     "16.0",
			"burn_rate_6h":     "7.0",
			"burn_rate_3d":     "0.5",
			"budget_remaining": "75.0%",
		},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Rules:\n got  %#v\n want %#v", got, want)
	}
}

// TestDayUnderTarget: QoS = 100 × OK / (OK + KO), compared with the
// target; Unknown time counts for nothing.
func TestDayUnderTarget(t *testing.T) {
	const day = "2026-03-09"
	bar := depc.NodeKey{Label: "Website", Name: "bar.com"}
	barBudget := objective.NodeBudget{Key: bar, Objective: labelObj}
	for _, tt := range []struct {
		what    string
		day     string
		seconds depc.NodeSeconds
		fires   bool
		qos     string
	}{
		// 84240 / 86400 = 97.5 % < 99.5 %.
		{"36 min down", day, depc.NodeSeconds{OK: 84240, KO: 2160}, true, "97.500"},
		// 85968 / 86400 = 99.5 %: at the target is not under it.
		{"7 min 12 s down: exactly the target", day, depc.NodeSeconds{OK: 85968, KO: 432}, false, ""},
		// 85967 / 86400 = 99.49884… %.
		{"one second more", day, depc.NodeSeconds{OK: 85967, KO: 433}, true, "99.499"},
		// Half the day unknown: 42768 / 43200 = 99 % < 99.5 %.
		{"unknown time counts for nothing", day, depc.NodeSeconds{OK: 42768, KO: 432, Unknown: 43200}, true, "99.000"},
		{"all unknown: no QoS", day, depc.NodeSeconds{Unknown: 86400}, false, ""},
		{"no day computed", "", depc.NodeSeconds{OK: 1, KO: 1}, false, ""},
	} {
		in := Team{Name: "acme", Day: tt.day, Budgets: []objective.NodeBudget{nodeBudget(rates(0, 0, 0, 0)), barBudget},
			Seconds: map[depc.NodeKey]depc.NodeSeconds{foo: tt.seconds,
				// 85536 / 86400 = 99 %: bar.com meets its label's target.
				bar: {OK: 85536, KO: 864}}}
		got := Rules(in)
		var mine []Wanted
		for _, w := range got {
			if w.Labels["node"] == "foo.com" {
				mine = append(mine, w)
			} else if tt.day != "" {
				t.Errorf("%s: bar.com at exactly its label's 99 %% fired %s", tt.what, w.ID)
			}
		}
		if !tt.fires {
			if len(mine) != 0 {
				t.Errorf("%s: fired %v", tt.what, mine)
			}
			continue
		}
		if len(mine) != 1 {
			t.Fatalf("%s: %d alerts, want 1", tt.what, len(mine))
		}
		w := mine[0]
		wantLabels := map[string]string{"alertname": "DepcDayUnderTarget", "team": "acme", "label": "Website", "node": "foo.com",
			"objective": "99.5% calendar_month", "severity": "warning"}
		if w.ID != "DepcDayUnderTarget/warning/99.5% calendar_month/Website/foo.com" || !reflect.DeepEqual(w.Labels, wantLabels) {
			t.Errorf("%s: %s %v", tt.what, w.ID, w.Labels)
		}
		if w.Annotations["qos"] != tt.qos || w.Annotations["day"] != day || w.Annotations["target"] != "99.5" {
			t.Errorf("%s: annotations %v, want qos %s", tt.what, w.Annotations, tt.qos)
		}
	}
	// The label's objective says so in the summary.
	got := Rules(Team{Name: "acme", Day: day, Budgets: []objective.NodeBudget{barBudget},
		Seconds: map[depc.NodeKey]depc.NodeSeconds{bar: {OK: 85535, KO: 865}}})
	if len(got) != 1 || got[0].Annotations["summary"] != "Website bar.com was at 98.999% on 2026-03-09, under the target of the objective of label Website (99% rolling_7d)" {
		t.Errorf("bar.com under its label's objective: %+v", got)
	}
}
