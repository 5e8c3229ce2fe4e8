package qos_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/expr"
)

func rule(name string) expr.Expr { return expr.Expr{Kind: expr.Rule, Rule: name} }

func op(k expr.Kind, labels ...string) expr.Expr { return expr.Expr{Kind: k, Labels: labels} }

func atLeast(m int, labels ...string) expr.Expr {
	return expr.Expr{Kind: expr.ATLEAST, M: m, Labels: labels}
}

func ratio(r float64, labels ...string) expr.Expr {
	return expr.Expr{Kind: expr.RATIO, R: r, Labels: labels}
}

// testRules are the rules that exist for the config tests and testdata.
var testRules = map[string]bool{"Servers": true, "Server Ping": true, "Apache": true, "Http": true}

func ruleExists(name string) bool { return testRules[name] }

func mustDecode(t testing.TB, doc string) qos.Config {
	t.Helper()
	c, err := qos.DecodeConfig([]byte(doc))
	if err != nil {
		t.Fatalf("DecodeConfig(%s): %v", doc, err)
	}
	return c
}

// check decodes then validates a document, as PUT /config does.
func check(doc string) (qos.Config, error) {
	c, err := qos.DecodeConfig([]byte(doc))
	if err != nil {
		return nil, err
	}
	return c, c.Validate(ruleExists)
}

func TestDecodeConfigAPIExample(t *testing.T) {
	doc := `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.AND[Filer, Apache]"}, "Offer": {"qos": "aggregation.AVERAGE[Website]", "label": {"average.exclude": ["test-offer"]}}}`
	c := mustDecode(t, doc)
	want := qos.Config{
		"Filer":   {QoS: rule("Servers")},
		"Website": {QoS: op(expr.AND, "Filer", "Apache")},
		"Offer":   {QoS: op(expr.AVERAGE, "Website"), AverageExclude: []string{"test-offer"}},
	}
	if !c.Equal(want) {
		t.Fatalf("DecodeConfig = %#v\nwant %#v", c, want)
	}
	// Apache is listed but not configured in api.md's example.
	if err := c.Validate(ruleExists); err == nil || err.Error() != "Website.qos: label Apache is listed but not configured" {
		t.Errorf("Validate = %v", err)
	}
	c["Apache"] = qos.LabelConfig{QoS: rule("Apache")}
	if err := c.Validate(ruleExists); err != nil {
		t.Errorf("Validate: %v", err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON := `{"Apache":{"qos":"rule.Apache"},"Filer":{"qos":"rule.Servers"},"Offer":{"qos":"aggregation.AVERAGE[Website]","label":{"average.exclude":["test-offer"]}},"Website":{"qos":"operation.AND[Filer, Apache]"}}`
	if string(b) != wantJSON {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, wantJSON)
	}
	if !c["Offer"].Excludes("test-offer") || c["Offer"].Excludes("prod-offer") || c["Website"].Excludes("test-offer") {
		t.Error("Excludes does not follow average.exclude")
	}
}

func TestDecodeConfigAccepts(t *testing.T) {
	tests := []struct {
		name, doc string
		want      qos.Config
	}{
		{"white space", " \n\t{ \"Filer\" :\n{ \"qos\" : \"rule.Servers\" } }\n", qos.Config{"Filer": {QoS: rule("Servers")}}},
		{"label before qos", `{"Offer": {"label": {"average.exclude": ["a"]}, "qos": "aggregation.MIN[Website]"}}`,
			qos.Config{"Offer": {QoS: op(expr.MIN, "Website"), AverageExclude: []string{"a"}}}},
		{"empty exclusions", `{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": []}}}`, qos.Config{"Offer": {QoS: rule("Servers")}}},
		{"empty label object", `{"Offer": {"qos": "rule.Servers", "label": {}}}`, qos.Config{"Offer": {QoS: rule("Servers")}}},
		{"escaped key", `{"\u0046iler": {"\u0071os": "rule.Server\u0020Ping"}}`, qos.Config{"Filer": {QoS: rule("Server Ping")}}},
		{"exclusions keep their order", `{"A": {"qos": "rule.X", "label": {"average.exclude": ["z", "a", "m"]}}}`,
			qos.Config{"A": {QoS: rule("X"), AverageExclude: []string{"z", "a", "m"}}}},
		{"empty config", `{}`, qos.Config{}},
		{"unknown rule decodes (Validate rejects it)", `{"A": {"qos": "rule.Nope"}}`, qos.Config{"A": {QoS: rule("Nope")}}},
		{"unlisted label decodes (Validate rejects it)", `{"A": {"qos": "operation.OR[B]"}}`, qos.Config{"A": {QoS: op(expr.OR, "B")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustDecode(t, tc.doc)
			if !c.Equal(tc.want) {
				t.Errorf("DecodeConfig = %#v, want %#v", c, tc.want)
			}
		})
	}
}

func TestDecodeConfigRejects(t *testing.T) {
	long := strings.Repeat("A", 100)
	tests := []struct{ doc, want string }{
		// The document.
		{``, "config: unexpected end of JSON"},
		{`   `, "config: unexpected end of JSON"},
		{`null`, "config: must be a JSON object mapping labels to their settings, found null"},
		{`[]`, "config: must be a JSON object mapping labels to their settings, found an array"},
		{`[{"Filer": {"qos": "rule.Servers"}}]`, "config: must be a JSON object mapping labels to their settings, found an array"},
		{`"rule.Servers"`, "config: must be a JSON object mapping labels to their settings, found a string"},
		{`42`, "config: must be a JSON object mapping labels to their settings, found a number"},
		{`true`, "config: must be a JSON object mapping labels to their settings, found a boolean"},
		{`{`, "config: unexpected end of JSON"},
		{`{} {}`, "config: unexpected data after the JSON object at byte offset 4"},
		{`{}x`, "config: unexpected data after the JSON object at byte offset 2"},
		{`{"Filer": {"qos": "rule.Servers"}}]`, "config: unexpected data after the JSON object at byte offset 34"},
		{`{"Filer" {"qos": "rule.Servers"}}`, "Filer: invalid JSON at byte offset 9: invalid character '{' after object key"},
		{`{Filer: {"qos": "rule.Servers"}}`, "config: invalid JSON at byte offset 1: invalid character 'F'"},

		// Labels.
		{`{"filer": {"qos": "rule.Servers"}}`, `"filer": the label must start with an uppercase letter (labels match ^[A-Z]+[a-zA-Z0-9]*$)`},
		{`{"": {"qos": "rule.Servers"}}`, `config: label "" is empty (labels match ^[A-Z]+[a-zA-Z0-9]*$)`},
		{`{"Web site": {"qos": "rule.Servers"}}`, `"Web site": the label must match ^[A-Z]+[a-zA-Z0-9]*$`},
		{`{"` + long + `": {"qos": "rule.Servers"}}`, `"` + long[:64] + `"...: the label is longer than 64 bytes`},
		{`{"Filer": {"qos": "rule.Servers"}, "Filer": {"qos": "rule.Http"}}`, "Filer: configured twice (duplicate key)"},

		// A label's settings.
		{`{"Filer": "rule.Servers"}`, `Filer: must be an object holding "qos", found a string`},
		{`{"Filer": null}`, `Filer: must be an object holding "qos", found null`},
		{`{"Filer": ["rule.Servers"]}`, `Filer: must be an object holding "qos", found an array`},
		{`{"Filer": {}}`, "Filer.qos: missing (every label needs a qos expression)"},
		{`{"Filer": {"label": {"average.exclude": []}}}`, "Filer.qos: missing (every label needs a qos expression)"},
		{`{"Filer": {"qos": 3}}`, "Filer.qos: must be a string, found a number"},
		{`{"Filer": {"qos": 1e999}}`, "Filer.qos: must be a string, found a number"},
		{`{"Filer": {"qos": null}}`, "Filer.qos: must be a string, found null"},
		{`{"Filer": {"qos": false}}`, "Filer.qos: must be a string, found a boolean"},
		{`{"Filer": {"qos": ["rule.Servers"]}}`, "Filer.qos: must be a string, found an array"},
		{`{"Filer": {"qos": {"rule": "Servers"}}}`, "Filer.qos: must be a string, found an object"},
		{`{"Filer": {"qos": "rule.Servers", "qos": "rule.Http"}}`, "Filer.qos: duplicate key"},
		{`{"Filer": {"qos": "rule.Servers", "QoS": "rule.Http"}}`, `Filer: unknown key "QoS" (a label's settings hold only "qos" and "label")`},
		{`{"Filer": {"qos": "rule.Servers", "average.exclude": ["a"]}}`, `Filer: unknown key "average.exclude" (a label's settings hold only "qos" and "label")`},
		{`{"Filer": {"qos": "rule.Servers", "": 1}}`, `Filer: unknown key "" (a label's settings hold only "qos" and "label")`},
		{`{"Filer": {"qos": "rule.Servers",}}`, "Filer: invalid JSON at byte offset 33: invalid character '}' looking for beginning of object key string"},
		{`{"Filer": {"qos": "rule.Servers"`, "Filer: unexpected end of JSON"},
		{`{"Filer": {"qos": "rule.Servers"}`, "config: unexpected end of JSON"},

		// qos expressions: the parser's message, after the label.
		{`{"Filer": {"qos": ""}}`, "Filer.qos: column 1: empty expression; expected rule.NAME, operation.OP[...] or aggregation.OP[...]"},
		{`{"Filer": {"qos": "rule.Servers "}}`, "Filer.qos: column 13: rule name must not end with a space"},
		{`{"Website": {"qos": "operation.AND[]"}}`, `Website.qos: column 15: expected a label, found "]"`},
		{`{"Website": {"qos": "operation.ATLEAST(0)[Server]"}}`, "Website.qos: column 19: ATLEAST count must be at least 1, found 0"},
		{`{"Website": {"qos": "operation.RATIO(1.5)[Server]"}}`, "Website.qos: column 17: RATIO must be at most 1, found 1.5"},
		{`{"Website": {"qos": "operation.RATIO(0)[Server]"}}`, "Website.qos: column 17: RATIO must be greater than 0, found 0"},

		// The "label" settings.
		{`{"Offer": {"qos": "rule.Servers", "label": null}}`, `Offer.label: must be an object holding "average.exclude", found null`},
		{`{"Offer": {"qos": "rule.Servers", "label": ["a"]}}`, `Offer.label: must be an object holding "average.exclude", found an array`},
		{`{"Offer": {"qos": "rule.Servers", "label": {}, "label": {}}}`, "Offer.label: duplicate key"},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.include": ["a"]}}}`, `Offer.label: unknown key "average.include" ("label" holds only "average.exclude")`},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": [], "average.exclude": []}}}`, "Offer.label.average.exclude: duplicate key"},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": "a"}}}`, "Offer.label.average.exclude: must be an array of node names, found a string"},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": null}}}`, "Offer.label.average.exclude: must be an array of node names, found null"},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": ["a", 3]}}}`, "Offer.label.average.exclude[1]: must be a node name (a string), found a number"},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": [["a"]]}}}`, "Offer.label.average.exclude[0]: must be a node name (a string), found an array"},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": ["a b"]}}}`, `Offer.label.average.exclude[0]: node name "a b" must be printable ASCII without space, quotes, backslash or backtick`},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": ["ok", ""]}}}`, `Offer.label.average.exclude[1]: node name "" is empty`},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": ["caf\u00e9"]}}}`, `Offer.label.average.exclude[0]: node name "café" must be printable ASCII without space, quotes, backslash or backtick`},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": ["a", "b", "a"]}}}`, `Offer.label.average.exclude[2]: node name "a" is listed twice`},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": [` + manyNames(30) + `, "n20"]}}}`, `Offer.label.average.exclude[30]: node name "n20" is listed twice`},
		{`{"Offer": {"qos": "rule.Servers", "label": {"average.exclude": ["` + strings.Repeat("n", 513) + `"]}}}`,
			`Offer.label.average.exclude[0]: node name "` + strings.Repeat("n", 64) + `"... is longer than 512 bytes`},

		// The first error in the document wins.
		{`{"B": {"qos": "rule."}, "A": {"qos": "rule."}}`, "B.qos: column 6: expected a rule name, found end of expression"},
	}
	for _, tc := range tests {
		c, err := qos.DecodeConfig([]byte(tc.doc))
		if err == nil {
			t.Errorf("DecodeConfig(%s) = %v, want error %q", tc.doc, c, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("DecodeConfig(%s):\n got %s\nwant %s", tc.doc, err, tc.want)
		}
		var ce *qos.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("DecodeConfig(%s): error %T is not a *ConfigError", tc.doc, err)
		}
		if c != nil {
			t.Errorf("DecodeConfig(%s) returned a config with its error", tc.doc)
		}
		// json.Unmarshal into a Config says the same.
		var u qos.Config
		if err := json.Unmarshal([]byte(tc.doc), &u); err == nil {
			t.Errorf("json.Unmarshal(%s) succeeded", tc.doc)
		}
	}
}

func TestConfigErrorFields(t *testing.T) {
	_, err := qos.DecodeConfig([]byte(`{"Website": {"qos": "operation.AND[Filer,,]"}}`))
	var ce *qos.ConfigError
	if !errors.As(err, &ce) || ce.Label != "Website" || ce.Key != "qos" {
		t.Fatalf("error %#v: want a *ConfigError for Website.qos", err)
	}
	var ee *expr.SyntaxError
	if !errors.As(err, &ee) || ee.Column != 21 || ee.Msg != `expected a label, found ","` {
		t.Errorf("error %v: want its *expr.SyntaxError at column 21", err)
	}

	_, err = check(`{"Website": {"qos": "operation.AND[Filer]"}}`)
	if !errors.As(err, &ce) || ce.Label != "Website" || ce.Key != "qos" || ce.Msg != "label Filer is listed but not configured" {
		t.Errorf("error %#v", err)
	}

	for _, tc := range []struct {
		e    qos.ConfigError
		want string
	}{
		{qos.ConfigError{Msg: "m"}, "config: m"},
		{qos.ConfigError{Label: "A", Msg: "m"}, "A: m"},
		{qos.ConfigError{Label: "A", Key: "qos", Msg: "m"}, "A.qos: m"},
		{qos.ConfigError{Key: "qos", Msg: "m"}, "qos: m"},
		{qos.ConfigError{Label: "a\n", Key: "qos", Msg: "m"}, `"a\n".qos: m`},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%#v.Error() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestConfigMarshalJSON(t *testing.T) {
	// A document in canonical form is written back byte for byte.
	canonical := `{"Apache":{"qos":"operation.ATLEAST(2)[Server]"},"Cluster":{"qos":"operation.RATIO(0.35)[Server]"},` +
		`"Filer":{"qos":"rule.Servers"},"Mirror":{"qos":"operation.OR[Website, Cluster]"},` +
		`"Offer":{"qos":"aggregation.AVERAGE[Website]","label":{"average.exclude":["test-offer","demo.example.com"]}},` +
		`"Server":{"qos":"rule.'Server Ping'"},"Website":{"qos":"operation.AND[Filer, Apache]"}}`
	c := mustDecode(t, canonical)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != canonical {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, canonical)
	}

	// Anything else is written in canonical form.
	tests := []struct{ in, want string }{
		{`{ "B" : {"qos": "rule.'Servers'"}, "A": {"label": {}, "qos": "operation.AND()[ B,C ]"} }`,
			`{"A":{"qos":"operation.AND[B, C]"},"B":{"qos":"rule.Servers"}}`},
		{`{"A": {"qos": "rule.Server Ping", "label": {"average.exclude": []}}}`, `{"A":{"qos":"rule.'Server Ping'"}}`},
		{`{"A": {"qos": "operation.RATIO(.50)[B]"}}`, `{"A":{"qos":"operation.RATIO(0.5)[B]"}}`},
		{`{"A": {"qos": "operation.ATLEAST(01)[B]"}}`, `{"A":{"qos":"operation.ATLEAST(1)[B]"}}`},
		{`{"A": {"qos": "aggregation.MAX()[B]"}}`, `{"A":{"qos":"aggregation.MAX[B]"}}`},
		{`{"A": {"qos": "rule.R&D <ops>"}}`, `{"A":{"qos":"rule.'R\u0026D \u003cops\u003e'"}}`},
		{`{}`, `{}`},
	}
	for _, tc := range tests {
		c := mustDecode(t, tc.in)
		b, err := c.MarshalJSON()
		if err != nil {
			t.Errorf("MarshalJSON(%s): %v", tc.in, err)
			continue
		}
		if string(b) != tc.want {
			t.Errorf("MarshalJSON(%s) =\n%s\nwant\n%s", tc.in, b, tc.want)
		}
		if again := mustDecode(t, string(b)); !again.Equal(c) {
			t.Errorf("DecodeConfig(MarshalJSON(%s)) = %#v, want %#v", tc.in, again, c)
		}
	}

	if b, err := json.Marshal(qos.Config(nil)); err != nil || string(b) != "{}" {
		t.Errorf("Marshal(nil Config) = %s, %v; want {}", b, err)
	}
	_, err = json.Marshal(qos.Config{"A": {QoS: rule("Servers")}, "B": {QoS: atLeast(0, "A")}})
	if err == nil || !strings.Contains(err.Error(), "B.qos: ATLEAST count must be between 1 and 2147483647, found 0") {
		t.Errorf("Marshal of an invalid expression: %v", err)
	}
}

func TestConfigInStruct(t *testing.T) {
	// How a store or the API holds a config version.
	type version struct {
		ID     int        `json:"id"`
		Config qos.Config `json:"config"`
	}
	in := `{"id":7,"config":{"Filer":{"qos":"rule.Servers"},"Website":{"qos":"operation.OR[Filer]"}}}`
	var v version
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.ID != 7 || !v.Config.Equal(qos.Config{"Filer": {QoS: rule("Servers")}, "Website": {QoS: op(expr.OR, "Filer")}}) {
		t.Errorf("Unmarshal = %#v", v)
	}
	out, err := json.Marshal(v)
	if err != nil || string(out) != in {
		t.Errorf("Marshal = %s, %v; want %s", out, err, in)
	}
	err = json.Unmarshal([]byte(`{"id":7,"config":{"Filer":{"qos":"rule.Servers","x":1}}}`), &v)
	if err == nil || !strings.Contains(err.Error(), `Filer: unknown key "x"`) {
		t.Errorf("Unmarshal of a bad config: %v", err)
	}

	// One label's settings alone.
	var lc qos.LabelConfig
	if err := json.Unmarshal([]byte(`{"qos": "aggregation.MIN[A]", "label": {"average.exclude": ["x"]}}`), &lc); err != nil {
		t.Fatal(err)
	}
	if want := (qos.LabelConfig{QoS: op(expr.MIN, "A"), AverageExclude: []string{"x"}}); !lc.Equal(want) {
		t.Errorf("LabelConfig = %#v, want %#v", lc, want)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"qos": "rule."}`, "qos: column 6: expected a rule name, found end of expression"},
		{`{"qos": "rule.A", "z": 1}`, `config: unknown key "z" (a label's settings hold only "qos" and "label")`},
		{`{"qos": "rule.A"} 1`, "config: unexpected data after the JSON object at byte offset 19"},
	} {
		err := lc.UnmarshalJSON([]byte(tc.in))
		if err == nil || err.Error() != tc.want {
			t.Errorf("UnmarshalJSON(%s) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name, doc string
		want      string // "" when valid
	}{
		// Rules.
		{"rule exists", `{"Filer": {"qos": "rule.Servers"}}`, ""},
		{"quoted rule exists", `{"Server": {"qos": "rule.'Server Ping'"}}`, ""},
		{"unquoted rule with a space exists", `{"Server": {"qos": "rule.Server Ping"}}`, ""},
		{"unknown rule", `{"Filer": {"qos": "rule.Server"}}`, `Filer.qos: rule "Server" does not exist`},
		{"rule names are case-sensitive", `{"Filer": {"qos": "rule.servers"}}`, `Filer.qos: rule "servers" does not exist`},
		{"unknown quoted rule", `{"Server": {"qos": "rule.'Server Pong'"}}`, `Server.qos: rule "Server Pong" does not exist`},

		// Listed labels.
		{"listed label configured", `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.AND[Filer]"}}`, ""},
		{"listed label missing", `{"Filer": {"qos": "rule.Servers"}, "Website": {"qos": "operation.AND[Filer, Apache]"}}`,
			"Website.qos: label Apache is listed but not configured"},
		{"aggregation lists a missing label", `{"Offer": {"qos": "aggregation.AVERAGE[Website]"}}`,
			"Offer.qos: label Website is listed but not configured"},
		{"first missing label in list order", `{"W": {"qos": "operation.OR[Z, Y]"}}`, "W.qos: label Z is listed but not configured"},

		// Cycles.
		{"self cycle", `{"Filer": {"qos": "operation.AND[Filer]"}}`, "Filer.qos: label Filer lists itself"},
		{"self cycle through an aggregation", `{"Offer": {"qos": "aggregation.MAX[Offer]"}}`, "Offer.qos: label Offer lists itself"},
		{"self cycle among others", `{"A": {"qos": "rule.Http"}, "B": {"qos": "operation.OR[A, B]"}}`, "B.qos: label B lists itself"},
		{"two-label cycle", `{"Website": {"qos": "operation.AND[Filer]"}, "Filer": {"qos": "operation.OR[Website]"}}`,
			"Filer.qos: labels form a cycle: Filer -> Website -> Filer"},
		{"three-label cycle named from its smallest label", `{"Z": {"qos": "operation.AND[X]"}, "X": {"qos": "operation.AND[Y]"}, "Y": {"qos": "operation.AND[Z]"}}`,
			"X.qos: labels form a cycle: X -> Y -> Z -> X"},
		{"cycle below a valid label", `{"A": {"qos": "operation.AND[B]"}, "B": {"qos": "operation.AND[C]"}, "C": {"qos": "operation.AND[D]"}, "D": {"qos": "operation.AND[C]"}}`,
			"C.qos: labels form a cycle: C -> D -> C"},
		{"ten-label cycle in full", cycleDoc(10), "L0.qos: labels form a cycle: L0 -> L1 -> L2 -> L3 -> L4 -> L5 -> L6 -> L7 -> L8 -> L9 -> L0"},
		{"eleven-label cycle cut", cycleDoc(11), "L0.qos: labels form a cycle: L0 -> L1 -> L10 -> L2 -> L3 -> L4 -> L5 -> L6 -> L7 -> L8 -> ... -> L0 (11 labels)"},
		{"cycle of aggregations", `{"A": {"qos": "aggregation.MIN[B]"}, "B": {"qos": "aggregation.MAX[A]"}}`,
			"A.qos: labels form a cycle: A -> B -> A"},
		{"diamond is no cycle", `{"L": {"qos": "rule.Http"}, "M": {"qos": "operation.OR[L]"}, "N": {"qos": "operation.OR[L]"}, "T": {"qos": "operation.AND[M, N]"}}`, ""},

		// Aggregations feed only aggregations.
		{"aggregation feeds AND", `{"W": {"qos": "rule.Http"}, "O": {"qos": "aggregation.AVERAGE[W]"}, "C": {"qos": "operation.AND[O]"}}`,
			"C.qos: operation.AND cannot list O: O is computed by aggregation.AVERAGE, which gives a QoS, not a timeline (only an aggregation may list it)"},
		{"aggregation feeds OR", `{"W": {"qos": "rule.Http"}, "O": {"qos": "aggregation.MIN[W]"}, "C": {"qos": "operation.OR[W, O]"}}`,
			"C.qos: operation.OR cannot list O: O is computed by aggregation.MIN, which gives a QoS, not a timeline (only an aggregation may list it)"},
		{"aggregation feeds ATLEAST", `{"W": {"qos": "rule.Http"}, "O": {"qos": "aggregation.MAX[W]"}, "C": {"qos": "operation.ATLEAST(1)[O]"}}`,
			"C.qos: operation.ATLEAST cannot list O: O is computed by aggregation.MAX, which gives a QoS, not a timeline (only an aggregation may list it)"},
		{"aggregation feeds RATIO", `{"W": {"qos": "rule.Http"}, "O": {"qos": "aggregation.MAX[W]"}, "C": {"qos": "operation.RATIO(0.5)[W, O]"}}`,
			"C.qos: operation.RATIO cannot list O: O is computed by aggregation.MAX, which gives a QoS, not a timeline (only an aggregation may list it)"},
		{"aggregation feeds aggregation", `{"W": {"qos": "rule.Http"}, "O": {"qos": "aggregation.AVERAGE[W]"}, "C": {"qos": "aggregation.MIN[O, W]"}}`, ""},
		{"aggregation of an operation", `{"W": {"qos": "rule.Http"}, "S": {"qos": "operation.AND[W]"}, "O": {"qos": "aggregation.AVERAGE[S]"}}`, ""},
		{"operation of operations", `{"W": {"qos": "rule.Http"}, "S": {"qos": "operation.AND[W]"}, "T": {"qos": "operation.RATIO(1)[S, W]"}}`, ""},

		// The whole config.
		{"empty config", `{}`, "config: no label is configured"},
		{"labels are checked in sorted order", `{"Zeta": {"qos": "rule.Nope"}, "Alpha": {"qos": "operation.AND[Missing]"}}`,
			"Alpha.qos: label Missing is listed but not configured"},
		{"local problems before cycles", `{"A": {"qos": "operation.AND[B]"}, "B": {"qos": "operation.AND[A]"}, "C": {"qos": "rule.Nope"}}`,
			`C.qos: rule "Nope" does not exist`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustDecode(t, tc.doc)
			// Validate is deterministic although maps are iterated in
			// random order: ask several times.
			for range 10 {
				err := c.Validate(ruleExists)
				switch {
				case tc.want == "" && err != nil:
					t.Fatalf("Validate: %v", err)
				case tc.want != "" && (err == nil || err.Error() != tc.want):
					t.Fatalf("Validate = %v\n           want %s", err, tc.want)
				}
			}
		})
	}
}

func TestConfigValidateWithoutRules(t *testing.T) {
	c := mustDecode(t, `{"Filer": {"qos": "rule.Anything"}, "W": {"qos": "operation.OR[Filer]"}}`)
	if err := c.Validate(nil); err != nil {
		t.Errorf("Validate(nil) checked rules: %v", err)
	}
	if err := c.Validate(func(string) bool { return false }); err == nil || err.Error() != `Filer.qos: rule "Anything" does not exist` {
		t.Errorf("Validate(no rule) = %v", err)
	}
	var asked []string
	_ = c.Validate(func(n string) bool { asked = append(asked, n); return true })
	if !slices.Equal(asked, []string{"Anything"}) {
		t.Errorf("Validate asked for rules %q, want [Anything]", asked)
	}
}

// TestConfigValidateBuiltInCode covers configs built in code, which
// DecodeConfig did not see.
func TestConfigValidateBuiltInCode(t *testing.T) {
	ok := qos.LabelConfig{QoS: rule("Servers")}
	tests := []struct {
		name string
		c    qos.Config
		want string
	}{
		{"nil config", nil, "config: no label is configured"},
		{"invalid label", qos.Config{"Bad label": ok}, `"Bad label": the label must match ^[A-Z]+[a-zA-Z0-9]*$`},
		{"zero expression", qos.Config{"A": {}}, "A.qos: unknown expression kind 0"},
		{"ATLEAST(0)", qos.Config{"A": ok, "B": {QoS: atLeast(0, "A")}}, "B.qos: ATLEAST count must be between 1 and 2147483647, found 0"},
		{"RATIO(0)", qos.Config{"A": ok, "B": {QoS: ratio(0, "A")}}, "B.qos: RATIO must be greater than 0 and at most 1, found 0"},
		{"RATIO(1.01)", qos.Config{"A": ok, "B": {QoS: ratio(1.01, "A")}}, "B.qos: RATIO must be greater than 0 and at most 1, found 1.01"},
		{"empty list", qos.Config{"B": {QoS: op(expr.AND)}}, "B.qos: operation.AND lists no label"},
		{"duplicate in list", qos.Config{"A": ok, "B": {QoS: op(expr.AND, "A", "A")}}, "B.qos: label A is listed twice"},
		{"bad exclusion", qos.Config{"A": {QoS: rule("Servers"), AverageExclude: []string{"x", "y z"}}},
			`A.label.average.exclude[1]: node name "y z" must be printable ASCII without space, quotes, backslash or backtick`},
		{"valid", qos.Config{"A": ok, "B": {QoS: ratio(0.5, "A"), AverageExclude: []string{"b1"}}}, ""},
	}
	for _, tc := range tests {
		err := tc.c.Validate(ruleExists)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: Validate: %v", tc.name, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%s: Validate = %v\n want %s", tc.name, err, tc.want)
		}
	}
}

func TestConfigTopoOrder(t *testing.T) {
	tutorial := `{
		"Server": {"qos": "rule.'Server Ping'"},
		"Filer": {"qos": "rule.Servers"},
		"Apache": {"qos": "operation.ATLEAST(2)[Server]"},
		"Website": {"qos": "operation.AND[Filer, Apache]"},
		"Offer": {"qos": "aggregation.AVERAGE[Website]"},
		"Customer": {"qos": "aggregation.MIN[Offer]"},
		"Other": {"qos": "rule.Http"}}`
	tests := []struct {
		name, doc string
		roots     []string
		want      []string
		err       string
	}{
		{"single", `{"A": {"qos": "rule.Http"}}`, nil, []string{"A"}, ""},
		{"independent labels sorted", `{"C": {"qos": "rule.Http"}, "A": {"qos": "rule.Http"}, "B": {"qos": "rule.Http"}}`, nil, []string{"A", "B", "C"}, ""},
		{"chain against name order", `{"A": {"qos": "operation.OR[B]"}, "B": {"qos": "operation.OR[C]"}, "C": {"qos": "rule.Http"}}`, nil, []string{"C", "B", "A"}, ""},
		{"diamond", `{"T": {"qos": "operation.AND[N, M]"}, "M": {"qos": "operation.OR[L]"}, "N": {"qos": "operation.OR[L]"}, "L": {"qos": "rule.Http"}}`,
			nil, []string{"L", "M", "N", "T"}, ""},
		{"smallest ready label first", `{"B": {"qos": "rule.Http"}, "A": {"qos": "operation.OR[B]"}, "C": {"qos": "rule.Http"}}`,
			nil, []string{"B", "A", "C"}, ""},
		{"tutorial", tutorial, nil, []string{"Filer", "Other", "Server", "Apache", "Website", "Offer", "Customer"}, ""},
		{"one root", tutorial, []string{"Website"}, []string{"Filer", "Server", "Apache", "Website"}, ""},
		{"root is a leaf", tutorial, []string{"Server"}, []string{"Server"}, ""},
		{"two roots", tutorial, []string{"Offer", "Other"}, []string{"Filer", "Other", "Server", "Apache", "Website", "Offer"}, ""},
		{"repeated roots", tutorial, []string{"Apache", "Apache"}, []string{"Server", "Apache"}, ""},
		{"unknown root", tutorial, []string{"Nope"}, nil, `config: label "Nope" is not configured`},
		{"cycle", `{"A": {"qos": "operation.OR[B]"}, "B": {"qos": "operation.OR[A]"}, "C": {"qos": "rule.Http"}}`, nil, nil,
			"A.qos: labels form a cycle: A -> B -> A"},
		{"cycle below", `{"P": {"qos": "operation.OR[A]"}, "A": {"qos": "operation.OR[B]"}, "B": {"qos": "operation.OR[A]"}}`, nil, nil,
			"A.qos: labels form a cycle: A -> B -> A"},
		{"self cycle", `{"A": {"qos": "operation.OR[A]"}}`, nil, nil, "A.qos: label A lists itself"},
		{"cycle outside the roots' subgraph", `{"A": {"qos": "rule.Http"}, "B": {"qos": "operation.OR[C]"}, "C": {"qos": "operation.OR[B]"}}`,
			[]string{"A"}, []string{"A"}, ""},
		{"missing label", `{"A": {"qos": "operation.OR[B]"}}`, nil, nil, "A.qos: label B is listed but not configured"},
		{"missing label below a root", `{"A": {"qos": "operation.OR[B]"}, "B": {"qos": "operation.OR[C]"}}`, []string{"A"}, nil,
			"B.qos: label C is listed but not configured"},
		{"empty config", `{}`, nil, []string{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustDecode(t, tc.doc)
			for range 10 { // deterministic despite map order
				got, err := c.TopoOrder(tc.roots...)
				if tc.err != "" {
					if err == nil || err.Error() != tc.err {
						t.Fatalf("TopoOrder(%q) = %q, %v; want error %q", tc.roots, got, err, tc.err)
					}
					var ce *qos.ConfigError
					if !errors.As(err, &ce) {
						t.Fatalf("TopoOrder error %T is not a *ConfigError", err)
					}
					continue
				}
				if err != nil || !slices.Equal(got, tc.want) {
					t.Fatalf("TopoOrder(%q) = %q, %v; want %q", tc.roots, got, err, tc.want)
				}
				checkTopoOrder(t, c, got)
			}
		})
	}
}

// cycleDoc returns a config whose n labels form one cycle, each listing
// the next in name order.
func cycleDoc(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = "L" + strconv.Itoa(i)
	}
	slices.Sort(names)
	var parts []string
	for i, l := range names {
		parts = append(parts, `"`+l+`": {"qos": "operation.AND[`+names[(i+1)%n]+`]"}`)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// manyNames returns `"n0", "n1", …` with n names.
func manyNames(n int) string {
	ns := make([]string, n)
	for i := range ns {
		ns[i] = `"n` + strconv.Itoa(i) + `"`
	}
	return strings.Join(ns, ", ")
}

// TestConfigLarge checks a config near the API's 1 MiB body limit: a chain
// of 20 000 labels and a label excluding 50 000 names. Every check must be
// linear (or n log n) for this to pass quickly, and the cycle search must
// not recurse per label.
func TestConfigLarge(t *testing.T) {
	const n = 20000
	var b strings.Builder
	b.WriteString(`{"L0": {"qos": "rule.Http", "label": {"average.exclude": [` + manyNames(50000) + `]}}`)
	for i := 1; i < n; i++ {
		b.WriteString(`, "L` + strconv.Itoa(i) + `": {"qos": "operation.OR[L` + strconv.Itoa(i-1) + `]"}`)
	}
	b.WriteString(`}`)
	c, err := check(b.String())
	if err != nil {
		t.Fatal(err)
	}
	order, err := c.TopoOrder()
	if err != nil || len(order) != n || order[0] != "L0" || order[n-1] != "L"+strconv.Itoa(n-1) {
		t.Fatalf("TopoOrder: %d labels, %v", len(order), err)
	}
	checkTopoOrder(t, c, order)

	// Close the chain into one long cycle.
	c["L0"] = qos.LabelConfig{QoS: op(expr.OR, "L"+strconv.Itoa(n-1))}
	err = c.Validate(ruleExists)
	want := "L0.qos: labels form a cycle: L0 -> L19999 -> L19998 -> L19997 -> L19996 -> L19995 -> L19994 -> L19993 -> L19992 -> L19991 -> ... -> L0 (20000 labels)"
	if err == nil || err.Error() != want {
		t.Fatalf("Validate of a long cycle: %.300v\nwant %s", err, want)
	}
}

// checkTopoOrder checks that order has no duplicate and lists every label
// after the labels it lists.
func checkTopoOrder(t testing.TB, c qos.Config, order []string) {
	t.Helper()
	pos := make(map[string]int, len(order))
	for i, l := range order {
		if _, dup := pos[l]; dup {
			t.Fatalf("order %q holds %s twice", order, l)
		}
		pos[l] = i
	}
	for i, l := range order {
		for _, dep := range c[l].QoS.Labels {
			j, ok := pos[dep]
			if !ok || j >= i {
				t.Fatalf("order %q: %s comes before %s, which it lists", order, l, dep)
			}
		}
	}
}

func TestConfigHelpers(t *testing.T) {
	c := mustDecode(t, `{"S": {"qos": "rule.'Server Ping'"}, "F": {"qos": "rule.Servers"}, "G": {"qos": "rule.Servers"},
		"W": {"qos": "operation.AND[F, S]"}, "O": {"qos": "aggregation.MAX[W]", "label": {"average.exclude": ["x", "y"]}}}`)
	if got, want := c.Labels(), []string{"F", "G", "O", "S", "W"}; !slices.Equal(got, want) {
		t.Errorf("Labels() = %q, want %q", got, want)
	}
	if got, want := c.RuleNames(), []string{"Server Ping", "Servers"}; !slices.Equal(got, want) {
		t.Errorf("RuleNames() = %q, want %q", got, want)
	}
	if got := (qos.Config{}).RuleNames(); len(got) != 0 {
		t.Errorf("RuleNames() of an empty config = %q", got)
	}
	o := c["O"]
	if !o.Excludes("x") || !o.Excludes("y") || o.Excludes("z") || o.Excludes("") {
		t.Error("Excludes does not follow average.exclude")
	}
	// What a run reads for a label.
	w := c["W"].QoS
	if w.Kind != expr.AND || !slices.Equal(w.Labels, []string{"F", "S"}) {
		t.Errorf("W = %#v", w)
	}
	if s := c["S"].QoS; s.Kind != expr.Rule || s.Rule != "Server Ping" {
		t.Errorf("S = %#v", s)
	}

	d := mustDecode(t, `{"S": {"qos": "rule.Server Ping"}, "F": {"qos": "rule.Servers"}, "G": {"qos": "rule.Servers"},
		"W": {"qos": "operation.AND()[F,S]"}, "O": {"qos": "aggregation.MAX[W]", "label": {"average.exclude": ["x", "y"]}}}`)
	if !c.Equal(d) || !d.Equal(c) {
		t.Error("equal configs are not Equal")
	}
	for _, e := range []qos.Config{
		{},
		mustDecode(t, `{"S": {"qos": "rule.Servers"}}`),
		mustDecode(t, `{"S": {"qos": "rule.'Server Ping'"}, "F": {"qos": "rule.Servers"}, "G": {"qos": "rule.Servers"},
		"W": {"qos": "operation.AND[F, S]"}, "O": {"qos": "aggregation.MAX[W]", "label": {"average.exclude": ["y", "x"]}}}`),
		mustDecode(t, `{"S": {"qos": "rule.'Server Ping'"}, "F": {"qos": "rule.Servers"}, "H": {"qos": "rule.Servers"},
		"W": {"qos": "operation.AND[F, S]"}, "O": {"qos": "aggregation.MAX[W]", "label": {"average.exclude": ["x", "y"]}}}`),
	} {
		if c.Equal(e) || e.Equal(c) {
			t.Errorf("%v.Equal(%v) = true", c, e)
		}
	}
}

// TestConfigTestdata runs the documents of testdata/config (see its
// README.md).
func TestConfigTestdata(t *testing.T) {
	valid, _ := filepath.Glob("testdata/config/valid/*.json")
	invalid, _ := filepath.Glob("testdata/config/invalid/*.json")
	if len(valid) == 0 || len(invalid) == 0 {
		t.Fatal("no testdata/config documents")
	}
	for _, path := range valid {
		t.Run(filepath.Base(path), func(t *testing.T) {
			doc, wantOrder := readFile(t, path), readFile(t, strings.TrimSuffix(path, ".json")+".order")
			c, err := check(doc)
			if err != nil {
				t.Fatal(err)
			}
			order, err := c.TopoOrder()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(order, "\n"); got != strings.TrimSpace(wantOrder) {
				t.Errorf("TopoOrder =\n%s\nwant\n%s", got, wantOrder)
			}
			b, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if again := mustDecode(t, string(b)); !again.Equal(c) {
				t.Errorf("round trip through %s changed the config", b)
			}
		})
	}
	for _, path := range invalid {
		t.Run(filepath.Base(path), func(t *testing.T) {
			doc, want := readFile(t, path), strings.TrimSpace(readFile(t, strings.TrimSuffix(path, ".json")+".err"))
			_, err := check(doc)
			if err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
		})
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOperationOfAndAggregatorOf(t *testing.T) {
	tests := []struct {
		expr  string
		op    qos.Operation
		isOp  bool
		agg   qos.Aggregator
		isAgg bool
	}{
		{"rule.Servers", qos.Operation{}, false, 0, false},
		{"operation.AND[A]", qos.Operation{Operator: qos.And}, true, 0, false},
		{"operation.OR[A]", qos.Operation{Operator: qos.Or}, true, 0, false},
		{"operation.ATLEAST(3)[A]", qos.Operation{Operator: qos.AtLeast, M: 3}, true, 0, false},
		{"operation.RATIO(.35)[A]", qos.Operation{Operator: qos.Ratio, R: 0.35}, true, 0, false},
		{"aggregation.AVERAGE[A]", qos.Operation{}, false, qos.Average, true},
		{"aggregation.MIN[A]", qos.Operation{}, false, qos.Min, true},
		{"aggregation.MAX[A]", qos.Operation{}, false, qos.Max, true},
	}
	for _, tc := range tests {
		e, err := expr.Parse(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		gotOp, isOp := qos.OperationOf(e)
		if gotOp != tc.op || isOp != tc.isOp {
			t.Errorf("OperationOf(%s) = %v, %v; want %v, %v", tc.expr, gotOp, isOp, tc.op, tc.isOp)
		}
		if isOp {
			if err := gotOp.Validate(); err != nil {
				t.Errorf("OperationOf(%s).Validate(): %v", tc.expr, err)
			}
		}
		gotAgg, isAgg := qos.AggregatorOf(e)
		if gotAgg != tc.agg || isAgg != tc.isAgg {
			t.Errorf("AggregatorOf(%s) = %v, %v; want %v, %v", tc.expr, gotAgg, isAgg, tc.agg, tc.isAgg)
		}
	}
}
