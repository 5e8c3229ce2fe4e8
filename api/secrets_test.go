package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/api"
	"github.com/depc-dev/depc/source/fake"
	"github.com/depc-dev/depc/source/plugins"
)

// acceptAll returns the plugins with an Open that accepts any
// configuration: the masking tests put a value at every secret key at
// once, which a plugin may refuse as a whole (Prometheus's bearer_token
// and basic_auth conflict). What is masked comes from the SecretKeys alone.
func acceptAll(ps depc.SourcePlugins) depc.SourcePlugins {
	out := make(depc.SourcePlugins, len(ps))
	for i, p := range ps {
		p.Open = func(context.Context, json.RawMessage) (depc.Source, error) { return fake.New(), nil }
		out[i] = p
	}
	return out
}

// withSecrets returns the plugin's example configuration with a distinct
// secret value at every secret key ("*": two keys of the object), and the
// places of the secrets as paths of keys.
func withSecrets(t *testing.T, p depc.SourcePlugin) (map[string]any, map[string][]string) {
	t.Helper()
	conf := map[string]any{}
	if err := json.Unmarshal(p.Example, &conf); err != nil {
		t.Fatalf("%s: example: %v", p.Name, err)
	}
	secrets := map[string][]string{}
	for i, k := range p.SecretKeys {
		var put func(obj map[string]any, path []string, at []string)
		put = func(obj map[string]any, path []string, at []string) {
			names := []string{path[0]}
			if path[0] == "*" {
				names = []string{fmt.Sprintf("X-Key-%d-a", i), fmt.Sprintf("X-Key-%d-b", i)}
			}
			for _, n := range names {
				if len(path) == 1 {
					v := fmt.Sprintf("secret-%s-%d-%s", p.Name, i, n)
					obj[n] = v
					secrets[v] = append(append([]string{}, at...), n)
					continue
				}
				child, ok := obj[n].(map[string]any)
				if !ok {
					child = map[string]any{}
					obj[n] = child
				}
				put(child, path[1:], append(append([]string{}, at...), n))
			}
		}
		put(conf, strings.Split(k, "."), nil)
	}
	return conf, secrets
}

// at returns the value at a path of keys.
func at(v any, path []string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestEveryPluginSecretIsMasked: for every plugin of the list, a value at
// each of its secret keys never shows in an answer — create, read, list,
// and the echo of a PUT that sends the masked source back, which keeps the
// stored secrets. A new plugin's keys are covered by being in the list.
func TestEveryPluginSecretIsMasked(t *testing.T) {
	e := newEnvWith(t, acceptAll(plugins.All()))
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	for _, p := range plugins.All() {
		t.Run(p.Name, func(t *testing.T) {
			conf, secrets := withSecrets(t, p)
			name := "src-" + p.Name
			masked := func(what string, r response, source any) {
				t.Helper()
				for v, path := range secrets {
					if strings.Contains(string(r.Body), v) {
						t.Errorf("%s shows the secret at %s: %s", what, strings.Join(path, "."), r.Body)
					}
					if got := at(source, append([]string{"configuration"}, path...)); got != api.SecretMask {
						t.Errorf("%s: %s is %v, want the mask", what, strings.Join(path, "."), got)
					}
				}
			}
			body := map[string]any{"name": name, "plugin": p.Name, "configuration": conf}
			var created, got, echoed map[string]any
			r := e.call("POST", "/teams/acme/sources", body, http.StatusCreated, &created)
			masked("POST", r, created)
			r = e.call("GET", "/teams/acme/sources/"+name, nil, http.StatusOK, &got)
			masked("GET", r, got)
			var list []map[string]any
			r = e.call("GET", "/teams/acme/sources", nil, http.StatusOK, &list)
			found := false
			for _, s := range list {
				if s["name"] == name {
					found = true
					masked("GET list", r, s)
				}
			}
			if !found {
				t.Fatalf("GET list: no %s in %s", name, r.Body)
			}
			r = e.call("PUT", "/teams/acme/sources/"+name, got, http.StatusOK, &echoed)
			masked("PUT", r, echoed)

			sc, err := e.state.Source(e.ctx, "acme", name)
			if err != nil {
				t.Fatal(err)
			}
			var stored map[string]any
			if err := json.Unmarshal(sc.Configuration, &stored); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(stored, conf) {
				t.Errorf("after the PUT of the masked source, stored %v, want %v", stored, conf)
			}
		})
	}
}

// TestUnknownPluginShowsNoConfiguration: a stored source whose plugin the
// server does not know (one removed from the list) shows an empty
// configuration: which of its values are secrets cannot be told.
func TestUnknownPluginShowsNoConfiguration(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	if _, err := e.state.CreateSource(e.ctx, "acme", depc.SourceConfig{Name: "old", Plugin: "Gone",
		Configuration: json.RawMessage(`{"api_key": "k3y"}`)}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Configuration map[string]any `json:"configuration"`
	}
	r := e.call("GET", "/teams/acme/sources/old", nil, http.StatusOK, &got)
	if strings.Contains(string(r.Body), "k3y") || len(got.Configuration) != 0 {
		t.Errorf("GET: %s, want an empty configuration", r.Body)
	}
	// Sending the mask back for it is refused with the plugin.
	e.wantError(request{method: "PUT", path: "/teams/acme/sources/old", body: map[string]any{"plugin": "Gone",
		"configuration": map[string]any{"api_key": api.SecretMask}}}, http.StatusBadRequest, depc.EINVALID, "plugin")
}

// TestSecretsOfAnotherPlugin: the mask keeps a stored secret only for the
// plugin it was stored for; switching plugins needs the secret itself.
func TestSecretsOfAnotherPlugin(t *testing.T) {
	ps := depc.SourcePlugins{
		{Name: "A", SecretKeys: []string{"token"}},
		{Name: "B", SecretKeys: []string{"token"}},
	}
	e := newEnvWith(t, acceptAll(ps))
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	e.call("POST", "/teams/acme/sources", map[string]any{"name": "s", "plugin": "A", "configuration": map[string]any{"token": "t0k"}}, http.StatusCreated, nil)
	e.wantError(request{method: "PUT", path: "/teams/acme/sources/s", body: map[string]any{"plugin": "B",
		"configuration": map[string]any{"token": api.SecretMask}}}, http.StatusBadRequest, depc.EINVALID, "configuration.token", "mask")
	e.call("PUT", "/teams/acme/sources/s", map[string]any{"plugin": "A", "configuration": map[string]any{"token": api.SecretMask}}, http.StatusOK, nil)
}

// TestMaskDoesNotFollowANewURL is repro 4 of issue 12: a PUT with a new
// url and the mask in place of the bearer token sent the stored token to
// the new host. The mask now keeps a stored secret only while the places
// the source connects to (its plugin's TargetKeys: Prometheus's url) are
// unchanged; other settings may change with the mask.
func TestMaskDoesNotFollowANewURL(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	conf := map[string]any{"url": "http://prometheus.example.com:9090", "bearer_token": "s3cret",
		"headers": map[string]any{"X-Scope-OrgID": "acme"}}
	e.call("POST", "/teams/acme/sources", map[string]any{"name": "P", "plugin": "Prometheus", "configuration": conf}, http.StatusCreated, nil)
	for _, url := range []string{"http://attacker.example.net:9090", "http://prometheus.example.com:9091", "https://prometheus.example.com:9090", "http://prometheus.example.com:9090/other"} {
		e.wantError(request{method: "PUT", path: "/teams/acme/sources/P", body: map[string]any{"plugin": "Prometheus",
			"configuration": map[string]any{"url": url, "bearer_token": api.SecretMask}}},
			http.StatusBadRequest, depc.EINVALID, "configuration.bearer_token", "configuration.url")
		e.wantError(request{method: "PUT", path: "/teams/acme/sources/P", body: map[string]any{"plugin": "Prometheus",
			"configuration": map[string]any{"url": url, "headers": map[string]any{"X-Scope-OrgID": api.SecretMask}}}},
			http.StatusBadRequest, depc.EINVALID, "configuration.headers.X-Scope-OrgID", "configuration.url")
	}
	sc, err := e.state.Source(e.ctx, "acme", "P")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sc.Configuration), "prometheus.example.com:9090") {
		t.Errorf("the refused PUTs changed the source: %s", sc.Configuration)
	}
	// The same url keeps the secret, with another setting changed.
	e.call("PUT", "/teams/acme/sources/P", map[string]any{"plugin": "Prometheus",
		"configuration": map[string]any{"url": "http://prometheus.example.com:9090", "timeout": "30s", "bearer_token": api.SecretMask}}, http.StatusOK, nil)
	// A new url with the secret itself is fine.
	e.call("PUT", "/teams/acme/sources/P", map[string]any{"plugin": "Prometheus",
		"configuration": map[string]any{"url": "http://other.example.com:9090", "bearer_token": "n3w"}}, http.StatusOK, nil)
	if sc, err = e.state.Source(e.ctx, "acme", "P"); err != nil || !strings.Contains(string(sc.Configuration), "n3w") {
		t.Errorf("stored %s, %v; want the new token", sc.Configuration, err)
	}
}
