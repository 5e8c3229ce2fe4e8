package querytemplate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/depc-dev/depc/querytemplate"
)

var vals = querytemplate.Values{
	Name: "web1", Start: 100, End: 200,
	Team:   map[string]string{"env": "prod", "job": ""},
	Source: map[string]string{"dc": "gra"},
	Rule:   map[string]string{"quantile": "0.99"},
	Check:  map[string]string{"host": `a.b"c`},
}

func TestRender(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`probe_rtt_ms`, `probe_rtt_ms`},
		{`up{env="{{ depc.team.env }}"}`, `up{env="prod"}`},
		{`{{depc.name}} {{ depc.start }}-{{ depc.end }}`, `web1 100-200`},
		{`x{dc={{ depc.source.dc | upper | quote }}}`, `x{dc="GRA"}`},
		{`q{{ depc.rule.quantile }}`, `q0.99`},
		{`h=~"{{ depc.check.host | regex_escape }}"`, `h=~"a\.b"c"`},
		{`{{ depc.check.host | quote }}`, `"a.b\"c"`},
		{`{{ depc.team.job | default "api" }}`, `api`},
		{`{{ depc.team.env | replace "pr" "d" }}`, `dod`},
		{`{{- depc.team.env -}}  x`, `prodx`},
	} {
		got, err := querytemplate.Render(tt.in, vals)
		if err != nil || got != tt.want {
			t.Errorf("Render(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	keep := vals
	keep.KeepName = true
	got, err := querytemplate.Render(`a {{ depc.name | upper }} {{ depc.team.env }}`, keep)
	if err != nil || got != `a {{depc.name | upper}} prod` {
		t.Errorf("KeepName: %q, %v", got, err)
	}
	if again, err := querytemplate.Render(got, vals); err != nil || again != "a WEB1 prod" {
		t.Errorf("KeepName then render: %q, %v", again, err)
	}
}

func TestRefused(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{{ depc.team.nope }}`, "unknown variable depc.team.nope"},
		{`{{ depc.rule.quantile }}{{ depc.check.x }}`, "unknown variable depc.check.x"},
		{`{{ if depc.name }}x{{ end }}`, "only variables"},
		{`{{ range depc.name }}x{{ end }}`, "only variables"},
		{`{{ template "x" }}`, "only variables"},
		{`{{ define "x" }}y{{ end }}`, "define"},
		{`{{ $x := depc.name }}`, "declarations"},
		{`{{ printf "%s" depc.name }}`, "function"},
		{`{{ depc.name | printf }}`, "function"},
		{`{{ depc.name | lower 1 }}`, "takes 0"},
		{`{{ depc.name | default 1 }}`, "must be strings"},
		{`{{ depc.name | exec }}`, "function"},
		{`{{ .x }}`, "variables are written"},
		{`{{ depc }}`, "variables are written"},
		{`{{ depc.team }}`, "is not a variable"},
		{`{{ depc.secret.x }}`, "is not a variable"},
		{`{{ depc.name.x }}`, "is not a variable"},
		{`{{ 1 }}`, "variables are written"},
		{`{{ depc.name `, "unclosed"},
		{strings.Repeat("x", querytemplate.MaxTemplateBytes+1), "longer than"},
	} {
		_, err := querytemplate.Render(tt.in, vals)
		var te *querytemplate.Error
		if !errors.As(err, &te) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Render(%.40q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestRefs(t *testing.T) {
	tp, err := querytemplate.Parse(`{{ depc.name }}{{ depc.team.a }}{{ depc.name }}{{ depc.check.b | upper }}`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range tp.Refs() {
		got = append(got, r.String())
	}
	if strings.Join(got, ",") != "depc.name,depc.team.a,depc.check.b" {
		t.Errorf("Refs = %v", got)
	}
}

func TestBounded(t *testing.T) {
	big := querytemplate.Values{Team: map[string]string{"x": strings.Repeat("y", 4096)}}
	_, err := querytemplate.Render(strings.Repeat("{{ depc.team.x }}", 1000), big)
	if err == nil || !strings.Contains(err.Error(), "renders to more than") {
		t.Errorf("got %v", err)
	}
}

// FuzzRender: any template either is refused with an *Error or renders
// without panicking, within MaxRenderedBytes.
func FuzzRender(f *testing.F) {
	for _, s := range []string{`up{a="{{ depc.team.env }}"}`, `{{ if 1 }}{{end}}`, `{{ depc.name | default "x" | quote }}`, `{{`, `}}`, `{{ depc.check.host | regex_escape }}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := querytemplate.Render(s, vals)
		if err != nil {
			var te *querytemplate.Error
			if !errors.As(err, &te) {
				t.Fatalf("Render(%q): %v is not an *Error", s, err)
			}
			return
		}
		if len(out) > querytemplate.MaxRenderedBytes {
			t.Fatalf("Render(%q) is %d bytes", s, len(out))
		}
	})
}
