package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// incidentJSON is the part of an incident answer these tests read.
type incidentJSON struct {
	Team     string `json:"team"`
	Timezone string `json:"timezone"`
	Node     struct{ Label, Name string }
	Window   struct{ From, To int64 }
	Link     string `json:"link"`
	KO       *int64 `json:"ko"`
	Downtime []struct{ From, To int64 }
	Lost     float64 `json:"lost"`
	Summary  string  `json:"summary"`
	Causes   []struct {
		Label, Name string
		Seconds     int64   `json:"seconds"`
		Share       float64 `json:"share"`
		Checks      []struct {
			Name     string         `json:"name"`
			Evidence []evidenceJSON `json:"evidence"`
		} `json:"checks"`
	} `json:"causes"`
	Paths []struct {
		Steps []struct{ Label, Name string } `json:"steps"`
	} `json:"paths"`
	Graph struct {
		Nodes []struct {
			Label, Name string
			Leaf        bool `json:"leaf"`
		} `json:"nodes"`
		Edges []struct{ From, To struct{ Label, Name string } } `json:"edges"`
	} `json:"graph"`
	Annotations []depc.Annotation `json:"annotations"`
}

// TestIncident: the incident review of foo.com over a window is its root
// cause over that window (the same summary and leaves), with the node's KO
// intervals, the causal subgraph, the notes of the subgraph and a
// permanent link; as Markdown it is a document with the same facts.
func TestIncident(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	const path = "/teams/acme/labels/Website/nodes/foo.com/incident"
	const window = "?from=2020-07-29T00:00:00Z&to=2020-07-30T00:00:00Z"
	var note depc.Annotation
	e.call("POST", "/teams/acme/annotations", map[string]any{"label": "Filer", "name": "filer1", "from": tutorialStart + 600, "to": tutorialStart + 1200,
		"text": "filer1 | disk <b>replaced</b>\n# not a heading"}, http.StatusCreated, &note)
	e.call("POST", "/teams/acme/annotations", map[string]any{"label": "Filer", "name": "filer2", "from": tutorialStart, "to": tutorialStart + 60, "text": "bar.com's"}, http.StatusCreated, nil)

	var inc incidentJSON
	e.call("GET", path+window, nil, http.StatusOK, &inc)
	var rc rootCauseJSON
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/rootcause"+window, nil, http.StatusOK, &rc)
	x := rc.Explanation
	if inc.Team != "acme" || inc.Timezone != "UTC" || inc.Node.Name != "foo.com" || inc.Window.From != tutorialStart || inc.Window.To != tutorialStart+86400 {
		t.Fatalf("incident %+v", inc)
	}
	if inc.Summary != x.Summary || inc.Lost != x.Lost || inc.KO == nil || *inc.KO != *x.KO {
		t.Errorf("incident summary %q lost %v, root cause %q %v", inc.Summary, inc.Lost, x.Summary, x.Lost)
	}
	if !strings.HasSuffix(inc.Link, "/t/acme/labels/Website/nodes/foo.com/incident?from=2020-07-29T00:00:00Z&to=2020-07-30T00:00:00Z") || !strings.HasPrefix(inc.Link, "http://127.0.0.1:") {
		t.Errorf("link %q", inc.Link)
	}
	var ko int64
	for _, d := range inc.Downtime {
		ko += d.To - d.From
	}
	if ko != *inc.KO || len(inc.Downtime) == 0 {
		t.Errorf("downtime %v adds up to %d s, KO is %d s", inc.Downtime, ko, *inc.KO)
	}
	if len(inc.Causes) != len(x.Leaves) || len(inc.Causes) == 0 {
		t.Fatalf("%d causes, root cause has %d leaves", len(inc.Causes), len(x.Leaves))
	}
	for i, c := range inc.Causes {
		if c.Name != x.Leaves[i].Name || c.Share != x.Leaves[i].Share {
			t.Errorf("cause %d: %s %v, leaf %s %v", i, c.Name, c.Share, x.Leaves[i].Name, x.Leaves[i].Share)
		}
	}
	if len(inc.Causes[0].Checks) == 0 || len(inc.Causes[0].Checks[0].Evidence) == 0 {
		t.Errorf("the top cause has no evidence: %+v", inc.Causes[0])
	}
	// The causal subgraph: foo.com and the leaves of its paths, joined by
	// the paths' relations.
	names := map[string]bool{}
	for _, n := range inc.Graph.Nodes {
		names[n.Name] = n.Leaf
	}
	if _, ok := names["foo.com"]; !ok || names["foo.com"] || len(inc.Graph.Edges) != len(inc.Paths) {
		t.Errorf("graph %+v, paths %+v", inc.Graph, inc.Paths)
	}
	for _, p := range inc.Paths {
		if leaf := p.Steps[len(p.Steps)-1].Name; !names[leaf] {
			t.Errorf("path to %s: not a leaf of the graph %v", leaf, names)
		}
	}
	if len(inc.Annotations) != 1 || inc.Annotations[0] != note {
		t.Errorf("annotations %+v, want foo.com's subgraph's only", inc.Annotations)
	}

	// The day form is the day's window.
	var day incidentJSON
	e.call("GET", path+"?day="+tutorialDay, nil, http.StatusOK, &day)
	if day.Summary != inc.Summary || day.Window != inc.Window {
		t.Errorf("day form: %q %+v, window form %q %+v", day.Summary, day.Window, inc.Summary, inc.Window)
	}

	// Markdown, for a postmortem.
	r := e.do(request{method: "GET", path: path + window + "&format=markdown"})
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/markdown; charset=utf-8" {
		t.Fatalf("markdown: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	md := string(r.Body)
	for _, want := range []string{
		"# Incident review: Website foo.com\n",
		"| Window | 2020-07-29 00:00:00 → 2020-07-30 00:00:00 (UTC), 1 d |",
		"## Summary\n\n" + inc.Summary + "\n",
		"| 1 | " + inc.Causes[0].Label + " " + inc.Causes[0].Name + " | ",
		"## Causal paths", "## Timeline", "## Evidence",
		"<" + inc.Link + ">",
		"- **2020-07-29 00:10:00 → 2020-07-29 00:20:00** · Filer filer1 · admin, ",
		"  > filer1 | disk &lt;b&gt;replaced&lt;/b&gt;\n  > # not a heading\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "bar.com's") {
		t.Error("the Markdown has a note of bar.com's subgraph")
	}

	// What is refused.
	e.wantError(request{method: "GET", path: path + window + "&format=pdf"}, http.StatusBadRequest, depc.EINVALID, "format")
	e.wantError(request{method: "GET", path: path + "?from=2020-07-01T00:00:00Z&to=2020-08-15T00:00:00Z"}, http.StatusBadRequest, depc.EINVALID, "31 days")
	e.wantError(request{method: "GET", path: path + "?from=2020-07-29T00:00:00Z"}, http.StatusBadRequest, depc.EINVALID, "to")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/nope.com/incident" + window}, http.StatusNotFound, depc.ENOTFOUND)
}

// TestIncidentAggregation: an Offer's incident names the websites that
// cost it QoS; it has no timeline.
func TestIncidentAggregation(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	var inc incidentJSON
	e.call("GET", "/teams/acme/labels/Offer/nodes/premium/incident?day="+tutorialDay, nil, http.StatusOK, &inc)
	if inc.KO != nil || inc.Downtime != nil || inc.Lost <= 0 || len(inc.Causes) == 0 {
		t.Errorf("offer: ko %v downtime %v lost %v causes %d", inc.KO, inc.Downtime, inc.Lost, len(inc.Causes))
	}
	r := e.do(request{method: "GET", path: "/teams/acme/labels/Offer/nodes/premium/incident?day=" + tutorialDay + "&format=markdown"})
	if !strings.Contains(string(r.Body), "Offer premium is an aggregation: it has a QoS, not a timeline.") {
		t.Errorf("offer markdown:\n%s", r.Body)
	}
}
