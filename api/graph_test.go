package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/depc-dev/depc"
)

type messagesResult struct {
	Accepted int `json:"accepted"`
	Rejected []struct {
		Index int    `json:"index"`
		Error string `json:"error"`
	} `json:"rejected"`
}

// TestMessagesForms: one message, an array and NDJSON go through the same
// decoder; invalid elements and lines are rejected by index while the
// others are applied, and kept for GET …/messages/rejected.
func TestMessagesForms(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)

	var one messagesResult
	e.call("POST", "/teams/acme/messages", `{"source": {"label": "Website", "name": "one.com"}}`, http.StatusOK, &one)
	if one.Accepted != 1 || len(one.Rejected) != 0 {
		t.Errorf("one message: %+v", one)
	}

	var arr messagesResult
	body := `[
		{"source": {"label": "Website", "name": "two.com"}, "target": {"label": "Filer", "name": "filer2"}},
		{"source": {"label": "website", "name": "bad.com"}},
		{"source_label": "Website", "source_name": "three.com", "target_label": "Filer", "target_name": "filer3", "rel_from": 100},
		{"source": {"label": "Website", "name": "x"}, "rel": {"from": 1}},
		"not an object"
	]`
	e.call("POST", "/teams/acme/messages", body, http.StatusOK, &arr)
	if arr.Accepted != 2 || len(arr.Rejected) != 3 {
		t.Fatalf("array: %+v, want 2 accepted, 3 rejected", arr)
	}
	for i, want := range []struct {
		index int
		field string
	}{{1, "label"}, {3, "rel"}, {4, ""}} {
		got := arr.Rejected[i]
		if got.Index != want.index || !strings.Contains(got.Error, want.field) {
			t.Errorf("rejected[%d] = %+v, want index %d naming %q", i, got, want.index, want.field)
		}
	}

	var nd messagesResult
	ndjson := "{\"source\": {\"label\": \"Website\", \"name\": \"four.com\"}}\n\n{\"source\": {\"label\": \"Website\", \"name\": \"bad name\"}}\n{\"source_label\": \"Filer\", \"source_name\": \"filer4\", \"source_from\": -1}\n"
	r := e.do(request{method: "POST", path: "/teams/acme/messages", body: ndjson, contentType: "application/x-ndjson"})
	mustJSON(t, r, http.StatusOK, &nd)
	if nd.Accepted != 1 || len(nd.Rejected) != 2 || nd.Rejected[0].Index != 1 || nd.Rejected[1].Index != 2 ||
		!strings.Contains(nd.Rejected[0].Error, "name") || !strings.Contains(nd.Rejected[1].Error, "from") {
		t.Errorf("NDJSON: %+v, want lines 1 (name) and 2 (from) rejected", nd)
	}

	// The accepted messages are in the graph.
	for _, k := range []string{"Website/one.com", "Website/two.com", "Filer/filer3", "Website/four.com"} {
		label, name, _ := strings.Cut(k, "/")
		e.call("GET", "/teams/acme/labels/"+label+"/nodes/"+name, nil, http.StatusOK, nil)
	}
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/bad.com"}, http.StatusNotFound, depc.ENOTFOUND)

	// Rejections are kept, newest first, with their reason and text.
	var rejected []depc.Rejection
	e.call("GET", "/teams/acme/messages/rejected", nil, http.StatusOK, &rejected)
	if len(rejected) != 5 {
		t.Fatalf("rejected: %d, want 5: %+v", len(rejected), rejected)
	}
	if rejected[0].Source != "http" || !strings.Contains(rejected[0].Message, "filer4") || !strings.Contains(rejected[0].Error, "from") {
		t.Errorf("newest rejection: %+v, want the last NDJSON line", rejected[0])
	}
	if !strings.Contains(rejected[4].Message, "bad.com") {
		t.Errorf("oldest rejection: %+v, want the message of bad.com", rejected[4])
	}
	e.call("GET", "/teams/acme/messages/rejected?limit=2", nil, http.StatusOK, &rejected)
	if len(rejected) != 2 {
		t.Errorf("limit=2: %d rejections", len(rejected))
	}

	// Bodies that are not JSON at all are refused whole.
	for _, bad := range []string{"", "not json", "42", `"a string"`, "[1, 2", `{"source": `} {
		e.wantError(request{method: "POST", path: "/teams/acme/messages", body: bad}, http.StatusBadRequest, depc.EINVALID, "body")
	}
}

// TestRejectedExcerpt: a long rejected message is kept as the consumer
// keeps it, cut at a character to at most depc.MaxRejectedMessage bytes of
// valid UTF-8.
func TestRejectedExcerpt(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	// An odd number of bytes before the two-byte characters: a cut at a
	// byte count would split one.
	msg := `{"source_label": "a", "source_name":  "` + strings.Repeat("é", depc.MaxRejectedMessage) + `"}`
	var res messagesResult
	e.call("POST", "/teams/acme/messages", msg, http.StatusOK, &res)
	if res.Accepted != 0 || len(res.Rejected) != 1 {
		t.Fatalf("answer %+v, want one rejection", res)
	}
	var rejected []depc.Rejection
	e.call("GET", "/teams/acme/messages/rejected", nil, http.StatusOK, &rejected)
	if len(rejected) != 1 {
		t.Fatalf("rejected: %+v", rejected)
	}
	got := rejected[0].Message
	if len(got) > depc.MaxRejectedMessage || len(got) < depc.MaxRejectedMessage-1 || !utf8.ValidString(got) || !strings.HasPrefix(msg, got) {
		t.Errorf("kept %d bytes (valid UTF-8 %v), want a prefix cut at a character", len(got), utf8.ValidString(got))
	}
}

// TestNodeNamesInPaths: names holding characters that mean something in a
// URL reach the store unchanged when sent URL-encoded.
func TestNodeNamesInPaths(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	names := []string{"filer/1", "a#b", "100%", "x&y=z", "q?r", "p+s", "%2F", "..", "a/../b", "#F$o%ob&/a-r.", "a|b~{}"}
	var msgs []map[string]any
	for _, n := range names {
		msgs = append(msgs, map[string]any{
			"source": map[string]any{"label": "Website", "name": "site"},
			"target": map[string]any{"label": "Filer", "name": n},
		})
	}
	var mr messagesResult
	e.call("POST", "/teams/acme/messages", msgs, http.StatusOK, &mr)
	if mr.Accepted != len(names) {
		t.Fatalf("messages: %+v", mr)
	}
	for _, n := range names {
		var node struct {
			Label, Name string
			Periods     []map[string]*int64
		}
		e.call("GET", "/teams/acme/labels/Filer/nodes/"+url.PathEscape(n), nil, http.StatusOK, &node)
		if node.Name != n || node.Label != "Filer" {
			t.Errorf("GET %q: got %+v", n, node)
		}
		if len(node.Periods) != 1 || node.Periods[0]["from"] != nil || node.Periods[0]["to"] != nil {
			t.Errorf("%q: periods %v, want [{from: null, to: null}]", n, node.Periods)
		}
		var deps struct {
			Dependents []struct{ Label, Name string } `json:"dependents"`
		}
		e.call("GET", "/teams/acme/labels/Filer/nodes/"+url.PathEscape(n)+"/dependents", nil, http.StatusOK, &deps)
		if len(deps.Dependents) != 1 || deps.Dependents[0].Name != "site" {
			t.Errorf("dependents of %q: %+v", n, deps.Dependents)
		}
	}
	// Every name comes back in the listing, in byte order.
	var page struct {
		Nodes []struct{ Name string } `json:"nodes"`
	}
	e.call("GET", "/teams/acme/labels/Filer/nodes?limit=1000", nil, http.StatusOK, &page)
	if len(page.Nodes) != len(names) {
		t.Errorf("listing: %d names, want %d", len(page.Nodes), len(names))
	}
	// Names that cannot exist are invalid, not a 500.
	for _, bad := range []string{"foo%20bar", "%27quote", "%E2%82%AC"} {
		e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/nodes/" + bad}, http.StatusBadRequest, depc.EINVALID, "name")
	}
	e.wantError(request{method: "GET", path: "/teams/acme/labels/filer/nodes/x"}, http.StatusBadRequest, depc.EINVALID, "label")
}

// TestNodesPaging pages through a label with limit, after and q.
func TestNodesPaging(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	var msgs []map[string]any
	for i := range 7 {
		msgs = append(msgs, map[string]any{"source": map[string]any{"label": "Website", "name": fmt.Sprintf("site%d.com", i)}})
	}
	msgs = append(msgs, map[string]any{"source": map[string]any{"label": "Website", "name": "other.org"}})
	e.call("POST", "/teams/acme/messages", msgs, http.StatusOK, nil)

	type page struct {
		Nodes []struct{ Name string } `json:"nodes"`
		Next  *string                 `json:"next"`
	}
	var all []string
	after := ""
	for range 10 {
		var p page
		e.call("GET", "/teams/acme/labels/Website/nodes?q=site&limit=3&after="+url.QueryEscape(after), nil, http.StatusOK, &p)
		for _, n := range p.Nodes {
			all = append(all, n.Name)
		}
		if p.Next == nil {
			break
		}
		after = *p.Next
	}
	want := "site0.com site1.com site2.com site3.com site4.com site5.com site6.com"
	if strings.Join(all, " ") != want {
		t.Errorf("pages: %v, want %s", all, want)
	}
	var p page
	e.call("GET", "/teams/acme/labels/Website/nodes", nil, http.StatusOK, &p)
	if len(p.Nodes) != 8 || p.Next != nil {
		t.Errorf("default page: %d nodes, next %v", len(p.Nodes), p.Next)
	}
	e.call("GET", "/teams/acme/labels/Nothing/nodes", nil, http.StatusOK, &p)
	if len(p.Nodes) != 0 || p.Next != nil {
		t.Errorf("a label without nodes: %+v", p)
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x"} {
		e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes?" + q}, http.StatusBadRequest, depc.EINVALID, "limit")
	}
}

type neighbour struct {
	Label    string `json:"label"`
	Name     string `json:"name"`
	Periods  []map[string]*int64
	Relation struct {
		Periods []map[string]*int64 `json:"periods"`
	} `json:"relation"`
	Active bool `json:"active"`
}

// TestDependencies: which dependencies are active at an instant or during
// a day, the inactive ones with inactive=true, and impacted ancestors.
func TestDependencies(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	const day = 1595980800 // 2020-07-29 00:00 UTC
	msgs := []map[string]any{
		// filer1 serves foo.com all along; filer2 only on the 29th
		// until noon; apache1 from the 30th.
		{"source": map[string]any{"label": "Website", "name": "foo.com"}, "target": map[string]any{"label": "Filer", "name": "filer1"}, "rel": map[string]any{"from": 0}},
		{"source": map[string]any{"label": "Website", "name": "foo.com"}, "target": map[string]any{"label": "Filer", "name": "filer2"}, "rel": map[string]any{"from": day, "to": day + 43200}},
		{"source": map[string]any{"label": "Website", "name": "foo.com"}, "target": map[string]any{"label": "Apache", "name": "apache1"}, "rel": map[string]any{"from": day + 86400}},
		{"source": map[string]any{"label": "Offer", "name": "premium"}, "target": map[string]any{"label": "Website", "name": "foo.com"}, "rel": map[string]any{"from": 0}},
		{"source": map[string]any{"label": "Offer", "name": "basic"}, "target": map[string]any{"label": "Website", "name": "foo.com"}, "rel": map[string]any{"from": day + 86400}},
	}
	e.call("POST", "/teams/acme/messages", msgs, http.StatusOK, nil)

	deps := func(query string) (names []string, inactive []string) {
		t.Helper()
		var out struct {
			Node struct {
				Label, Name string
			} `json:"node"`
			Dependencies []neighbour `json:"dependencies"`
		}
		e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/dependencies"+query, nil, http.StatusOK, &out)
		if out.Node.Name != "foo.com" || out.Node.Label != "Website" {
			t.Errorf("%s: node %+v", query, out.Node)
		}
		for _, d := range out.Dependencies {
			if d.Active {
				names = append(names, d.Label+"/"+d.Name)
			} else {
				inactive = append(inactive, d.Label+"/"+d.Name)
			}
		}
		return names, inactive
	}
	cases := []struct {
		query, active, inactive string
	}{
		{fmt.Sprintf("?at=%d", day+3600), "Filer/filer1 Filer/filer2", ""},
		{fmt.Sprintf("?at=%d&inactive=true", day+3600), "Filer/filer1 Filer/filer2", "Apache/apache1"},
		{fmt.Sprintf("?at=%d&inactive=true", day+50000), "Filer/filer1", "Apache/apache1 Filer/filer2"},
		{"?day=2020-07-29", "Filer/filer1 Filer/filer2", ""},
		{"?day=2020-07-30&inactive=true", "Apache/apache1 Filer/filer1", "Filer/filer2"},
		{"?inactive=true", "Apache/apache1 Filer/filer1", "Filer/filer2"}, // now
	}
	for _, c := range cases {
		active, inactive := deps(c.query)
		if strings.Join(active, " ") != c.active || strings.Join(inactive, " ") != c.inactive {
			t.Errorf("%s: active %v inactive %v, want %q and %q", c.query, active, inactive, c.active, c.inactive)
		}
	}
	// The relation's periods are shown with it.
	var out struct {
		Dependencies []neighbour `json:"dependencies"`
	}
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/dependencies?inactive=true", nil, http.StatusOK, &out)
	for _, d := range out.Dependencies {
		if d.Name == "filer2" {
			ps := d.Relation.Periods
			if len(ps) != 1 || ps[0]["from"] == nil || *ps[0]["from"] != day || ps[0]["to"] == nil || *ps[0]["to"] != day+43200 {
				t.Errorf("filer2's relation periods: %v", ps)
			}
		}
	}

	// Impacted: the offers that reach filer1 through active relations.
	impacted := func(query string) (names []string, next *string) {
		t.Helper()
		var out struct {
			Nodes []struct{ Label, Name string } `json:"nodes"`
			Next  *string                        `json:"next"`
		}
		e.call("GET", "/teams/acme/labels/Filer/nodes/filer1/impacted"+query, nil, http.StatusOK, &out)
		for _, n := range out.Nodes {
			names = append(names, n.Label+"/"+n.Name)
		}
		return names, out.Next
	}
	if got, _ := impacted(fmt.Sprintf("?label=Offer&at=%d", day)); strings.Join(got, " ") != "Offer/premium" {
		t.Errorf("impacted on the 29th: %v", got)
	}
	got, next := impacted("?label=Offer&limit=1")
	if strings.Join(got, " ") != "Offer/basic" || next == nil {
		t.Fatalf("impacted now, first page: %v next %v", got, next)
	}
	got, next = impacted("?label=Offer&limit=1&after=" + url.QueryEscape(*next))
	if strings.Join(got, " ") != "Offer/premium" || next != nil {
		t.Errorf("impacted now, second page: %v next %v", got, next)
	}

	// Errors.
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/nodes/filer1/impacted"}, http.StatusBadRequest, depc.EINVALID, "label")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/nodes/filer1/impacted?label=offer"}, http.StatusBadRequest, depc.EINVALID, "label")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/nodes/nope/impacted?label=Offer"}, http.StatusNotFound, depc.ENOTFOUND)
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/nope/dependencies"}, http.StatusNotFound, depc.ENOTFOUND)
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/foo.com/dependencies?day=2020-7-29"}, http.StatusBadRequest, depc.EINVALID, "day")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/foo.com/dependencies?at=-5"}, http.StatusBadRequest, depc.EINVALID, "at")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/foo.com/dependencies?at=1&day=2020-07-29"}, http.StatusBadRequest, depc.EINVALID, "day and at")
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Website/nodes/foo.com/dependencies?inactive=maybe"}, http.StatusBadRequest, depc.EINVALID, "inactive")
}

// TestLabelsAndDelete: labels come from the graph and the config; a
// deleted node is gone with its relations.
func TestLabelsAndDelete(t *testing.T) {
	e := newEnv(t)
	e.tutorial()
	var labels []struct {
		Name  string  `json:"name"`
		Nodes int     `json:"nodes"`
		QoS   *string `json:"qos"`
	}
	e.call("GET", "/teams/acme/labels", nil, http.StatusOK, &labels)
	got, _ := json.Marshal(labels)
	want := `[{"name":"Apache","nodes":2,"qos":"rule.Servers"},{"name":"Filer","nodes":2,"qos":"rule.Servers"},` +
		`{"name":"Offer","nodes":1,"qos":"aggregation.AVERAGE[Website]"},{"name":"Website","nodes":2,"qos":"operation.AND[Filer, Apache]"}]`
	if string(got) != want {
		t.Errorf("labels:\n got %s\nwant %s", got, want)
	}
	e.call("POST", "/teams/acme/messages", `{"source": {"label": "Customer", "name": "c1"}}`, http.StatusOK, nil)
	e.call("GET", "/teams/acme/labels", nil, http.StatusOK, &labels)
	if len(labels) != 5 || labels[1].Name != "Customer" || labels[1].QoS != nil || labels[1].Nodes != 1 {
		t.Errorf("labels with an unconfigured one: %+v", labels)
	}

	e.call("DELETE", "/teams/acme/labels/Filer/nodes/filer1", nil, http.StatusNoContent, nil)
	e.wantError(request{method: "GET", path: "/teams/acme/labels/Filer/nodes/filer1"}, http.StatusNotFound, depc.ENOTFOUND, "filer1")
	e.wantError(request{method: "DELETE", path: "/teams/acme/labels/Filer/nodes/filer1"}, http.StatusNotFound, depc.ENOTFOUND)
	var deps struct {
		Dependencies []neighbour `json:"dependencies"`
	}
	e.call("GET", "/teams/acme/labels/Website/nodes/foo.com/dependencies?inactive=true", nil, http.StatusOK, &deps)
	if len(deps.Dependencies) != 1 || deps.Dependencies[0].Name != "apache1" {
		t.Errorf("foo.com after filer1 is deleted: %+v", deps.Dependencies)
	}
}
