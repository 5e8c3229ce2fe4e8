package alert

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/qos/budget"
)

// Alert names: the alertname label.
const (
	// NameBurn fires while a node spends its error budget too fast
	// (BurnRules).
	NameBurn = "DepcErrorBudgetBurn"
	// NameDayUnderTarget fires while the latest computed day of a node is
	// under its objective's target.
	NameDayUnderTarget = "DepcDayUnderTarget"
)

// Severities: the severity label.
const (
	SeverityCritical = "critical" // page someone
	SeverityWarning  = "warning"  // a ticket: look at it today
)

// BurnRule is one of the multi-window burn-rate alerts of the SRE workbook
// (chapter 5, "Alerting on SLOs"): it holds when the burn rate over the
// long lookback and over the short one are both at least Factor. The long
// lookback says the budget is being spent fast enough to matter; the short
// one that it still is, so the alert resolves soon after the burning stops.
type BurnRule struct {
	Severity string
	// Long and Short index budget.Lookbacks (1 h, 6 h, 1 d, 3 d); Short
	// is -1 when the rule has none.
	Long, Short int
	Factor      float64
}

// BurnRules are the workbook's four rules for a 30-day objective, moved
// onto the lookbacks depc computes. The workbook pairs each long window
// with a short one of 1/12 its length (1 h & 5 min, 6 h & 30 min, 1 d &
// 2 h, 3 d & 6 h); depc's shortest lookback is 1 h, so the 1 h rule stands
// alone, and the others take the nearest lookback below 1/4 of theirs.
// Factors are the workbook's: 14.4 over 1 h spends 2 % of a 30-day budget
// in that hour, 6 over 6 h 5 %, 3 over 1 d and 1 over 3 d 10 %. They are
// burn rates, so they mean the same pace for every window; a 7-day
// objective spends a larger share of its smaller budget at that pace.
var BurnRules = []BurnRule{
	{Severity: SeverityCritical, Long: 0, Short: -1, Factor: 14.4},
	{Severity: SeverityCritical, Long: 1, Short: 0, Factor: 6},
	{Severity: SeverityWarning, Long: 2, Short: 0, Factor: 3},
	{Severity: SeverityWarning, Long: 3, Short: 1, Factor: 1},
}

// holds reports whether the rule holds for the burn rates b.
func (r BurnRule) holds(b [len(budget.Lookbacks)]budget.Burn) bool {
	at := func(i int) bool { return b[i].Valid && b[i].Rate >= r.Factor }
	return at(r.Long) && (r.Short < 0 || at(r.Short))
}

// String names the rule as annotations write it: "6.0× over 6h and 1h".
func (r BurnRule) String() string {
	s := fmt.Sprintf("%s× over %s", formatRate(r.Factor), budget.LookbackNames[r.Long])
	if r.Short >= 0 {
		s += " and " + budget.LookbackNames[r.Short]
	}
	return s
}

// Team is what the rules read of one team.
type Team struct {
	Name string
	// Budgets are the team's node budgets (objective.Budgets.Team).
	Budgets []objective.NodeBudget
	// Day is the team's latest computed day ("" when none is recent), and
	// Seconds the seconds of its nodes that have a timeline that day.
	Day     string
	Seconds map[depc.NodeKey]depc.NodeSeconds
}

// Wanted is an alert that should be firing.
type Wanted struct {
	// ID names it in the team: its name, severity, objective and node.
	// A changed objective is another alert: the old one resolves.
	ID          string
	Labels      map[string]string
	Annotations map[string]string
}

// Rules returns the alerts that should fire for t, sorted by ID:
//
//   - NameBurn, once per node and severity, when one of BurnRules of that
//     severity holds for the node's burn rates;
//   - NameDayUnderTarget when the node's QoS on t.Day, 100 × OK / (OK +
//     KO), is under its objective's target (a day with no OK or KO time
//     has no QoS and fires nothing).
func Rules(t Team) []Wanted {
	var out []Wanted
	for _, nb := range t.Budgets {
		fired := map[string]bool{}
		for _, r := range BurnRules {
			if fired[r.Severity] || !r.holds(nb.Budget.Burn) {
				continue
			}
			fired[r.Severity] = true
			out = append(out, burnAlert(t.Name, nb, r))
		}
		s, ok := t.Seconds[nb.Key]
		if !ok || t.Day == "" || s.OK+s.KO == 0 {
			continue
		}
		q := 100 * float64(s.OK) / float64(s.OK+s.KO)
		if q < nb.Objective.Target {
			out = append(out, dayAlert(t.Name, t.Day, nb, q, s))
		}
	}
	slices.SortFunc(out, func(a, b Wanted) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// ObjectiveText writes an objective as the objective label does: "99.9%
// rolling_30d".
func ObjectiveText(o depc.Objective) string {
	return strconv.FormatFloat(o.Target, 'g', -1, 64) + "% " + string(o.Window)
}

// alertID joins the parts of an alert's identity. The node's name comes
// last: labels, severities and objectives hold no "/", names may.
func alertID(name, severity string, nb objective.NodeBudget) string {
	return strings.Join([]string{name, severity, ObjectiveText(nb.Objective), nb.Key.Label, nb.Key.Name}, "/")
}

func labels(team, name, severity string, nb objective.NodeBudget) map[string]string {
	return map[string]string{
		"alertname": name,
		"team":      team,
		"label":     nb.Key.Label,
		"node":      nb.Key.Name,
		"objective": ObjectiveText(nb.Objective),
		"severity":  severity,
	}
}

// whose says whose objective applies: the node's own or its label's.
func whose(nb objective.NodeBudget) string {
	if nb.Objective.Name == "" {
		return "the objective of label " + nb.Key.Label
	}
	return "its objective"
}

func burnAlert(team string, nb objective.NodeBudget, r BurnRule) Wanted {
	b := nb.Budget
	ann := map[string]string{
		"summary": fmt.Sprintf("%s %s is spending its error budget %s× as fast as %s allows (%s): %s",
			nb.Key.Label, nb.Key.Name, formatRate(b.Burn[r.Long].Rate), whose(nb), ObjectiveText(nb.Objective), r),
		"rule":   r.String(),
		"window": nb.First + ".." + nb.Last,
	}
	for i, br := range b.Burn {
		if br.Valid {
			ann["burn_rate_"+budget.LookbackNames[i]] = formatRate(br.Rate)
		}
	}
	if ratio, ok := b.RemainingRatio(); ok {
		ann["budget_remaining"] = strconv.FormatFloat(100*ratio, 'f', 1, 64) + "%"
	}
	return Wanted{ID: alertID(NameBurn, r.Severity, nb), Labels: labels(team, NameBurn, r.Severity, nb), Annotations: ann}
}

func dayAlert(team, day string, nb objective.NodeBudget, q float64, s depc.NodeSeconds) Wanted {
	qs := strconv.FormatFloat(q, 'f', 3, 64)
	ann := map[string]string{
		"summary": fmt.Sprintf("%s %s was at %s%% on %s, under the target of %s (%s)",
			nb.Key.Label, nb.Key.Name, qs, day, whose(nb), ObjectiveText(nb.Objective)),
		"day":        day,
		"qos":        qs,
		"target":     strconv.FormatFloat(nb.Objective.Target, 'g', -1, 64),
		"ko_seconds": strconv.FormatInt(s.KO, 10),
	}
	return Wanted{ID: alertID(NameDayUnderTarget, SeverityWarning, nb), Labels: labels(team, NameDayUnderTarget, SeverityWarning, nb), Annotations: ann}
}

// formatRate writes a burn rate with one decimal ("14.4", "6.0").
func formatRate(r float64) string { return strconv.FormatFloat(r, 'f', 1, 64) }
