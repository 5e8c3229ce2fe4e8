package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/plugins"
)

// TestPlugins: GET /plugins lists every plugin of the list the server was
// given, in its order, in the shape the UI reads.
func TestPlugins(t *testing.T) {
	e := newEnv(t)
	var got []map[string]any
	e.call("GET", "/plugins", nil, http.StatusOK, &got)
	all := plugins.All()
	if len(got) != len(all) {
		t.Fatalf("GET /plugins: %d plugins, want %d: %v", len(got), len(all), got)
	}
	keys := []string{"checks", "description", "example", "name", "node_label", "query_language", "secret_keys", "target_keys"}
	for i, p := range all {
		g := got[i]
		var have []string
		for k := range g {
			have = append(have, k)
		}
		// free_query is given only by the plugins it is true of.
		if want := len(keys) + map[bool]int{true: 1}[p.FreeQuery]; len(have) != want || (p.FreeQuery && g["free_query"] != true) {
			t.Errorf("plugin %d: keys %v, want %v (and free_query when true)", i, have, keys)
		}
		for _, k := range keys {
			if _, ok := g[k]; !ok {
				t.Errorf("plugin %d: no %q", i, k)
			}
		}
		if g["name"] != p.Name || g["description"] != p.Description || g["query_language"] != p.QueryLanguage || g["node_label"] != p.NodeLabel {
			t.Errorf("plugin %d: %v, want %s", i, g, p.Name)
		}
		var example any
		if err := json.Unmarshal(p.Example, &example); err != nil {
			t.Fatalf("%s: example: %v", p.Name, err)
		}
		if !reflect.DeepEqual(g["example"], example) {
			t.Errorf("%s: example %v, want %v", p.Name, g["example"], example)
		}
		secrets, _ := g["secret_keys"].([]any)
		if len(secrets) != len(p.SecretKeys) {
			t.Errorf("%s: secret_keys %v, want %v", p.Name, g["secret_keys"], p.SecretKeys)
		}
		for j, k := range p.SecretKeys {
			if j < len(secrets) && secrets[j] != k {
				t.Errorf("%s: secret_keys %v, want %v", p.Name, secrets, p.SecretKeys)
			}
		}
		checks, _ := g["checks"].([]any)
		if len(checks) != len(p.Checks) {
			t.Fatalf("%s: checks %v, want %d", p.Name, g["checks"], len(p.Checks))
		}
		for j, c := range p.Checks {
			want := map[string]any{"name": c.Name, "query": c.Query, "type": c.Type, "threshold": c.Threshold, "description": c.Description}
			if !reflect.DeepEqual(checks[j], want) {
				t.Errorf("%s: checks[%d] = %v, want %v", p.Name, j, checks[j], want)
			}
		}
	}
}

// countedSource counts its Close calls.
type countedSource struct {
	depc.Source
	closes *atomic.Int64
}

func (s countedSource) Close() error {
	s.closes.Add(1)
	return s.Source.Close()
}

// TestValidationClosesSources: the sources the API opens to validate a
// source or a check are closed once validated, whether the check passes
// or not.
func TestValidationClosesSources(t *testing.T) {
	var opens, closes atomic.Int64
	ps := plugins.All()
	for i, p := range ps {
		open := p.Open
		ps[i].Open = func(ctx context.Context, conf json.RawMessage) (depc.Source, error) {
			s, err := open(ctx, conf)
			if err != nil {
				return nil, err
			}
			opens.Add(1)
			return countedSource{s, &closes}, nil
		}
	}
	e := newEnvWith(t, ps)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/sources", map[string]any{"name": "fake", "plugin": "Fake"}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/sources", map[string]any{"name": "prom", "plugin": "Prometheus", "configuration": map[string]any{"url": "http://127.0.0.1:1"}}, http.StatusCreated, nil)
	e.call("PUT", "/teams/acme/sources/prom", map[string]any{"plugin": "Prometheus", "configuration": map[string]any{"url": "http://127.0.0.1:2"}}, http.StatusOK, nil)
	e.call("POST", "/teams/acme/sources", map[string]any{"name": "bad", "plugin": "Prometheus", "configuration": map[string]any{}}, http.StatusBadRequest, nil)
	check := map[string]any{"name": "ping", "source": "fake", "type": "Threshold", "parameters": map[string]any{"query": "depc.tutorial.ping", "threshold": "20"}}
	e.call("POST", "/teams/acme/checks", check, http.StatusCreated, nil)
	e.call("PUT", "/teams/acme/checks/ping", check, http.StatusOK, nil)
	e.call("POST", "/teams/acme/checks", map[string]any{"name": "rtt", "source": "prom", "type": "Threshold", "parameters": map[string]any{"query": "avg(probe_rtt_ms)", "threshold": "20"}}, http.StatusBadRequest, nil)
	if o, c := opens.Load(), closes.Load(); o != 6 || c != o {
		t.Errorf("%d sources opened, %d closed; want 6 and 6", o, c)
	}
}

// updateMock rewrites the UI mock server's plugin list from the server's.
var updateMock = flag.Bool("update-mock-plugins", false, "rewrite ui/e2e/plugins.json from GET /plugins")

// mockPlugins is the plugin list the UI's mock server answers.
const mockPlugins = "../ui/e2e/plugins.json"

// TestMockPluginsMatchServer: the UI's mock server answers GET /plugins
// with exactly what the server answers, so the UI's tests cannot drift from
// the plugin list (refresh with go test ./api -run MockPlugins
// -update-mock-plugins).
func TestMockPluginsMatchServer(t *testing.T) {
	e := newEnv(t)
	r := e.call("GET", "/plugins", nil, http.StatusOK, nil)
	var served any
	if err := json.Unmarshal(r.Body, &served); err != nil {
		t.Fatal(err)
	}
	if *updateMock {
		var b bytes.Buffer
		if err := json.Indent(&b, r.Body, "", "  "); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(mockPlugins, append(bytes.TrimSpace(b.Bytes()), '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(mockPlugins)
	if err != nil {
		t.Fatal(err)
	}
	var mock any
	if err := json.Unmarshal(raw, &mock); err != nil {
		t.Fatalf("%s: %v", mockPlugins, err)
	}
	if !reflect.DeepEqual(mock, served) {
		t.Errorf("%s differs from GET /plugins; refresh it with go test ./api -run MockPlugins -update-mock-plugins", mockPlugins)
	}
}
