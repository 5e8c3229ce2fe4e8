package api_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/depc-dev/depc/api"
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

// TestOpenAPIServed: the server serves the same document, without a token.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "GET", path: "/openapi.json", token: tok("")})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	want, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Body) != string(want) {
		t.Error("GET /openapi.json does not serve api/openapi.json")
	}
}
