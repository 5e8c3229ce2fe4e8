package message_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/message"
)

const at = 1700000000 // the message time the tests pass to Decode

func key(label, name string) depc.NodeKey { return depc.NodeKey{Label: label, Name: name} }

func exists(k depc.NodeKey) depc.Event { return depc.Event{Node: k, Kind: depc.EventExists} }

func span(k depc.NodeKey, from, to int64) depc.Event {
	return depc.Event{Node: k, Kind: depc.EventSpan, From: from, To: to}
}

func open(k depc.NodeKey, from int64) depc.Event {
	return depc.Event{Node: k, Kind: depc.EventOpen, From: from}
}

func closeAt(k depc.NodeKey, to int64) depc.Event {
	return depc.Event{Node: k, Kind: depc.EventClose, To: to}
}

func rel(e depc.Event, target depc.NodeKey) depc.Event {
	e.Target = target
	return e
}

var (
	website = key("Website", "foo.com")
	filer   = key("Filer", "filer1")
	// The example of spec/messages.md §1.
	specEvents = []depc.Event{
		span(website, 1515241242, 1515244850),
		open(filer, 1533636245),
		rel(span(website, 1527847440, 1527854640), filer),
	}
)

func TestDecodeAccepts(t *testing.T) {
	long := func(c byte, n int) string { return strings.Repeat(string(c), n) }
	tests := []struct {
		name string
		msg  string
		want []depc.Event
	}{
		{"spec nested", `{
			"source": {"label": "Website", "name": "foo.com", "props": {"from": 1515241242, "to": 1515244850}},
			"target": {"label": "Filer",   "name": "filer1",  "props": {"from": 1533636245}},
			"rel":    {"from": 1527847440, "to": 1527854640}}`, specEvents},
		{"spec flat", `{"source_label": "Website", "source_name": "foo.com", "source_from": 1515241242, "source_to": 1515244850,
			"target_label": "Filer", "target_name": "filer1", "target_from": 1533636245,
			"rel_from": 1527847440, "rel_to": 1527854640}`, specEvents},
		{"keys in any order", `{"rel": {"to": 1527854640, "from": 1527847440},
			"target": {"props": {"from": 1533636245}, "name": "filer1", "label": "Filer"},
			"source": {"props": {"to": 1515244850, "from": 1515241242}, "name": "foo.com", "label": "Website"}}`, specEvents},
		{"envelope nested", `{"metadata": {"source": {"label": "Website", "name": "foo.com"}}}`, []depc.Event{exists(website)}},
		{"envelope flat, siblings ignored", `{"id": 7, "metadata": {"source_label": "Website", "source_name": "foo.com"}, "ts": [1, {"x": null}]}`,
			[]depc.Event{exists(website)}},
		{"source only nested", `{"source": {"label": "Website", "name": "foo.com"}}`, []depc.Event{exists(website)}},
		{"source only flat", `{"source_label": "Website", "source_name": "foo.com"}`, []depc.Event{exists(website)}},
		{"empty props", `{"source": {"label": "Website", "name": "foo.com", "props": {}}}`, []depc.Event{exists(website)}},
		{"from only", `{"source_label": "Website", "source_name": "foo.com", "source_from": 5}`, []depc.Event{open(website, 5)}},
		{"to only", `{"source": {"label": "Website", "name": "foo.com", "props": {"to": 9}}}`, []depc.Event{closeAt(website, 9)}},
		{"from 0 and to 1", `{"source_label": "Website", "source_name": "foo.com", "source_from": 0, "source_to": 1}`,
			[]depc.Event{span(website, 0, 1)}},
		{"largest integer", `{"source_label": "Website", "source_name": "foo.com", "source_from": 9223372036854775806, "source_to": 9223372036854775807}`,
			[]depc.Event{span(website, 9223372036854775806, 9223372036854775807)}},
		{"relation without time opens at the message time", `{"source": {"label": "Website", "name": "foo.com"}, "target": {"label": "Filer", "name": "filer1"}}`,
			[]depc.Event{exists(website), exists(filer), rel(open(website, at), filer)}},
		{"flat relation without time", `{"source_label": "Website", "source_name": "foo.com", "target_label": "Filer", "target_name": "filer1"}`,
			[]depc.Event{exists(website), exists(filer), rel(open(website, at), filer)}},
		{"empty rel", `{"source": {"label": "Website", "name": "foo.com"}, "target": {"label": "Filer", "name": "filer1"}, "rel": {}}`,
			[]depc.Event{exists(website), exists(filer), rel(open(website, at), filer)}},
		{"relation closed", `{"source_label": "Website", "source_name": "foo.com", "target_label": "Filer", "target_name": "filer1", "rel_to": 77}`,
			[]depc.Event{exists(website), exists(filer), rel(closeAt(website, 77), filer)}},
		{"null is absent nested", `{"source": {"label": "Website", "name": "foo.com", "props": null}, "target": null, "rel": null}`,
			[]depc.Event{exists(website)}},
		{"null is absent in props", `{"source": {"label": "Website", "name": "foo.com", "props": {"from": 3, "to": null}}}`,
			[]depc.Event{open(website, 3)}},
		{"null is absent flat", `{"source_label": "Website", "source_name": "foo.com", "source_from": null, "target_label": null, "target_name": null, "rel_from": null}`,
			[]depc.Event{exists(website)}},
		{"spec labels and names", `{"source": {"label": "My123Label", "name": "#F$o%ob&/a-r."}, "target": {"label": "MyLabel", "name": "a|b~{}"}, "rel": {"from": 1}}`,
			[]depc.Event{exists(key("My123Label", "#F$o%ob&/a-r.")), exists(key("MyLabel", "a|b~{}")), rel(open(key("My123Label", "#F$o%ob&/a-r."), 1), key("MyLabel", "a|b~{}"))}},
		{"longest label and name", fmt.Sprintf(`{"source_label": "A%s", "source_name": "%s"}`, long('b', 63), long('n', 512)),
			[]depc.Event{exists(key("A"+long('b', 63), long('n', 512)))}},
		{"white space", " \t\r\n{ \"source_label\" : \"Website\" , \"source_name\":\"foo.com\" }\n ", []depc.Event{exists(website)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := message.Decode(nil, []byte(tt.msg), at)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("events\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeAppends(t *testing.T) {
	dst := []depc.Event{exists(filer)}
	got, err := message.Decode(dst, []byte(`{"source_label": "Website", "source_name": "f\u006fo.com"}`), at)
	if err != nil {
		t.Fatal(err)
	}
	if want := []depc.Event{exists(filer), exists(website)}; !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	got, err = message.Decode(got, []byte(`{"source_label": "website", "source_name": "foo.com"}`), at)
	if err == nil {
		t.Fatal("no error for an invalid label")
	}
	if len(got) != 2 {
		t.Errorf("a rejected message changed dst: %+v", got)
	}
}

func TestDecodeRejects(t *testing.T) {
	node := func(label, name string) string {
		return fmt.Sprintf(`{"source": {"label": %s, "name": %s}}`, label, name)
	}
	props := func(p string) string {
		return `{"source": {"label": "A", "name": "a", "props": ` + p + `}}`
	}
	flat := func(extra string) string { return `{"source_label": "A", "source_name": "a"` + extra + `}` }
	relm := func(r string) string {
		return `{"source": {"label": "A", "name": "a"}, "target": {"label": "B", "name": "b"}, "rel": ` + r + `}`
	}
	const (
		labelErr = "must match ^[A-Z]+[a-zA-Z0-9]*$"
		nameErr  = "must match ^[!#-&(-[\\]-_a-~]+$ (printable ASCII except space, quotes, backslash, backtick)"
	)
	tests := []struct {
		name  string
		msg   string
		want  string // the user-facing message
		class error
	}{
		// label
		{"label lowercase", node(`"mylabel"`, `"a"`), "source.label: " + labelErr, message.ErrInvalid},
		{"label camel", node(`"myLabel"`, `"a"`), "source.label: " + labelErr, message.ErrInvalid},
		{"label digit first", node(`"123Label"`, `"a"`), "source.label: " + labelErr, message.ErrInvalid},
		{"label underscore", node(`"My_Label"`, `"a"`), "source.label: " + labelErr, message.ErrInvalid},
		{"label empty", node(`""`, `"a"`), "source.label: must not be empty", message.ErrInvalid},
		{"label too long", node(`"A`+strings.Repeat("b", 64)+`"`, `"a"`), "source.label: must be at most 64 bytes", message.ErrInvalid},
		{"label not a string", node(`5`, `"a"`), "source.label: must be a string", message.ErrInvalid},
		{"label null", node(`null`, `"a"`), "source.label: required", message.ErrInvalid},
		{"label missing", `{"source": {"name": "a"}}`, "source.label: required", message.ErrInvalid},
		{"target label", `{"source": {"label": "A", "name": "a"}, "target": {"label": "b", "name": "b"}}`, "target.label: " + labelErr, message.ErrInvalid},
		{"flat label", `{"source_label": "a", "source_name": "a"}`, "source_label: " + labelErr, message.ErrInvalid},
		// name
		{"name space", node(`"A"`, `"foo bar"`), "source.name: " + nameErr, message.ErrInvalid},
		{"name quote", node(`"A"`, `"foo'bar"`), "source.name: " + nameErr, message.ErrInvalid},
		{"name double quote", node(`"A"`, `"foo\"bar"`), "source.name: " + nameErr, message.ErrInvalid},
		{"name backslash", node(`"A"`, `"foo\\bar"`), "source.name: " + nameErr, message.ErrInvalid},
		{"name backtick", node(`"A"`, "\"foo`bar\""), "source.name: " + nameErr, message.ErrInvalid},
		{"name non-ASCII", node(`"A"`, `"é"`), "source.name: " + nameErr, message.ErrInvalid},
		{"name escaped non-ASCII", node(`"A"`, `"\u00e9"`), "source.name: " + nameErr, message.ErrInvalid},
		{"name lone surrogate", node(`"A"`, `"a\ud83d"`), "source.name: " + nameErr, message.ErrInvalid},
		{"name control", node(`"A"`, `"a\u0001"`), "source.name: " + nameErr, message.ErrInvalid},
		{"name empty", node(`"A"`, `""`), "source.name: must not be empty", message.ErrInvalid},
		{"name too long", node(`"A"`, `"`+strings.Repeat("n", 513)+`"`), "source.name: must be at most 512 bytes", message.ErrInvalid},
		{"name missing", `{"source": {"label": "A"}}`, "source.name: required", message.ErrInvalid},
		{"flat name missing", `{"source_label": "A"}`, "source_name: required", message.ErrInvalid},
		{"flat name array", `{"source_label": "A", "source_name": ["a"]}`, "source_name: must be a string", message.ErrInvalid},
		// from and to
		{"from string", props(`{"from": "1"}`), "source.props.from: must be an integer >= 0", message.ErrInvalid},
		{"from negative", props(`{"from": -1}`), "source.props.from: must be an integer >= 0", message.ErrInvalid},
		{"from minus zero", props(`{"from": -0}`), "source.props.from: must be an integer >= 0", message.ErrInvalid},
		{"from fraction", props(`{"from": 1.5}`), "source.props.from: must be an integer >= 0", message.ErrInvalid},
		{"from zero fraction", props(`{"from": 1.0}`), "source.props.from: must be an integer >= 0", message.ErrInvalid},
		{"from exponent", props(`{"from": 1e3}`), "source.props.from: must be an integer >= 0", message.ErrInvalid},
		{"from boolean", props(`{"from": true}`), "source.props.from: must be an integer >= 0", message.ErrInvalid},
		{"from object", props(`{"from": {}}`), "source.props.from: must be an integer >= 0", message.ErrInvalid},
		{"from too large", props(`{"from": 9223372036854775808}`), "source.props.from: must be an integer >= 0 and at most 9223372036854775807", message.ErrInvalid},
		{"to zero", props(`{"to": 0}`), "source.props.to: must be an integer >= 1", message.ErrInvalid},
		{"to string", props(`{"to": "5"}`), "source.props.to: must be an integer >= 1", message.ErrInvalid},
		{"from equals to", props(`{"from": 10, "to": 10}`), "source.props.from: must be less than source.props.to (10 >= 10)", message.ErrInvalid},
		{"from after to", relm(`{"from": 11, "to": 10}`), "rel.from: must be less than rel.to (11 >= 10)", message.ErrInvalid},
		{"flat from after to", flat(`, "source_from": 10, "source_to": 10`), "source_from: must be less than source_to (10 >= 10)", message.ErrInvalid},
		{"flat from", flat(`, "source_from": -1`), "source_from: must be an integer >= 0", message.ErrInvalid},
		{"flat target to", flat(`, "target_label": "B", "target_name": "b", "target_to": 0`), "target_to: must be an integer >= 1", message.ErrInvalid},
		{"flat rel from", flat(`, "target_label": "B", "target_name": "b", "rel_from": 1.5`), "rel_from: must be an integer >= 0", message.ErrInvalid},
		{"props not object", props(`[1]`), "source.props: must be an object", message.ErrInvalid},
		{"rel not object", relm(`5`), "rel: must be an object", message.ErrInvalid},
		// keys
		{"unknown top key", `{"source": {"label": "A", "name": "a"}, "x": 1}`, `message: unknown key "x"`, message.ErrInvalid},
		{"unknown node key", `{"source": {"label": "A", "name": "a", "x": 1}}`, `source: unknown key "x"`, message.ErrInvalid},
		{"unknown props key", props(`{"x": 1}`), `source.props: unknown key "x"`, message.ErrInvalid},
		{"unknown rel key", relm(`{"x": 1}`), `rel: unknown key "x"`, message.ErrInvalid},
		{"unknown flat key", flat(`, "source_props": {}`), `message: unknown key "source_props"`, message.ErrInvalid},
		{"nested key in flat", flat(`, "target": {}`), `message: unknown key "target"`, message.ErrInvalid},
		{"flat key in nested", `{"source": {"label": "A", "name": "a"}, "target_label": "B"}`, `message: unknown key "target_label"`, message.ErrInvalid},
		{"escaped unknown key", `{"source": {"label": "A", "name": "a", "l\u00e0bel": 1}}`, `source: unknown key "làbel"`, message.ErrInvalid},
		{"long unknown key", `{"` + strings.Repeat("k", 100) + `": 1}`, `message: unknown key "` + strings.Repeat("k", 64) + `"…`, message.ErrInvalid},
		{"metadata not an object", `{"metadata": "x", "source_label": "A", "source_name": "a"}`, `message: unknown key "metadata"`, message.ErrInvalid},
		{"duplicate key", `{"source": {"label": "A", "name": "a", "label": "B"}}`, `source: duplicate key "label"`, message.ErrInvalid},
		{"duplicate escaped key", `{"source": {"label": "A", "name": "a"}, "\u0073ource": {"label": "A", "name": "a"}}`, `message: duplicate key "source"`, message.ErrInvalid},
		{"duplicate flat key", flat(`, "source_name": "b"`), `message: duplicate key "source_name"`, message.ErrInvalid},
		{"duplicate envelope", `{"metadata": {"source_label": "A", "source_name": "a"}, "metadata": 1}`, `message: duplicate key "metadata"`, message.ErrInvalid},
		{"source null", `{"source": null}`, "source: required", message.ErrInvalid},
		{"source not object", `{"source": "A/a"}`, "source: must be an object", message.ErrInvalid},
		{"target not object", `{"source": {"label": "A", "name": "a"}, "target": []}`, "target: must be an object", message.ErrInvalid},
		{"empty object", `{}`, "source_label: required", message.ErrInvalid},
		// flat target pairs and relation times
		{"target label alone", flat(`, "target_label": "B"`), "target_name: required with target_label", message.ErrInvalid},
		{"target name alone", flat(`, "target_name": "b"`), "target_label: required with target_name", message.ErrInvalid},
		{"rel without target", `{"source": {"label": "A", "name": "a"}, "rel": {"from": 1}}`, "rel: only allowed with a target", message.ErrInvalid},
		{"empty rel without target", `{"source": {"label": "A", "name": "a"}, "rel": {}}`, "rel: only allowed with a target", message.ErrInvalid},
		{"flat rel without target", flat(`, "rel_from": 1`), "rel_from: only allowed with a target", message.ErrInvalid},
		{"flat rel to without target", flat(`, "rel_to": 1`), "rel_to: only allowed with a target", message.ErrInvalid},
		{"flat target time without target", flat(`, "target_from": 1`), "target_from: only allowed with a target", message.ErrInvalid},
		// envelope paths
		{"envelope nested", `{"metadata": {"source": {"label": "a", "name": "a"}}}`, "metadata.source.label: " + labelErr, message.ErrInvalid},
		{"envelope flat", `{"metadata": {"source_label": "A"}}`, "metadata.source_name: required", message.ErrInvalid},
		{"envelope unknown key", `{"metadata": {"source": {"label": "A", "name": "a"}, "x": 1}}`, `metadata: unknown key "x"`, message.ErrInvalid},
		{"nested envelope", `{"metadata": {"metadata": {"source_label": "A", "source_name": "a"}}}`, `metadata: unknown key "metadata"`, message.ErrInvalid},
		// size and encoding
		{"too large", `{"source_label": "A", "source_name": "a", "x": "` + strings.Repeat("x", 64<<10) + `"}`, "message: larger than 65536 bytes", message.ErrTooLarge},
		{"invalid UTF-8", "{\"source_label\": \"A\", \"source_name\": \"a\xff\"}", "message: not valid UTF-8 at byte 39", message.ErrMalformed},
		{"invalid UTF-8 in ignored value", "{\"metadata\": {\"source_label\": \"A\", \"source_name\": \"a\"}, \"x\": \"\xc3\"}", "message: not valid UTF-8 at byte 62", message.ErrMalformed},
		{"empty", ``, "message: empty", message.ErrMalformed},
		{"blank", " \n", "message: empty", message.ErrMalformed},
		{"array", `[{"source_label": "A", "source_name": "a"}]`, "message: must be a JSON object", message.ErrMalformed},
		{"string", `"x"`, "message: must be a JSON object", message.ErrMalformed},
		{"null", `null`, "message: must be a JSON object", message.ErrMalformed},
		{"truncated", `{"source": `, "message: invalid JSON at byte 11: unexpected end of input", message.ErrMalformed},
		{"trailing data", `{"source_label": "A", "source_name": "a"} x`, "message: invalid JSON at byte 42: unexpected 'x'", message.ErrMalformed},
		{"two objects", `{} {}`, "message: invalid JSON at byte 3: unexpected '{'", message.ErrMalformed},
		{"trailing comma", `{"source_label": "A", "source_name": "a",}`, "message: invalid JSON at byte 41: unexpected '}'", message.ErrMalformed},
		{"single quotes", `{'source_label': 'A'}`, "message: invalid JSON at byte 1: unexpected '\\''", message.ErrMalformed},
		{"leading zero", `{"source_label": "A", "source_name": "a", "source_from": 01}`, "message: invalid JSON at byte 58: unexpected '1'", message.ErrMalformed},
		{"bare word", `{"source_label": "A", "source_name": "a", "source_from": nul}`, "message: invalid JSON at byte 57: invalid literal", message.ErrMalformed},
		{"bad escape", `{"source_label": "A", "source_name": "\x"}`, "message: invalid JSON at byte 39: invalid escape", message.ErrMalformed},
		{"raw control character", "{\"source_label\": \"A\", \"source_name\": \"a\tb\"}", "message: invalid JSON at byte 39: control character in string", message.ErrMalformed},
		{"deep nesting", `{"metadata": {"source_label": "A", "source_name": "a"}, "x": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
			"message: invalid JSON at byte 124: nested too deeply", message.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []depc.Event{exists(filer)}
			got, err := message.Decode(dst, []byte(tt.msg), at)
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if len(got) != 1 {
				t.Errorf("a rejected message changed dst: %+v", got)
			}
			if msg := depc.ErrorMessage(err); msg != tt.want {
				t.Errorf("reason\n got %s\nwant %s", msg, tt.want)
			}
			if !errors.Is(err, tt.class) {
				t.Errorf("class: %v is not %v", err, tt.class)
			}
			wantCode := depc.EINVALID
			if tt.class == message.ErrTooLarge {
				wantCode = depc.ETOOLARGE
			}
			if code := depc.ErrorCode(err); code != wantCode {
				t.Errorf("code %q, want %q", code, wantCode)
			}
		})
	}
}

// TestDecodeEscapedName checks that escapes decode before validation.
func TestDecodeEscapedName(t *testing.T) {
	got, err := message.Decode(nil, []byte(`{"source_label": "W\u0065bsite", "source_name": "foo\/bar\u002ecom"}`), at)
	if err != nil {
		t.Fatal(err)
	}
	if want := []depc.Event{exists(key("Website", "foo/bar.com"))}; !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestDecoderReuse checks that a Decoder gives the same results whatever
// it decoded before (it reuses its scratch space).
func TestDecoderReuse(t *testing.T) {
	msgs := []string{
		`{"source": {"label": "W\u0065bsite", "name": "f\u006f\u006f.com"}, "target": {"label": "Filer", "name": "filer\u0031"}, "rel": {"from": 3}}`,
		`{"source": {"label": "bad"}}`,
		`{"metadata": {"source_label": "Filer", "source_name": "filer1", "source_to": 4}}`,
		`{"source_label": "Website", "source_name": "foo.com", "target_label": "Filer", "target_name": "filer1"}`,
	}
	var d message.Decoder
	for round := range 3 {
		for i, m := range msgs {
			want, wantErr := message.Decode(nil, []byte(m), at)
			got, err := d.Decode(nil, []byte(m), at)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) || !slices.Equal(got, want) {
				t.Errorf("round %d message %d: got %+v %v, want %+v %v", round, i, got, err, want, wantErr)
			}
		}
	}
}
