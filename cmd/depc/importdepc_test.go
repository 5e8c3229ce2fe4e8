package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

const depcExportDir = "testdata/depc-export"

// TestImportDepcDryRun: --dry-run prints what would be created and what
// cannot be, and why, without a server; secrets are masked.
func TestImportDepcDryRun(t *testing.T) {
	out, err := runDepc(t, "import", "depc", "--from", depcExportDir, "--dry-run", "--team", "acme")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		`the plan for DepC team "My team" (dry run: nothing is changed)`,
		"team acme (time zone UTC)",
		`variable depc.team.dc = "gra"`,
		`source "tsdb": plugin OpenTSDB, configuration {"url": "http://127.0.0.1:4242", "basic_auth": {"username": "depc", "password": "********"}}`,
		`source "warp": plugin WarpScript, configuration {"url": "http://127.0.0.1:8080", "token": "********"}`,
		`check "Server Ping" on source "My source": Threshold 20, query "depc.tutorial.ping"`,
		`\"host\":\"$name\"`,
		`query "[ $token 'http.status' { 'host' $name 'dc' '{{ depc.team.dc }}' } $start $end ] FETCH"`,
		`variable depc.check.metric = "df.bytes.percentused"`,
		`rule "Storage": checks ["Load" "Disk usage" "HTTP status"]`,
		"config: 5 labels (Apache, Disk, Filer, Offer, Website)",
		`not imported: variable team "on call": depc's variable names are identifiers`,
		`not imported: check "FQDN load": parameters.query: "{{ depc.name }}.example.com" holds the node's name within other text`,
		`not imported: check "Since start": parameters.query: `,
		`not imported: source "graphite" (Graphite): plugin: depc has no "Graphite" plugin`,
		`not imported: check "Carbon": its source "graphite" is not imported`,
		`not imported: description of rule "Servers": depc's rules have no description`,
		"not imported: the dependency graph: DepC's API does not export it",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"s3cret", "READTOKEN"} {
		if strings.Contains(out, secret) {
			t.Errorf("the plan shows the secret %q", secret)
		}
	}
}

// TestImportDepc: a real import creates the team through depc's API, and
// the imported team computes a day (the tutorial's graph, sent as
// messages: DepC's API does not export the graph) with the QoS of the
// tutorial.
func TestImportDepc(t *testing.T) {
	s := startServe(t, "--addr", "127.0.0.1:0", "--data", t.TempDir())
	out, err := runDepc(t, "import", "depc", "--from", depcExportDir, "--to", s.url, "--token", s.token, "--team", "acme")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, `import depc: DepC team "My team" into depc team "acme": `) || !strings.Contains(out, `not imported: check "Carbon"`) {
		t.Errorf("report:\n%s", out)
	}
	var checks []depc.Check
	s.must("GET", "/teams/acme/checks", nil, http.StatusOK, &checks)
	got := map[string]depc.Check{}
	for _, c := range checks {
		got[c.Name] = c
	}
	if len(checks) != 5 || got["HTTP status"].Parameters.Query != "[ $token 'http.status' { 'host' $name 'dc' '{{ depc.team.dc }}' } $start $end ] FETCH" ||
		!strings.Contains(got["Disk usage"].Parameters.Query, `"metric":"{{ depc.check.metric }}"`) || got["Server Ping"].Parameters.Threshold != "20" {
		t.Errorf("checks: %+v", checks)
	}
	var vars map[string]any
	s.must("GET", "/teams/acme/checks/Disk%20usage/variables", nil, http.StatusOK, &vars)
	if b, _ := json.Marshal(vars); !strings.Contains(string(b), `"metric":"df.bytes.percentused"`) {
		t.Errorf("check variables: %s", b)
	}
	// A second import of the same team is refused, naming the way out.
	if out, err := runDepc(t, "import", "depc", "--from", depcExportDir, "--to", s.url, "--token", s.token, "--team", "acme"); err == nil || !strings.Contains(err.Error(), "team acme exists: import into it with --existing") {
		t.Errorf("second import: %v\n%s", err, out)
	}

	// The tutorial's graph, then a day.
	const start = 1595980800 // 2020-07-29 00:00 UTC
	var msgs []map[string]any
	for _, rel := range [][4]string{
		{"Offer", "premium", "Website", "foo.com"}, {"Website", "foo.com", "Filer", "filer1"}, {"Website", "foo.com", "Apache", "apache1"},
	} {
		msgs = append(msgs, map[string]any{
			"source": map[string]any{"label": rel[0], "name": rel[1]},
			"target": map[string]any{"label": rel[2], "name": rel[3]},
			"rel":    map[string]any{"from": start - 86400},
		})
	}
	s.must("POST", "/teams/acme/messages", msgs, http.StatusOK, nil)
	var run depc.Run
	s.must("POST", "/teams/acme/runs?wait=true", map[string]any{"day": "2020-07-29"}, http.StatusOK, &run)
	if run.Status != depc.RunSucceeded || run.Nodes != 4 || len(run.Errors) != 0 {
		t.Fatalf("run: %+v", run)
	}
	var days []struct {
		QoS *float64 `json:"qos"`
	}
	s.must("GET", "/teams/acme/labels/Filer/nodes/filer1/qos?start=2020-07-29&end=2020-07-29", nil, http.StatusOK, &days)
	// The tutorial's filer1 (spec/fake-source.md), as in TestServeTutorial.
	if len(days) != 1 || days[0].QoS == nil || *days[0].QoS != 99.792 {
		t.Errorf("filer1: %+v, want 99.792", days)
	}
	s.stop()
}

// TestImportDepcBadInput: a broken export is an error naming the file and
// the field, before anything is created.
func TestImportDepcBadInput(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edit  map[string]string // file → content ("" removes it)
		want  string
		flags []string
	}{
		{"no team", map[string]string{"team.json": ""}, "team.json: missing (the answer to GET /v1/teams/<id>/", nil},
		{"team without a name", map[string]string{"team.json": `{"id": "x"}`}, "team.json: name: is required", nil},
		{"not JSON", map[string]string{"sources.json": `{"sources": [`}, "sources.json: ", nil},
		{"sources not a list", map[string]string{"sources.json": `{"sources": {}}`}, "sources.json: sources: must be a list, not a object", nil},
		{"no sources", map[string]string{"sources.json": `{}`}, "sources.json: sources: is required (a list)", nil},
		{"a source without a plugin", map[string]string{"sources.json": `{"sources": [{"name": "s"}]}`}, "sources.json: sources[0].plugin: is required", nil},
		{"a check without a name", map[string]string{"sources.json": `{"sources": [{"name": "s", "plugin": "Fake", "checks": [{"type": "Threshold"}]}]}`}, "sources.json: sources[0].checks[0].name: is required", nil},
		{"checks not a list", map[string]string{"sources.json": `{"sources": [{"name": "s", "plugin": "Fake", "checks": 3}]}`}, "sources.json: sources.checks: must be a list, not a number", nil},
		{"a rule without a name", map[string]string{"rules.json": `{"rules": [{"checks": []}]}`}, "rules.json: rules[0].name: is required", nil},
		{"variables not a list", map[string]string{"variables.json": `{"dc": "gra"}`}, "variables.json: must be a list, not a object", nil},
		{"a config without data", map[string]string{"configs/current.json": `{"id": "e1"}`}, "configs/current.json: data: is required", nil},
		{"a team name depc refuses", nil, `--team: "Not A Name" must match`, []string{"--team", "Not A Name"}},
		{"a bad time zone", nil, "--timezone: ", []string{"--timezone", "Mars/Base"}},
		{"no export", nil, "give --from DIR or --from-url URL", []string{"--from", ""}},
		{"no token", nil, "--token: is required (or DEPC_TOKEN), unless --dry-run", []string{"--token", ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyExport(t)
			for name, content := range tt.edit {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if content == "" {
					os.Remove(p)
					continue
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"import", "depc", "--from", dir}, tt.flags...)
			if !containsString(tt.flags, "--token") {
				args = append(args, "--dry-run")
			}
			out, err := runDepc(t, args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v\n%s\nwant an error saying %q", err, out, tt.want)
			}
		})
	}
}

func copyExport(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.Walk(depcExportDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(depcExportDir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// FuzzImportDepc: any sources part gives a plan or an error naming its
// file, never a panic.
func FuzzImportDepc(f *testing.F) {
	team := []byte(`{"id": "t", "name": "My team"}`)
	rules := []byte(`{"rules": [{"id": "r", "name": "Servers", "checks": [{"name": "Ping"}]}]}`)
	for _, s := range []string{
		`{"sources": [{"id": "s", "name": "Fake", "plugin": "Fake", "checks": [{"id": "c", "name": "Ping", "type": "Threshold", "parameters": {"query": "depc.tutorial.ping", "threshold": 20}}]}]}`,
		`{"sources": [{"name": "t", "plugin": "OpenTSDB", "configuration": {"url": "http://h", "credentials": "a:b"}, "checks": [{"name": "L", "type": "Interval", "parameters": {"query": "{\"tags\": {\"h\": \"{{ depc.name }}x\"}}", "threshold": "1:2"}}]}]}`,
		`{"sources": [{"name": "w", "plugin": "WarpScript", "configuration": {"url": "http://h/api/v0", "token": "t"}, "checks": [{"name": "W", "type": "Threshold", "parameters": {"query": "'a{{ depc.name }}b{{depc.name}}' {{ depc.name }}", "threshold": "1"}}]}]}`,
		`{"sources": null}`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, sources []byte) {
		get := func(part string) ([]byte, bool, error) {
			switch part {
			case "":
				return team, true, nil
			case "sources":
				return sources, true, nil
			case "rules":
				return rules, true, nil
			}
			return nil, false, nil
		}
		x, err := readExport(get)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "sources.json: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		p, err := planImport(x, "acme", "UTC")
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		p.print(&b)
		for _, c := range p.Checks {
			if depcName.MatchString(c.Check.Parameters.Query) {
				t.Fatalf("check %q keeps {{ depc.name }}: %q", c.Check.Name, c.Check.Parameters.Query)
			}
		}
	})
}

// TestImportDepcFromURL: the export read from DepC's API itself (a test
// server answering from the fixture files, as DepC would: 404 for parts it
// has not), with the token and the proxy's user header.
func TestImportDepcFromURL(t *testing.T) {
	const team = "76b96ead-a7ed-447b-8fa6-26b57bc571e5"
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("X-Remote-User") != "alice" {
			http.Error(w, `{"message": "forbidden"}`, http.StatusForbidden)
			return
		}
		part, ok := strings.CutPrefix(r.URL.Path, "/v1/teams/"+team)
		if !ok {
			http.NotFound(w, r)
			return
		}
		seen = append(seen, part)
		name := "team.json"
		if part != "" {
			name = strings.TrimPrefix(part, "/") + ".json"
		}
		b, err := os.ReadFile(filepath.Join(depcExportDir, filepath.FromSlash(name)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}))
	defer srv.Close()
	out, err := runDepc(t, "import", "depc", "--from-url", srv.URL+"/v1", "--from-team", team, "--from-token", "tok", "--from-user", "alice", "--dry-run")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "team my-team (time zone UTC)") || !strings.Contains(out, `variable depc.check.metric = "df.bytes.percentused"`) || !strings.Contains(out, "config: 5 labels") {
		t.Errorf("plan from the API:\n%s", out)
	}
	if !containsString(seen, "/configs/current") || !containsString(seen, "/rules") {
		t.Errorf("parts asked: %v", seen)
	}
	_, err = runDepc(t, "import", "depc", "--from-url", srv.URL+"/v1", "--from-team", team, "--from-token", "wrong", "--dry-run")
	if err == nil || !strings.Contains(err.Error(), "team.json: GET "+srv.URL+"/v1/teams/"+team+": HTTP 403") {
		t.Errorf("a refused token: %v", err)
	}
}
