package compute_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/qos"
)

// checkLaws checks the laws of an explanation (semantics §7): the leaves'
// shares and what is unexplained add up to what was lost, so do the
// node's children and its own structural part, no share exceeds it, and
// along a causal path shares never grow.
func checkLaws(t *testing.T, at string, x *compute.Explanation) {
	t.Helper()
	if x == nil {
		t.Fatalf("%s: no explanation", at)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*max(1, math.Abs(b)) }
	var leaves, unexplained, children, rootStructural float64
	for _, l := range x.Leaves {
		leaves += l.Share
		if l.Share > x.Lost*(1+1e-9) || l.Share <= 0 || float64(l.Seconds) < l.Share*(1-1e-9) && l.Share > 0 && x.KO != nil {
			t.Errorf("%s: leaf %s/%s share %g over %d s, lost %g", at, l.Label, l.Name, l.Share, l.Seconds, x.Lost)
		}
		var checks float64
		for _, c := range l.Checks {
			checks += c.Share
		}
		if len(l.Checks) > 0 && !near(checks, l.Share) {
			t.Errorf("%s: leaf %s/%s: checks share %g, leaf %g", at, l.Label, l.Name, checks, l.Share)
		}
	}
	for _, u := range x.Unexplained {
		unexplained += u.Share
		if u.Node.Label == "" || u.Reason == "" {
			t.Errorf("%s: unexplained without node or reason: %+v", at, u)
		}
	}
	for _, c := range x.Children {
		children += c.Share
	}
	if !near(leaves+unexplained, x.Lost) {
		t.Errorf("%s: leaves %g + unexplained %g != lost %g", at, leaves, unexplained, x.Lost)
	}
	if x.KO != nil {
		if x.Lost != float64(*x.KO) {
			t.Errorf("%s: lost %g, KO %d", at, x.Lost, *x.KO)
		}
		rootStructural = float64(x.Structural)
		var reasons int64
		for _, r := range x.Reasons {
			reasons += r.To - r.From
		}
		if x.ReasonsLeftOut == 0 && reasons != *x.KO {
			t.Errorf("%s: reasons cover %d s, KO %d s", at, reasons, *x.KO)
		}
	}
	if len(x.Children) > 0 && !near(children+rootStructural, x.Lost) {
		t.Errorf("%s: children %g + structural %g != lost %g", at, children, rootStructural, x.Lost)
	}
	for i, p := range x.Paths {
		if i > 0 && p.Share > x.Paths[i-1].Share {
			t.Errorf("%s: paths not largest first", at)
		}
		for j, s := range p.Steps {
			if j > 0 && s.Share > p.Steps[j-1].Share*(1+1e-9) {
				t.Errorf("%s: path %d grows at step %d: %+v", at, i, j, p.Steps)
			}
		}
		if p.Share != p.Steps[len(p.Steps)-1].Share {
			t.Errorf("%s: path share %g, last step %g", at, p.Share, p.Steps[len(p.Steps)-1].Share)
		}
	}
}

func pathString(p compute.Path) string {
	var s []string
	for _, st := range p.Steps {
		sec := "-"
		if st.Seconds != nil {
			sec = fmt.Sprint(*st.Seconds)
		}
		s = append(s, fmt.Sprintf("%s/%s %s %.0f", st.Label, st.Name, sec, st.Share))
	}
	return strings.Join(s, " → ")
}

// explainTeam is TestRootCause's team: Customer = AVERAGE[Offer], Offer =
// AND[Website], Website = AND[Filer, Apache]; site is KO [3600, 3720) and
// [7200, 7320): filer1 KO [3600, 3660) with apache1 KO [3600, 3720) and
// [7200, 7320); filer2 KO [0, 600) before site depends on it (noon).
func explainTeam(t *testing.T) *env {
	e := newEnv(t, nil)
	src := serverTeam(e, "acme")
	e.check("acme", "Http", "src", depc.CheckInterval, "http", "200:299")
	e.rule("acme", "Web", "Ping", "Http")
	e.config("acme", `{"Filer": {"qos": "rule.Servers"}, "Apache": {"qos": "rule.Web"},
		"Website": {"qos": "operation.AND[Filer, Apache]"}, "Offer": {"qos": "operation.AND[Website]"},
		"Customer": {"qos": "aggregation.AVERAGE[Offer]"}}`)
	noon := S + 43200
	e.apply("acme", events(
		rel("Customer/c", "Offer/o"),
		rel("Offer/o", "Website/site"),
		rel("Website/site", "Filer/filer1"), rel("Website/site", "Apache/apache1"),
		rel("Website/site", "Filer/filer2", depc.Period{From: noon, To: qos.PosInf}),
	)...)
	src.set("ping", "filer1", points(S, S+86400, 60, [2]int64{3600, 3660}))
	src.set("ping", "apache1", points(S, S+86400, 60, [2]int64{3600, 3720}, [2]int64{7200, 7320}))
	// apache1's http check fails too for its second incident.
	var http []qos.Point
	for _, p := range points(S, S+86400, 60, [2]int64{7200, 7260}) {
		v := 200.0
		if p.V > 20 {
			v = 503
		}
		http = append(http, qos.Point{T: p.T, V: v})
	}
	src.set("http", "apache1", http)
	src.set("ping", "filer2", points(S, S+86400, 60, [2]int64{0, 600}))
	return e
}

func TestRootCauseExplain(t *testing.T) {
	e := explainTeam(t)
	site := depc.NodeKey{Label: "Website", Name: "site"}
	rc, err := e.c.RootCause(e.ctx, "acme", site, day)
	e.must(err)
	x := rc.Explanation
	checkLaws(t, "site", x)
	if rc.Window != (compute.Interval{From: S, To: S + 86400}) || len(rc.Errors) != 0 {
		t.Errorf("window %+v errors %v", rc.Window, rc.Errors)
	}
	// AND: the KO children, by share; filer1 and apache1 share the
	// minute both were KO.
	if x.Expr != "operation.AND[Filer, Apache]" || i64(x.KO) != "240" || x.Lost != 240 || x.Structural != 0 {
		t.Errorf("site: %s ko %s lost %g structural %d", x.Expr, i64(x.KO), x.Lost, x.Structural)
	}
	var kids []string
	for _, c := range x.Children {
		kids = append(kids, fmt.Sprintf("%s %s %s %g", c.Name, i64(c.KO), i64(c.Blamed), c.Share))
	}
	if got, want := strings.Join(kids, ", "), "apache1 240 240 210, filer1 60 60 30, filer2 0 0 0"; got != want {
		t.Errorf("children %s, want %s", got, want)
	}
	var reasons []string
	for _, r := range x.Reasons {
		reasons = append(reasons, fmt.Sprintf("%d..%d=%d/%d/%d/%d", r.From-S, r.To-S, r.Active, r.Part, r.OK, r.Needed))
	}
	if got, want := strings.Join(reasons, ","), "3600..3660=2/2/0/2,3660..3720=2/2/1/2,7200..7320=2/2/1/2"; got != want {
		t.Errorf("reasons %s, want %s", got, want)
	}
	if want := "KO 4 min (0.3 % of the day) because of KO children: apache1 (3 min 30 s), filer1 (30 s)"; x.Summary != want {
		t.Errorf("summary %q, want %q", x.Summary, want)
	}
	// The leaves with their checks and evidence: apache1's ping explains
	// its first incident, ping and http share its second one's first
	// minute.
	if len(x.Leaves) != 2 || x.Leaves[0].Name != "apache1" || x.Leaves[0].Share != 210 || x.Leaves[0].Seconds != 240 {
		t.Fatalf("leaves %+v", x.Leaves)
	}
	a := x.Leaves[0]
	if len(a.Checks) != 2 || a.Checks[0].Name != "Ping" || a.Checks[0].KO != 240 || a.Checks[1].Name != "Http" || a.Checks[1].KO != 60 {
		t.Fatalf("apache1 checks %+v", a.Checks)
	}
	if a.Checks[0].Share+a.Checks[1].Share != 210 {
		t.Errorf("apache1 checks share %g + %g", a.Checks[0].Share, a.Checks[1].Share)
	}
	ping := a.Checks[0]
	if ping.Type != depc.CheckThreshold || ping.Threshold != "20" || ping.EvidenceTotal != 4 || len(ping.Evidence) != 4 {
		t.Fatalf("ping evidence %+v", ping)
	}
	if ev := ping.Evidence[0]; ev.At != S+3600 || ev.Value == nil || *ev.Value != 100 || ev.From != S+3600 || ev.To != S+3660 || !strings.Contains(ev.Series, `name="apache1"`) {
		t.Errorf("first evidence %+v", ev)
	}
	if http := a.Checks[1]; http.EvidenceTotal != 1 || *http.Evidence[0].Value != 503 || http.Threshold != "200:299" {
		t.Errorf("http evidence %+v", http)
	}

	// The Offer: causal paths through site.
	rc, err = e.c.RootCause(e.ctx, "acme", key("Offer/o"), day)
	e.must(err)
	checkLaws(t, "offer", rc.Explanation)
	var paths []string
	for _, p := range rc.Explanation.Paths {
		paths = append(paths, pathString(p))
	}
	if got, want := strings.Join(paths, "; "), "Offer/o 240 240 → Website/site 240 240 → Apache/apache1 240 210; Offer/o 240 240 → Website/site 240 240 → Filer/filer1 60 30"; got != want {
		t.Errorf("paths\n %s\nwant\n %s", got, want)
	}

	// The Customer, an aggregation: its offer's part of its loss.
	rc, err = e.c.RootCause(e.ctx, "acme", key("Customer/c"), day)
	e.must(err)
	x = rc.Explanation
	checkLaws(t, "customer", x)
	if x.KO != nil || x.Loss == nil || qos.Format(*x.Loss, 3) != "0.278" || x.Lost != 240 || len(x.Children) != 1 || qos.Format(*x.Children[0].Loss, 3) != "0.278" || x.Children[0].Share != 240 {
		t.Errorf("customer: ko %s loss %v lost %g children %+v", i64(x.KO), x.Loss, x.Lost, x.Children)
	}
	if want := "QoS 99.722, 0.278 points lost, most by o (0.278 points, KO 4 min)"; x.Summary != want {
		t.Errorf("summary %q, want %q", x.Summary, want)
	}
	if len(x.Paths) != 2 || x.Paths[0].Steps[0].Seconds != nil || pathString(x.Paths[0]) != "Customer/c - 240 → Offer/o 240 240 → Website/site 240 240 → Apache/apache1 240 210" {
		t.Errorf("customer paths %v", x.Paths)
	}

	// A rule node: its checks, their evidence, its reasons.
	rc, err = e.c.RootCause(e.ctx, "acme", key("Apache/apache1"), day)
	e.must(err)
	x = rc.Explanation
	checkLaws(t, "apache1", x)
	if len(x.Checks) != 2 || x.Checks[0].Share != 210 || x.Checks[1].Share != 30 || len(x.Checks[0].Evidence) == 0 || len(x.Paths) != 1 || len(x.Reasons) != 3 {
		t.Errorf("apache1: checks %+v paths %v reasons %v", x.Checks, x.Paths, x.Reasons)
	}
	if want := `KO 4 min (0.3 % of the day) because of KO checks: "Ping" (3 min 30 s), "Http" (30 s)`; x.Summary != want {
		t.Errorf("summary %q, want %q", x.Summary, want)
	}

	// Rounded JSON.
	rc.Round(1)
	b, _ := json.Marshal(rc)
	for _, want := range []string{`"window":{"from":`, `"explanation":{"expr":"rule.Web"`, `"evidence":[{"series":`, `"errors":[]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s\nlacks %s", b, want)
		}
	}
}

func TestRootCauseWindow(t *testing.T) {
	e := explainTeam(t)
	site := depc.NodeKey{Label: "Website", Name: "site"}
	// The day form and the window of the day agree.
	byDay, err := e.c.RootCause(e.ctx, "acme", site, day)
	e.must(err)
	byWindow, err := e.c.RootCauseWindow(e.ctx, "acme", site, depc.Window{Start: S, End: S + 86400})
	e.must(err)
	a, _ := json.Marshal(byDay.Explanation)
	b, _ := json.Marshal(byWindow.Explanation)
	if string(a) != string(b) {
		t.Errorf("day\n %s\nwindow\n %s", a, b)
	}
	// Before the day was run the day form has no stored QoS, the window
	// form has the computed one.
	if byDay.Node.QoS != nil || qosString(byWindow.Node.QoS) != "99.722" || i64(byWindow.Node.KO) != "240" || len(byWindow.Causes) != 2 {
		t.Errorf("node: day %+v window %+v causes %+v", byDay.Node, byWindow.Node, byWindow.Causes)
	}
	// A window at second resolution inside the day, and the same window
	// split in two: the same totals.
	w := depc.Window{Start: S + 3630, End: S + 7230}
	whole, err := e.c.RootCauseWindow(e.ctx, "acme", site, w)
	e.must(err)
	checkLaws(t, "window", whole.Explanation)
	if whole.Explanation.Lost != 120 {
		t.Errorf("lost %g over %v, want 120", whole.Explanation.Lost, w)
	}
	first, err := e.c.RootCauseWindow(e.ctx, "acme", site, depc.Window{Start: w.Start, End: S + 3700})
	e.must(err)
	second, err := e.c.RootCauseWindow(e.ctx, "acme", site, depc.Window{Start: S + 3700, End: w.End})
	e.must(err)
	shares := func(x ...*compute.Explanation) map[string]float64 {
		m := map[string]float64{}
		for _, x := range x {
			m["lost"] += x.Lost
			for _, l := range x.Leaves {
				m[l.Name] += l.Share
			}
		}
		return m
	}
	if got, want := fmt.Sprint(shares(first.Explanation, second.Explanation)), fmt.Sprint(shares(whole.Explanation)); got != want {
		t.Errorf("split %s, whole %s", got, want)
	}

	for _, tc := range []struct {
		name string
		key  depc.NodeKey
		w    depc.Window
		code string
	}{
		{"empty", site, depc.Window{Start: S, End: S}, depc.EINVALID},
		{"too long", site, depc.Window{Start: S, End: S + compute.MaxRootCauseWindow + 1}, depc.EINVALID},
		{"unknown node", depc.NodeKey{Label: "Website", Name: "nope"}, depc.Window{Start: S, End: S + 60}, depc.ENOTFOUND},
		{"unconfigured label", depc.NodeKey{Label: "Mirror", Name: "m"}, depc.Window{Start: S, End: S + 60}, depc.EINVALID},
	} {
		if _, err := e.c.RootCauseWindow(e.ctx, "acme", tc.key, tc.w); depc.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if _, err := e.c.RootCauseWindow(e.ctx, "nope", site, depc.Window{Start: S, End: S + 60}); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("unknown team: %v", err)
	}
	// 31 days is the most.
	if _, err := e.c.RootCauseWindow(e.ctx, "acme", site, depc.Window{Start: S, End: S + compute.MaxRootCauseWindow}); err != nil {
		t.Errorf("31 days: %v", err)
	}
}

// A team without a config still gets the day's stored root cause, with no
// explanation and the reason.
func TestRootCauseWithoutConfig(t *testing.T) {
	e := newEnv(t, nil)
	serverTeam(e, "acme")
	e.apply("acme", rel("Website/site", "Filer/filer1")...)
	rc, err := e.c.RootCause(e.ctx, "acme", key("Website/site"), day)
	e.must(err)
	if rc.Explanation != nil || len(rc.Errors) != 1 || !strings.Contains(rc.Errors[0].Error, "no explanation") || len(rc.Graph.Nodes) != 2 {
		t.Errorf("%+v", rc)
	}
	if _, err := e.c.RootCauseWindow(e.ctx, "acme", key("Website/site"), depc.Window{Start: S, End: S + 60}); depc.ErrorCode(err) != depc.ENOTFOUND {
		t.Errorf("window without config: %v", err)
	}
}
