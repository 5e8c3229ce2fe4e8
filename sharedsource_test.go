package depc_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/depc-dev/depc"
)

func TestEnforcedFor(t *testing.T) {
	e := depc.SharedSource{Enforce: []depc.LabelMatcher{{Label: "team", Value: "{team}"}, {Label: "tenant", Value: "t-{team}"}}}
	for _, c := range []struct {
		grant depc.SharedGrant
		want  []depc.LabelMatcher
	}{
		{depc.SharedGrant{}, []depc.LabelMatcher{{Label: "team", Value: "acme"}, {Label: "tenant", Value: "t-acme"}}},
		// The grant's value replaces the entry's for this team; its own
		// labels come after.
		{depc.SharedGrant{Enforce: []depc.LabelMatcher{{Label: "env", Value: "prod"}, {Label: "team", Value: "legacy-{team}"}}},
			[]depc.LabelMatcher{{Label: "team", Value: "legacy-{team}"}, {Label: "tenant", Value: "t-acme"}, {Label: "env", Value: "prod"}}},
	} {
		if got := e.EnforcedFor("acme", c.grant); !reflect.DeepEqual(got, c.want) {
			t.Errorf("EnforcedFor(%+v) = %v, want %v", c.grant, got, c.want)
		}
	}
}

// FuzzDecodeSharedGrant: any configuration decodes to a valid grant or is
// EINVALID naming the configuration; a valid one survives encoding again.
func FuzzDecodeSharedGrant(f *testing.F) {
	for _, s := range []string{`{"source":"prom"}`, `{"source":"prom","enforce":[{"label":"team","value":"a"}]}`, `{"source":""}`, `[]`, `null`,
		`{"source":"p","enforce":[{"label":"__name__","value":"x"}]}`, `{"source":"p","enforce":[{"label":"a","value":"1"},{"label":"a","value":"2"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := depc.DecodeSharedGrant(b)
		if err != nil {
			if depc.ErrorCode(err) != depc.EINVALID {
				t.Fatalf("DecodeSharedGrant(%q): %v is not EINVALID", b, err)
			}
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("DecodeSharedGrant(%q) = %+v, which is invalid: %v", b, g, err)
		}
		sc, err := depc.GrantSource(g.Source, g.Enforce)
		if err != nil {
			t.Fatalf("GrantSource(%+v): %v", g, err)
		}
		again, err := depc.DecodeSharedGrant(sc.Configuration)
		if err != nil || again.Source != g.Source || len(again.Enforce) != len(g.Enforce) {
			t.Fatalf("round trip of %+v: %+v, %v", g, again, err)
		}
		var v map[string]any
		if json.Unmarshal(sc.Configuration, &v) != nil {
			t.Fatalf("GrantSource wrote %q", sc.Configuration)
		}
	})
}
