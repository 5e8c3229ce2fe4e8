package compute_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/workload"
)

// genTeam sets up a workload team as `depc gen --load` does: the
// workload's graph and config, a Fake source, and for each rule label X a
// rule X of two Fake checks, "X ping" (Threshold 20) and "X http"
// (Interval 200:299).
func genTeam(tb testing.TB, e *env, sizeName, team string) workload.Size {
	tb.Helper()
	size, err := workload.Lookup(sizeName)
	e.must(err)
	ctx := context.Background()
	_, err = e.state.CreateTeam(ctx, depc.Team{Name: team, Timezone: "UTC"})
	e.must(err)
	_, err = e.state.CreateSource(ctx, team, depc.SourceConfig{Name: "fake", Plugin: depc.PluginFake, Configuration: json.RawMessage("{}")})
	e.must(err)
	doc := map[string]map[string]string{}
	var rules []string
	for label, expr := range size.Config() {
		doc[label] = map[string]string{"qos": expr}
		rule, ok := strings.CutPrefix(expr, "rule.")
		if !ok {
			continue
		}
		rules = append(rules, rule)
		e.check(team, rule+" ping", "fake", depc.CheckThreshold, "depc.tutorial.ping", "20")
		e.check(team, rule+" http", "fake", depc.CheckInterval, "depc.tutorial.httpstatus", "200:299")
		e.rule(team, rule, rule+" ping", rule+" http")
	}
	data, _ := json.Marshal(doc)
	_, err = e.state.SaveConfig(ctx, team, data, rules)
	e.must(err)
	e.must(size.Generate(10000, func(es []depc.Event) error { return e.graph.Apply(ctx, team, es) }))
	return size
}

// The customer-059 case of issue 13, on the team `depc gen --size small
// --team shop` makes: customer-059 is ATLEAST(8)[Website] and, from
// 2025-01-13 on, only 7 of its websites are active, so it is KO all day
// on structure and no website is to blame; its Offer, an AVERAGE, names
// it among the customers that cost it QoS, with seconds. The explanation,
// computed from the sources, agrees with the stored run of the day.
func TestRootCauseGeneratedTeam(t *testing.T) {
	e := newEnv(t, nil)
	size := genTeam(t, e, "small", "shop")
	const day = "2025-01-13"
	e.run("shop", day)
	customer := depc.NodeKey{Label: "Customer", Name: "customer-059"}
	rc, err := e.c.RootCause(e.ctx, "shop", customer, day)
	e.must(err)
	x := rc.Explanation
	checkLaws(t, "customer-059", x)
	if want := "KO all day because 7 of 8 required websites were active"; x.Summary != want {
		t.Errorf("summary %q, want %q", x.Summary, want)
	}
	if qosString(rc.Node.QoS) != "0.000" || qosString(x.QoS) != "0.000" || x.Structural != 86400 || len(x.Leaves) != 0 || len(x.Paths) != 0 {
		t.Errorf("customer-059: qos %s/%s structural %d leaves %d paths %d", qosString(rc.Node.QoS), qosString(x.QoS), x.Structural, len(x.Leaves), len(x.Paths))
	}
	if len(x.Unexplained) != 1 || x.Unexplained[0].Node.Name != "customer-059" || x.Unexplained[0].Seconds != 86400 ||
		x.Unexplained[0].Reason != "7 of 8 required websites were active" {
		t.Errorf("unexplained %+v", x.Unexplained)
	}
	if len(x.Children) != 7 {
		t.Errorf("%d websites, want the 7 active", len(x.Children))
	}
	for _, c := range x.Children {
		if c.Share != 0 || *c.Blamed != 0 {
			t.Errorf("website %s blamed: %+v", c.Name, c)
		}
	}

	// Its Offer.
	var offer compute.RootCause
	for i := range size.Labels[len(size.Labels)-1].Count {
		k := depc.NodeKey{Label: "Offer", Name: size.NodeName("Offer", i)}
		rc, err := e.c.RootCause(e.ctx, "shop", k, day)
		e.must(err)
		for _, c := range rc.Explanation.Children {
			if c.Name == customer.Name {
				offer = rc
			}
		}
	}
	x = offer.Explanation
	if x == nil {
		t.Fatal("no offer aggregates customer-059")
	}
	checkLaws(t, "offer", x)
	if qosString(offer.Node.QoS) != qosString(x.QoS) {
		t.Errorf("offer: stored QoS %s, explained %s", qosString(offer.Node.QoS), qosString(x.QoS))
	}
	n := 0
	for _, c := range x.Children {
		if c.QoS != nil {
			n++
		}
	}
	c := x.Children[0]
	if c.Name != customer.Name || i64(c.KO) != "86400" || qos.Format(*c.Loss, 3) != qos.Format(100/float64(n), 3) || math.Abs(c.Share-86400/float64(n)) > 1e-6 {
		t.Errorf("offer's worst customer %+v, want customer-059 KO 86400 s, loss 100/%d points", c, n)
	}
	if !strings.Contains(x.Summary, "most by customer-059 (") || !strings.Contains(x.Summary, "KO 1 d)") {
		t.Errorf("offer summary %q", x.Summary)
	}
	if len(x.Paths) == 0 || len(x.Paths[0].Steps) != 4 || x.Paths[0].Steps[0].Label != "Offer" || x.Paths[0].Steps[3].Label != "Filer" && x.Paths[0].Steps[3].Label != "Apache" {
		t.Errorf("offer paths %v", x.Paths)
	}
}
