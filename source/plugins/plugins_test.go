package plugins_test

import (
	"context"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/plugins"
)

// TestPluginsDescribeThemselves: every plugin of the list has a distinct
// name, says what it is, opens its example configuration, accepts its own
// suggested checks and names its secrets as dotted paths.
func TestPluginsDescribeThemselves(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range plugins.All() {
		if p.Name == "" || seen[p.Name] {
			t.Errorf("plugin name %q is empty or listed twice", p.Name)
		}
		seen[p.Name] = true
		if p.Description == "" || p.QueryLanguage == "" || p.Open == nil {
			t.Errorf("%s: description, query language and Open are required", p.Name)
		}
		src, err := p.Open(context.Background(), p.Example)
		if err != nil {
			t.Errorf("%s: the example configuration does not open: %v", p.Name, err)
			continue
		}
		defer src.Close()
		for _, c := range p.Checks {
			var err error
			switch c.Type {
			case depc.CheckThreshold:
				_, err = qos.ParseThreshold(c.Threshold)
			case depc.CheckInterval:
				_, err = qos.ParseInterval(c.Threshold)
			default:
				t.Errorf("%s: check %q: type %q", p.Name, c.Name, c.Type)
			}
			if err != nil {
				t.Errorf("%s: check %q: %v", p.Name, c.Name, err)
			}
			if err := src.ValidateCheck(depc.CheckParameters{Query: c.Query, Threshold: c.Threshold}); err != nil {
				t.Errorf("%s: suggested check %q is refused: %v", p.Name, c.Name, err)
			}
			if c.Name == "" || c.Description == "" {
				t.Errorf("%s: check %+v needs a name and a description", p.Name, c)
			}
		}
		for _, k := range p.SecretKeys {
			for _, part := range strings.Split(k, ".") {
				if part == "" || (strings.Contains(part, "*") && part != "*") {
					t.Errorf("%s: secret key %q is not a dotted path", p.Name, k)
				}
			}
		}
	}
}

func TestOpenUnknownPlugin(t *testing.T) {
	_, err := plugins.All().Open(context.Background(), depc.SourceConfig{Name: "x", Plugin: "Nope"})
	if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "plugin: ") {
		t.Errorf("Open(Nope) = %v, want EINVALID naming plugin", err)
	}
}
