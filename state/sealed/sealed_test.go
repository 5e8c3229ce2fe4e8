package sealed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/plugins"
	"github.com/depc-dev/depc/state/sealed"
	"github.com/depc-dev/depc/state/sqlite"
	"github.com/depc-dev/depc/state/statetest"
)

var ctx = context.Background()

func keyring(t *testing.T, keys ...string) *sealed.Keyring {
	t.Helper()
	k, err := sealed.ParseKeys("secret_key", strings.Join(keys, ","))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openSQLite(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestConformance: the wrapped store still passes the suite.
func TestConformance(t *testing.T) {
	k := keyring(t, sealed.NewKey())
	statetest.Run(t, func(t *testing.T) *sealed.Store {
		return sealed.Wrap(openSQLite(t, t.TempDir()), k, plugins.All())
	})
}

func TestKeyring(t *testing.T) {
	k1, k2 := sealed.NewKey(), sealed.NewKey()
	a := keyring(t, k1)
	s, err := a.Seal([]byte(`"s3cret"`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s, "s3cret") || !strings.HasPrefix(s, sealed.Prefix+a.Current()+":") {
		t.Errorf("sealed %q", s)
	}
	if s2, _ := a.Seal([]byte(`"s3cret"`)); s2 == s {
		t.Errorf("two seals of the same value are equal: the nonce is not random")
	}
	for _, kr := range []*sealed.Keyring{a, keyring(t, k2, k1)} {
		if got, err := kr.Open(s); err != nil || string(got) != `"s3cret"` {
			t.Errorf("Open = %q, %v", got, err)
		}
	}
	if _, err := keyring(t, k2).Open(s); !errors.Is(err, sealed.ErrUnknownKey) {
		t.Errorf("Open with another key: %v, want ErrUnknownKey", err)
	}
	// Any change is seen.
	// flip replaces the character at i by another one: a replacement equal
	// to what is there would alter nothing (and fail the test by chance).
	flip := func(i int) string {
		c := byte('x')
		if s[i] == c {
			c = 'y'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	for _, bad := range []string{flip(len(s) - 6), flip(len(sealed.Prefix) + 16 + 1), s[:len(s)-10]} {
		if _, err := a.Open(bad); err == nil {
			t.Errorf("Open(%q) of an altered value succeeded", bad)
		}
	}
	for _, text := range []string{"", "short", "bm90IDMyIGJ5dGVz", k1 + ",nope"} {
		_, err := sealed.ParseKeys("secret_key", text)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "secret_key: ") || !strings.Contains(err.Error(), "openssl rand -base64 32") {
			t.Errorf("ParseKeys(%q) = %v, want EINVALID naming secret_key with how to make one", text, err)
		}
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, sealed.KeyFileName)
	kr, created, err := sealed.OpenKeyFile(path)
	if err != nil || !created {
		t.Fatalf("OpenKeyFile (new) = %v, created %v", err, created)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	again, created, err := sealed.OpenKeyFile(path)
	if err != nil || created || again.Current() != kr.Current() {
		t.Fatalf("OpenKeyFile (again) = %v, created %v, key %s want %s", err, created, again.Current(), kr.Current())
	}
	// A server holding the old keyring opens what is sealed with a key
	// written to the file since (rotation), and seals with it.
	newKey := sealed.NewKey()
	s, _ := keyring(t, newKey).Seal([]byte(`1`))
	if err := sealed.WriteKeyFile(path, newKey, kr.Texts()[0]); err != nil {
		t.Fatal(err)
	}
	if got, err := kr.Open(s); err != nil || string(got) != "1" {
		t.Errorf("Open after the file changed: %q, %v", got, err)
	}
	if s2, _ := kr.Seal([]byte(`2`)); !strings.Contains(s2, keyring(t, newKey).Current()) {
		t.Errorf("Seal after the file changed used the old key: %s", s2)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sealed.OpenKeyFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("OpenKeyFile(mode 0644) = %v, want a refusal saying chmod 600", err)
	}
}

// TestSecretsAtRest: a source's secrets are sealed in the database (not in
// the file in clear), opened when read; rows from before sealing load
// and are sealed by Reseal; rotation seals again under the new key.
func TestSecretsAtRest(t *testing.T) {
	dir := t.TempDir()
	raw := openSQLite(t, dir)
	defer raw.Close()
	oldKey := sealed.NewKey()
	st := sealed.Wrap(raw, keyring(t, oldKey), plugins.All())
	if _, err := st.CreateTeam(ctx, depc.Team{Name: "acme", Timezone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	conf := `{"url": "http://127.0.0.1:9090", "bearer_token": "tok-AAAA", "headers": {"X-Key": "hdr-BBBB", "X-Empty": ""}}`
	created, err := st.CreateSource(ctx, "acme", depc.SourceConfig{Name: "P", Plugin: "Prometheus", Configuration: json.RawMessage(conf)})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "CreateSource", created.Configuration, conf)
	got, err := st.Source(ctx, "acme", "P")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "Source", got.Configuration, conf)
	list, err := st.Sources(ctx, "acme")
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	sameJSON(t, "Sources", list[0].Configuration, conf)

	stored, err := raw.Source(ctx, "acme", "P")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		URL     string            `json:"url"`
		Token   string            `json:"bearer_token"`
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal(stored.Configuration, &m); err != nil {
		t.Fatal(err)
	}
	if m.URL != "http://127.0.0.1:9090" || !strings.HasPrefix(m.Token, sealed.Prefix) || !strings.HasPrefix(m.Headers["X-Key"], sealed.Prefix) || m.Headers["X-Empty"] != "" {
		t.Errorf("stored %s: want the url in clear, the secrets sealed, the empty one empty", stored.Configuration)
	}
	noPlainSecret(t, dir, "tok-AAAA", "hdr-BBBB")

	// A row from before sealing.
	legacy := `{"url": "http://127.0.0.1:9090", "bearer_token": "old-CCCC"}`
	if _, err := raw.CreateSource(ctx, "acme", depc.SourceConfig{Name: "Old", Plugin: "Prometheus", Configuration: json.RawMessage(legacy)}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Source(ctx, "acme", "Old"); err != nil {
		t.Fatal(err)
	} else {
		sameJSON(t, "Source(legacy)", got.Configuration, legacy)
	}
	rep, err := st.Reseal(ctx, false)
	if err != nil || rep.Sources != 2 || rep.Resealed != 1 || rep.Plain != 1 {
		t.Errorf("Reseal = %+v, %v; want 2 sources, 1 resealed with 1 secret in clear", rep, err)
	}
	if rep, err := st.Reseal(ctx, false); err != nil || rep.Resealed != 0 {
		t.Errorf("Reseal again = %+v, %v; want nothing to do", rep, err)
	}
	// (The old row's pages may still hold it until the database reuses
	// them: docs/security.md says to VACUUM after the first start.)
	if stored, _ := raw.Source(ctx, "acme", "Old"); strings.Contains(string(stored.Configuration), "old-CCCC") {
		t.Errorf("after Reseal the store holds %s", stored.Configuration)
	}

	// Rotation: the new key first, the old one still opens.
	newKey := sealed.NewKey()
	rotated := sealed.Wrap(raw, keyring(t, newKey, oldKey), plugins.All())
	if rep, err := rotated.Reseal(ctx, true); err != nil || rep.Resealed != 2 {
		t.Errorf("Reseal(all) = %+v, %v; want both sources", rep, err)
	}
	only := sealed.Wrap(raw, keyring(t, newKey), plugins.All())
	if got, err := only.Source(ctx, "acme", "P"); err != nil {
		t.Errorf("with the new key only: %v", err)
	} else {
		sameJSON(t, "Source after rotation", got.Configuration, conf)
	}

	// The wrong key: a clear error, and Reseal writes nothing.
	wrong := sealed.Wrap(raw, keyring(t, sealed.NewKey()), plugins.All())
	_, err = wrong.Source(ctx, "acme", "P")
	if !errors.Is(err, sealed.ErrUnknownKey) || !strings.Contains(depc.ErrorMessage(err), "DEPC_SECRET_KEY") {
		t.Errorf("Source with the wrong key: %v", err)
	}
	before, _ := raw.Sources(ctx, "acme")
	if _, err := wrong.Reseal(ctx, true); !errors.Is(err, sealed.ErrUnknownKey) {
		t.Errorf("Reseal with the wrong key: %v", err)
	}
	after, _ := raw.Sources(ctx, "acme")
	for i := range before {
		if !bytes.Equal(before[i].Configuration, after[i].Configuration) {
			t.Errorf("Reseal with the wrong key changed %s", before[i].Name)
		}
	}
}

func sameJSON(t *testing.T, what string, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %s: %v", what, got, err)
	}
	_ = json.Unmarshal([]byte(want), &w)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s: %s, want %s", what, gb, wb)
	}
}

// noPlainSecret fails when a file of the database holds a secret in clear.
func noPlainSecret(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "state.db*"))
	if len(files) == 0 {
		t.Fatal("no database file")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q in clear", filepath.Base(f), s)
			}
		}
	}
}
