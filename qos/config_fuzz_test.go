package qos_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/depc-dev/depc/qos"
)

// FuzzDecodeConfig: the decoder never panics, accepts only valid JSON,
// rejects with a *ConfigError, and round-trips what it accepts (decode,
// marshal, decode gives an equal config and the same bytes again).
// Validate and TopoOrder never panic on what it accepts, and a config that
// validates has a topological order of all its labels.
func FuzzDecodeConfig(f *testing.F) {
	paths, _ := filepath.Glob("testdata/config/*/*.json")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, doc := range []string{
		`{}`, `null`, `[]`, `{"Filer": {"qos": "rule.Servers"}, "Filer": {"qos": "rule.Servers"}}`,
		`{"A": {"qos": "operation.OR[B, C]"}, "B": {"qos": "aggregation.MIN[C]"}, "C": {"qos": "rule.'Server Ping'", "label": {"average.exclude": ["x"]}}}`,
		`{"A": {"qos": "operation.AND[B]"}, "B": {"qos": "operation.AND[A]"}}`,
		`{"A": {"qos": "operation.AND[A]", "label": {"average.exclude": ["a", 1]}}}`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := qos.DecodeConfig(data)
		if err != nil {
			var ce *qos.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("DecodeConfig(%q): error %T is not a *ConfigError", data, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("DecodeConfig accepted invalid JSON %q", data)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal of decoded %q: %v", data, err)
		}
		again, err := qos.DecodeConfig(b)
		if err != nil {
			t.Fatalf("DecodeConfig(Marshal(DecodeConfig(%q))) = %v; marshaled %s", data, err, b)
		}
		if !again.Equal(c) {
			t.Fatalf("round trip changed the config:\n%#v\n%#v", c, again)
		}
		if b2, err := json.Marshal(again); err != nil || string(b2) != string(b) {
			t.Fatalf("Marshal is not a fixed point:\n%s\n%s (%v)", b, b2, err)
		}

		_ = c.Validate(func(string) bool { return false })
		order, topoErr := c.TopoOrder()
		if err := c.Validate(nil); err != nil {
			return
		}
		if topoErr != nil {
			t.Fatalf("config %s validates but TopoOrder fails: %v", b, topoErr)
		}
		if len(order) != len(c) {
			t.Fatalf("TopoOrder of %s = %q, not every label", b, order)
		}
		checkTopoOrder(t, c, order)
		for _, l := range c.Labels() {
			sub, err := c.TopoOrder(l)
			if err != nil || len(sub) == 0 || sub[len(sub)-1] != l {
				t.Fatalf("TopoOrder(%s) of %s = %q, %v; want it to end with %s", l, b, sub, err, l)
			}
			checkTopoOrder(t, c, sub)
		}
	})
}
