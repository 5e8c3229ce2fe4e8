package api_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

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
	keys := []string{"checks", "description", "example", "name", "node_label", "query_language", "secret_keys"}
	for i, p := range all {
		g := got[i]
		var have []string
		for k := range g {
			have = append(have, k)
		}
		if len(have) != len(keys) {
			t.Errorf("plugin %d: keys %v, want %v", i, have, keys)
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
