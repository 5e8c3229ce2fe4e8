package incident_test

import (
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/incident"
)

var update = flag.Bool("update", false, "rewrite testdata/*.md from the reports")

func f64(x float64) *float64 { return &x }
func i64(x int64) *int64     { return &x }

func ref(label, name string) compute.NodeRef { return compute.NodeRef{Label: label, Name: name} }

// customer is a root cause as compute answers it, of a Customer
// ATLEAST(2)[Website] over 45 minutes across midnight (Paris time): KO 20
// minutes, 5 of them on structure, the rest because of its websites,
// themselves KO because of a filer and an Apache whose names need
// escaping in Markdown.
func customer() compute.RootCause {
	const from, to = 1796164800, 1796167500 // 2026-12-01 23:40 → 2026-12-02 00:25 in Paris
	cust, web1, web2 := ref("Customer", "customer-059"), ref("Website", "web_1.com"), ref("Website", "web2.com")
	filer, apache := ref("Filer", "filer|1"), ref("Apache", "<apache*2>")
	check := func(name string, ko int64, share float64, ev ...compute.Evidence) compute.CheckBlame {
		return compute.CheckBlame{Name: name, Type: "Threshold", Threshold: "20", KO: ko, Share: share, Evidence: ev, EvidenceTotal: len(ev) + 3}
	}
	point := func(at int64, v float64) compute.Evidence {
		return compute.Evidence{Series: `ping{name="x"}`, At: at, Value: f64(v), From: at, To: at + 60}
	}
	return compute.RootCause{
		Node:   compute.RootCauseNode{NodeRef: cust, QoS: f64(55.556), KO: i64(1200), Downtime: []compute.Interval{{From: from + 600, To: from + 1800}}},
		Window: compute.Interval{From: from, To: to},
		Graph: compute.CauseGraph{
			Nodes: []compute.GraphNode{{NodeRef: apache, QoS: f64(80)}, {NodeRef: cust, QoS: f64(55.556)}, {NodeRef: filer, QoS: f64(70)},
				{NodeRef: web1, QoS: f64(70)}, {NodeRef: web2, QoS: f64(80)}, {NodeRef: ref("Filer", "filer3"), QoS: f64(100)}},
			Edges: []compute.Edge{{From: cust, To: web1}, {From: cust, To: web2}, {From: web1, To: filer}, {From: web2, To: apache}, {From: web2, To: ref("Filer", "filer3")}},
		},
		Explanation: &compute.Explanation{
			Expr: "operation.ATLEAST(2)[Website]", QoS: f64(55.556), OK: i64(1500), KO: i64(1200), Unknown: i64(0),
			Lost: 1200, Structural: 300,
			Summary: "KO 20 min (44.4 % of the window): 5 min because 1 of 2 required websites were active, 15 min because of KO websites: web_1.com (9 min), web2.com (6 min)",
			Reasons: []compute.Reason{
				{From: from + 600, To: from + 900, Active: 1, Part: 1, OK: 1, Needed: 2, Structural: true},
				{From: from + 900, To: from + 1800, Active: 2, Part: 2, OK: 1, Needed: 2},
			},
			Children: []compute.ChildBlame{
				{NodeRef: web1, QoS: f64(70), KO: i64(540), Blamed: i64(540), Share: 540},
				{NodeRef: web2, QoS: f64(80), KO: i64(360), Blamed: i64(360), Share: 360},
			},
			Leaves: []compute.LeafShare{
				{NodeRef: filer, QoS: f64(70), Seconds: 540, Share: 540, Checks: []compute.CheckBlame{check("Server Ping", 540, 540, point(from+900, 99), point(from+960, 120))}},
				{NodeRef: apache, QoS: f64(80), Seconds: 360, Share: 360, Checks: []compute.CheckBlame{check("Server Ping", 360, 360, point(from+1440, 45))}},
			},
			Unexplained: []compute.Unexplained{{Node: cust, Seconds: 300, Share: 300, Reason: "1 of 2 required websites were active"}},
			Paths: []compute.Path{
				{Share: 540, Steps: []compute.Step{{NodeRef: cust, Seconds: i64(1200), Share: 1200}, {NodeRef: web1, Seconds: i64(540), Share: 540}, {NodeRef: filer, Seconds: i64(540), Share: 540}}},
				{Share: 360, Steps: []compute.Step{{NodeRef: cust, Seconds: i64(1200), Share: 1200}, {NodeRef: web2, Seconds: i64(360), Share: 360}, {NodeRef: apache, Seconds: i64(360), Share: 360}}},
			},
		},
		Errors: []depc.RunError{{Label: "Filer", Name: "filer3", Error: "source Fake: timeout"}},
	}
}

func input() incident.Input {
	rc := customer()
	return incident.Input{
		Team:      depc.Team{Name: "shop", Timezone: "Europe/Paris"},
		RootCause: rc,
		Annotations: []depc.Annotation{
			{ID: 7, Label: "Website", From: rc.Window.From, To: rc.Window.From + 3600, Text: "maintenance of every website", Author: "alice", CreatedAt: rc.Window.To, UpdatedAt: rc.Window.To},
			{ID: 9, Label: "Filer", Name: "filer|1", From: rc.Window.From + 900, To: rc.Window.From + 1500,
				Text: "disk replaced, see [the ticket](https://example.com/T1)\n# not a heading\n<script>alert(1)</script>", Author: "bob",
				CreatedAt: rc.Window.To + 60, UpdatedBy: "alice", UpdatedAt: rc.Window.To + 120},
		},
		Link: "https://depc.example.com/t/shop/labels/Customer/nodes/customer-059/incident?from=2026-12-01T22:40:00Z&to=2026-12-01T23:25:00Z",
		Now:  1796200000,
	}
}

// TestReport: a report carries the explanation's parts, and its causal
// subgraph is the node, the nodes of the paths (leaves marked, with their
// shares) and the nodes KO on structure, joined by the paths' relations.
func TestReport(t *testing.T) {
	r, err := incident.New(input())
	if err != nil {
		t.Fatal(err)
	}
	if r.Team != "shop" || r.Timezone != "Europe/Paris" || r.Node.Name != "customer-059" || *r.KO != 1200 || r.Lost != 1200 ||
		len(r.Causes) != 2 || len(r.Paths) != 2 || len(r.Unexplained) != 1 || len(r.Annotations) != 2 || len(r.Errors) != 1 || len(r.Downtime) != 1 {
		t.Fatalf("report %+v", r)
	}
	got, _ := json.Marshal(r.Graph)
	want := `{"nodes":[` +
		`{"label":"Apache","name":"\u003capache*2\u003e","qos":80,"share":360,"unexplained":0,"leaf":true},` +
		`{"label":"Customer","name":"customer-059","qos":55.556,"share":1200,"unexplained":300,"leaf":false},` +
		`{"label":"Filer","name":"filer|1","qos":70,"share":540,"unexplained":0,"leaf":true},` +
		`{"label":"Website","name":"web2.com","qos":80,"share":360,"unexplained":0,"leaf":false},` +
		`{"label":"Website","name":"web_1.com","qos":70,"share":540,"unexplained":0,"leaf":false}],` +
		`"edges":[` +
		`{"from":{"label":"Customer","name":"customer-059"},"to":{"label":"Website","name":"web2.com"}},` +
		`{"from":{"label":"Customer","name":"customer-059"},"to":{"label":"Website","name":"web_1.com"}},` +
		`{"from":{"label":"Website","name":"web2.com"},"to":{"label":"Apache","name":"\u003capache*2\u003e"}},` +
		`{"from":{"label":"Website","name":"web_1.com"},"to":{"label":"Filer","name":"filer|1"}}]}`
	if string(got) != want {
		t.Errorf("graph\n got  %s\n want %s", got, want)
	}
	// Lists are never null in JSON.
	empty := input()
	x := *empty.RootCause.Explanation
	x.Leaves, x.Paths, x.Unexplained, x.Reasons, x.Children = nil, nil, nil, nil, nil
	empty.RootCause.Explanation, empty.RootCause.Errors, empty.Annotations = &x, nil, nil
	r, err = incident.New(empty)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	for _, field := range []string{"causes", "paths", "unexplained", "reasons", "children", "annotations", "errors"} {
		if !strings.Contains(string(b), `"`+field+`":[]`) {
			t.Errorf("%s is not [] in %s", field, b)
		}
	}
	// No explanation, no review.
	none := input()
	none.RootCause.Explanation = nil
	none.RootCause.Errors = []depc.RunError{{Label: "Customer", Name: "customer-059", Error: "no explanation: label Customer is not configured"}}
	if _, err := incident.New(none); depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), "not configured") {
		t.Errorf("without an explanation: %v", err)
	}
}

// TestMarkdown holds the Markdown of a report to testdata/customer.md
// (go test -update rewrites it): times in the team's zone, causes ranked
// with seconds and shares, the structural part, paths, KO stretches,
// evidence, notes (their Markdown kept, their HTML not) and errors, with
// every name escaped.
func TestMarkdown(t *testing.T) {
	r, err := incident.New(input())
	if err != nil {
		t.Fatal(err)
	}
	got := r.Markdown()
	const golden = "testdata/customer.md"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("Markdown differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
	for _, bad := range []string{"<script>", "\n# not a heading", "filer|1", " <apache", "web_1"} {
		if strings.Contains(got, bad) {
			t.Errorf("the Markdown holds %q unescaped", bad)
		}
	}
}
