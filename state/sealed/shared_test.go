package sealed_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/plugins"
	"github.com/depc-dev/depc/state/sealed"
)

// TestSharedSecretsAtRest: a shared source's secrets are sealed like a
// team source's, opened on the way out, and resealed by rotation.
func TestSharedSecretsAtRest(t *testing.T) {
	dir := t.TempDir()
	raw := openSQLite(t, dir)
	defer raw.Close()
	oldKey := sealed.NewKey()
	st := sealed.Wrap(raw, keyring(t, oldKey), plugins.All())
	conf := `{"url": "http://127.0.0.1:9090", "bearer_token": "tok-SHARED"}`
	e := depc.SharedSource{SourceConfig: depc.SourceConfig{Name: "metrics", Plugin: "Prometheus", Configuration: json.RawMessage(conf)},
		Enforce: []depc.LabelMatcher{{Label: "team", Value: depc.TeamPlaceholder}}}
	created, err := st.CreateSharedSource(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "CreateSharedSource", created.Configuration, conf)
	got, err := st.SharedSource(ctx, "metrics")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "SharedSource", got.Configuration, conf)
	list, err := st.SharedSources(ctx)
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	sameJSON(t, "SharedSources", list[0].Configuration, conf)
	stored, err := raw.SharedSource(ctx, "metrics")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored.Configuration), "tok-SHARED") || !strings.Contains(string(stored.Configuration), sealed.Prefix) {
		t.Errorf("stored %s: want the token sealed", stored.Configuration)
	}
	noPlainSecret(t, dir, "tok-SHARED")

	newKey := sealed.NewKey()
	rotated := sealed.Wrap(raw, keyring(t, newKey, oldKey), plugins.All())
	if rep, err := rotated.Reseal(ctx, true); err != nil || rep.Resealed != 1 || rep.Sources != 1 {
		t.Errorf("Reseal(rotation) = %+v, %v; want the shared source resealed", rep, err)
	}
	again, err := sealed.Wrap(raw, keyring(t, newKey), plugins.All()).SharedSource(ctx, "metrics")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "SharedSource with the new key alone", again.Configuration, conf)
}
