package api_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
	"github.com/depc-dev/depc/source/plugins"
)

// openAPIDoc is the part of an OpenAPI 3 document the tests look at.
type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title   string `json:"title"`
		Version string `json:"version"`
	} `json:"info"`
	Servers  []struct{ URL string } `json:"servers"`
	Security []map[string][]string  `json:"security"`
	Paths    map[string]map[string]openAPIOperation
	Comps    struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
		Parameters map[string]openAPIParameter `json:"parameters"`
		Responses  map[string]json.RawMessage  `json:"responses"`
		Schemas    map[string]json.RawMessage  `json:"schemas"`
	} `json:"components"`
}

type openAPIOperation struct {
	OperationID string                     `json:"operationId"`
	Description string                     `json:"description"`
	Role        string                     `json:"x-depc-role"`
	Parameters  []openAPIParameter         `json:"parameters"`
	RequestBody json.RawMessage            `json:"requestBody"`
	Responses   map[string]json.RawMessage `json:"responses"`
	Security    *[]map[string][]string     `json:"security"`
}

type openAPIParameter struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

func readOpenAPI(t *testing.T) (openAPIDoc, []byte) {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc, raw
}

var echoParam = regexp.MustCompile(`:(\w+)`)

// openAPIPath turns an echo path (/teams/:team) into OpenAPI's (/teams/{team}).
func openAPIPath(p string) string { return echoParam.ReplaceAllString(p, "{$1}") }

// TestOpenAPIMatchesRoutes holds openapi.json and apiRoutes together: every
// route is documented with the role it needs, and every documented
// operation is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, _ := readOpenAPI(t)
	routes := map[string]api.RouteInfo{}
	for _, r := range api.Routes() {
		key := strings.ToLower(r.Method) + " " + openAPIPath(r.Path)
		if _, dup := routes[key]; dup {
			t.Errorf("apiRoutes declares %s twice", key)
		}
		routes[key] = r
		op, ok := doc.Paths[openAPIPath(r.Path)][strings.ToLower(r.Method)]
		if !ok {
			t.Errorf("route %s %s is missing from openapi.json", r.Method, openAPIPath(r.Path))
			continue
		}
		if op.Role != r.Access {
			t.Errorf("%s: x-depc-role %q, but the route needs %q", key, op.Role, r.Access)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if _, ok := routes[method+" "+path]; !ok {
				t.Errorf("openapi.json documents %s %s, which is not a route", strings.ToUpper(method), path)
			}
		}
	}
}

// TestOpenAPIDocument checks the document's structure: OpenAPI 3.0, the
// bearer scheme, the error body, and for every operation its role, its
// path parameters and the error answers it can give.
func TestOpenAPIDocument(t *testing.T) {
	doc, raw := readOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		t.Errorf("openapi: %q, want 3.0.x", doc.OpenAPI)
	}
	if doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("info: title and version are required: %+v", doc.Info)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != api.Base {
		t.Errorf("servers: %+v, want one at %s", doc.Servers, api.Base)
	}
	if b := doc.Comps.SecuritySchemes["bearer"]; b.Type != "http" || b.Scheme != "bearer" {
		t.Errorf("components.securitySchemes.bearer: %+v, want http bearer", b)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("security: %+v, want the bearer scheme by default", doc.Security)
	}
	var errSchema struct {
		Required   []string `json:"required"`
		Properties struct {
			Error struct {
				Required   []string `json:"required"`
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"error"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(doc.Comps.Schemas["Error"], &errSchema); err != nil {
		t.Fatalf("components.schemas.Error: %v", err)
	}
	codes := errSchema.Properties.Error.Properties["code"].Enum
	for _, c := range []string{"invalid", "unauthorized", "forbidden", "not_found", "conflict", "too_large", "internal"} {
		if !slices.Contains(codes, c) {
			t.Errorf("components.schemas.Error: code %q is not listed", c)
		}
	}

	// Every $ref points at something the document defines.
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/(\w+)/([\w.-]+)"`).FindAllStringSubmatch(string(raw), -1)
	if len(refs) == 0 {
		t.Fatal("openapi.json has no $ref at all")
	}
	for _, m := range refs {
		var ok bool
		switch m[1] {
		case "schemas":
			_, ok = doc.Comps.Schemas[m[2]]
		case "parameters":
			_, ok = doc.Comps.Parameters[m[2]]
		case "responses":
			_, ok = doc.Comps.Responses[m[2]]
		}
		if !ok {
			t.Errorf("$ref #/components/%s/%s is not defined", m[1], m[2])
		}
	}

	for _, r := range api.Routes() {
		path := openAPIPath(r.Path)
		op, ok := doc.Paths[path][strings.ToLower(r.Method)]
		if !ok {
			continue // TestOpenAPIMatchesRoutes says so
		}
		name := r.Method + " " + path
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", name)
		}
		if !strings.Contains(op.Description, "Role: ") {
			t.Errorf("%s: the description does not state the role", name)
		}
		// Path parameters: each {x} of the path is declared, in path,
		// required.
		declared := map[string]bool{}
		for _, p := range op.Parameters {
			if p.Ref != "" {
				p = doc.Comps.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
			}
			if p.In == "path" {
				if !p.Required {
					t.Errorf("%s: path parameter %s is not required", name, p.Name)
				}
				declared[p.Name] = true
			}
		}
		for _, m := range echoParam.FindAllStringSubmatch(r.Path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter %s is not declared", name, m[1])
			}
		}
		// The answers: one success, and the errors the route can give.
		success := 0
		for status := range op.Responses {
			if status[0] == '2' {
				success++
			}
		}
		if success == 0 {
			t.Errorf("%s: no success answer", name)
		}
		want := []string{"500"}
		if r.Access != "public" {
			want = append(want, "401")
			if r.Access != "any user" {
				want = append(want, "403")
			}
		} else if op.Security == nil || len(*op.Security) != 0 {
			t.Errorf("%s: a public route must say security: []", name)
		}
		if strings.Contains(r.Path, ":team") && r.Access != "admin" {
			want = append(want, "404")
		}
		if op.RequestBody != nil {
			want = append(want, "400", "413")
		}
		if r.Method == http.MethodPost && r.Path != "/openapi.json" && op.RequestBody == nil && !strings.HasSuffix(r.Path, "/restore") {
			t.Errorf("%s: a POST without a documented body", name)
		}
		for _, s := range want {
			if _, ok := op.Responses[s]; !ok {
				t.Errorf("%s: the error answer %s is not listed", name, s)
			}
		}
		for status, resp := range op.Responses {
			if status[0] == '4' || status[0] == '5' {
				if !strings.Contains(string(resp), "#/components/responses/") {
					t.Errorf("%s: error answer %s does not use a shared error response", name, status)
				}
			}
		}
	}
}

// TestOpenAPIServed: the server serves the same document, without a token,
// with the enum of Source.plugin filled from its plugin list (the file
// names no plugin, so it cannot drift from the list).
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "GET", path: "/openapi.json", token: tok("")})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	file, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	const marker = `"x-depc-enum": "source plugins"`
	if n := strings.Count(string(file), marker); n != 1 {
		t.Fatalf("openapi.json holds %s %d times, want once (in Source.plugin)", marker, n)
	}
	names, _ := json.Marshal(plugins.All().Names())
	want := strings.Replace(string(file), marker, `"enum": `+string(names), 1)
	if string(r.Body) != want {
		t.Error("GET /openapi.json does not serve api/openapi.json with the plugins' enum")
	}
	var doc struct {
		Components struct {
			Schemas struct {
				Source struct {
					Properties struct {
						Plugin struct {
							Enum []string `json:"enum"`
						} `json:"plugin"`
					} `json:"properties"`
				} `json:"Source"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("the served document is not JSON: %v", err)
	}
	if got := doc.Components.Schemas.Source.Properties.Plugin.Enum; !slices.Equal(got, plugins.All().Names()) {
		t.Errorf("Source.plugin enum %v, want the plugin list %v", got, plugins.All().Names())
	}
}

// TestOpenAPIResponses holds the documented answers to the real ones: for
// GET routes of the tutorial, every property the 200 schema requires is in
// the answer, at every depth, and no answer has a property the schema does
// not know (where the schema lists its properties).
func TestOpenAPIResponses(t *testing.T) {
	var doc map[string]any
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var resolve func(s map[string]any) map[string]any
	resolve = func(s map[string]any) map[string]any {
		for s["$ref"] != nil {
			s = schemas[strings.TrimPrefix(s["$ref"].(string), "#/components/schemas/")].(map[string]any)
		}
		// A nullable reference is written allOf: [$ref] with nullable.
		if all, ok := s["allOf"].([]any); ok && len(all) == 1 {
			inner := maps.Clone(resolve(all[0].(map[string]any)))
			inner["nullable"] = s["nullable"]
			return inner
		}
		return s
	}
	var check func(where string, s map[string]any, v any)
	check = func(where string, s map[string]any, v any) {
		s = resolve(s)
		if v == nil {
			if s["nullable"] != true && s["type"] != nil {
				t.Errorf("%s: null, but the schema is not nullable", where)
			}
			return
		}
		if alts, ok := s["oneOf"].([]any); ok {
			_ = alts // messages only; answers never use oneOf
			return
		}
		switch x := v.(type) {
		case map[string]any:
			props, _ := s["properties"].(map[string]any)
			for _, r := range asStrings(s["required"]) {
				if _, ok := x[r]; !ok {
					t.Errorf("%s: the answer has no %q, which the schema requires", where, r)
				}
			}
			for k, val := range x {
				if p, ok := props[k].(map[string]any); ok {
					check(where+"."+k, p, val)
				} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
					check(where+"."+k, ap, val)
				} else if props != nil && s["additionalProperties"] != true {
					t.Errorf("%s: the answer has %q, which the schema does not list", where, k)
				}
			}
		case []any:
			items, _ := s["items"].(map[string]any)
			if s["type"] != "array" || items == nil {
				t.Errorf("%s: an array, but the schema says %v", where, s["type"])
				return
			}
			for i, it := range x {
				check(fmt.Sprintf("%s[%d]", where, i), items, it)
			}
		}
	}

	e := newEnv(t)
	e.tutorial()
	e.call("POST", "/teams/acme/messages", `[{"source": {"label": "Nope", "name": "x"}, "rel": {"from": 1}}]`, http.StatusOK, nil)
	e.user("vic", "acme", "viewer")
	// Objectives, read the day after the tutorial's, so that budgets have
	// a day.
	e.setNow(time.Unix(tutorialStart+86400+3600, 0))
	e.call("PUT", "/teams/acme/labels/Website/objective", map[string]any{"target": 99, "window": "rolling_7d"}, http.StatusOK, nil)
	e.call("PUT", "/teams/acme/labels/Website/nodes/foo.com/objective", map[string]any{"target": 99.9, "window": "calendar_month"}, http.StatusOK, nil)
	e.call("POST", "/teams/acme/maintenance", map[string]any{"label": "Filer", "from": tutorialStart + 86400, "to": tutorialStart + 86400 + 60, "reason": "r"}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/annotations", map[string]any{"label": "Filer", "name": "filer1", "from": tutorialStart, "to": tutorialStart + 60, "text": "a note"}, http.StatusCreated, nil)
	e.call("PUT", "/teams/acme/alerts/receivers/am", map[string]any{"type": "alertmanager", "url": "http://127.0.0.1:9093"}, http.StatusOK, nil)
	e.call("PUT", "/teams/acme/alerts/receivers/hook", map[string]any{"type": "webhook", "url": "https://hooks.example.com/", "secret": "webhook-secret-0123456789"}, http.StatusOK, nil)
	if _, err := e.state.ChangeAlert(e.ctx, "acme", depc.Alert{ID: "x", Seq: 1, Firing: true, StartsAt: tutorialStart,
		Labels: map[string]string{"alertname": "DepcDayUnderTarget"}, Annotations: map[string]string{"summary": "s"}}, []string{"am", "hook"}); err != nil {
		t.Fatal(err)
	}
	day := "?start=" + tutorialDay + "&end=" + tutorialDay
	paths := map[string]string{
		"/users": "", "/audit": "", "/teams/{team}/audit": "", "/users/{user}": "", "/users/{user}/tokens": "", "/me": "", "/plugins": "", "/teams": "", "/teams/{team}": "", "/teams/{team}/grants": "", "/teams/{team}/limits": "",
		"/teams/{team}/messages/rejected": "", "/teams/{team}/labels": "", "/teams/{team}/labels/{label}/nodes": "",
		"/teams/{team}/labels/{label}/nodes/{name}":              "",
		"/teams/{team}/labels/{label}/nodes/{name}/dependencies": "?inactive=true",
		"/teams/{team}/labels/{label}/nodes/{name}/dependents":   "?inactive=true",
		"/teams/{team}/labels/{label}/nodes/{name}/impacted":     "?label=Offer",
		"/teams/{team}/sources":                                  "", "/teams/{team}/sources/{source}": "", "/teams/{team}/checks": "",
		"/teams/{team}/checks/{check}": "", "/teams/{team}/rules": "", "/teams/{team}/rules/{rule}": "",
		"/teams/{team}/config": "", "/teams/{team}/configs": "", "/teams/{team}/runs": "", "/teams/{team}/runs/{id}": "",
		"/teams/{team}/qos": day, "/teams/{team}/labels/{label}/qos": day,
		"/teams/{team}/labels/{label}/worst":                  "?day=" + tutorialDay,
		"/teams/{team}/labels/{label}/nodes/{name}/qos":       day,
		"/teams/{team}/labels/{label}/nodes/{name}/qos/live":  "",
		"/teams/{team}/labels/{label}/nodes/{name}/rootcause": "?day=" + tutorialDay,
		"/teams/{team}/objectives":                            "",
		"/teams/{team}/labels/{label}/objective":              "",
		"/teams/{team}/labels/{label}/nodes/{name}/objective": "",
		"/teams/{team}/budgets":                               "?live=true",
		"/teams/{team}/report":                                "?month=2020-07",
		"/teams/{team}/labels/{label}/budget":                 "",
		"/teams/{team}/labels/{label}/nodes/{name}/budget":    "",
		"/teams/{team}/maintenance":                           "",
		"/teams/{team}/maintenance/{id}":                      "",
		"/teams/{team}/labels/{label}/nodes/{name}/incident":  "?day=" + tutorialDay,
		"/teams/{team}/annotations":                           "?label=Filer&name=filer1",
		"/teams/{team}/annotations/{id}":                      "",
		"/teams/{team}/alerts":                                "",
		"/teams/{team}/alerts/deliveries":                     "",
		"/teams/{team}/alerts/receivers":                      "",
		"/teams/{team}/alerts/receivers/{receiver}":           "",
	}
	params := strings.NewReplacer("{team}", "acme", "{label}", "Website", "{name}", "foo.com", "{source}", "Fake",
		"{check}", "Server%20Ping", "{rule}", "Servers", "{id}", "1", "{user}", "vic", "{receiver}", "hook")
	for p, q := range paths {
		op := doc["paths"].(map[string]any)[p].(map[string]any)["get"].(map[string]any)
		s := op["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		r := e.do(request{method: "GET", path: params.Replace(p) + q})
		if r.Status != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, r.Status, r.Body)
			continue
		}
		var v any
		if err := json.Unmarshal(r.Body, &v); err != nil {
			t.Fatal(err)
		}
		if arr, ok := v.([]any); ok && len(arr) == 0 {
			t.Errorf("GET %s: an empty list proves nothing; the fixture should give one", p)
		}
		check("GET "+p, s, v)
	}
	// Answers of writes: a created user, a run, a rule execution.
	post := func(p string, body any, status int) {
		t.Helper()
		op := doc["paths"].(map[string]any)[p].(map[string]any)["post"].(map[string]any)
		s := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
		r := e.do(request{method: "POST", path: params.Replace(p) + map[bool]string{true: "?wait=true"}[status == 200 && strings.HasSuffix(p, "/runs")], body: body})
		if r.Status != status {
			t.Fatalf("POST %s: %d %s", p, r.Status, r.Body)
		}
		var v any
		_ = json.Unmarshal(r.Body, &v)
		check("POST "+p, s, v)
	}
	post("/users", map[string]any{"name": "olga"}, 201)
	post("/teams/{team}/runs", map[string]any{"day": "2020-07-28"}, 200)
	post("/teams/{team}/rules/{rule}/execute", map[string]any{"name": "filer1", "start": tutorialStart, "end": tutorialStart + 3600}, 200)
	post("/teams/{team}/messages", `[{"source": {"label": "A", "name": "a"}}, {}]`, 200)
	post("/teams/{team}/annotations", map[string]any{"label": "Website", "from": tutorialStart, "to": tutorialStart + 60, "text": "every website"}, 201)
}

func asStrings(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, x.(string))
	}
	return out
}
