package qos

import (
	"bytes"
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/depc-dev/depc/qos/expr"
	"github.com/depc-dev/depc/qos/naming"
)

// Config is a team's config (semantics §7): for each label, how its nodes
// get their QoS. Its JSON form is the body of PUT /teams/{team}/config:
//
//	{"Filer": {"qos": "rule.Servers"},
//	 "Website": {"qos": "operation.AND[Filer, Apache]"},
//	 "Offer": {"qos": "aggregation.AVERAGE[Website]",
//	           "label": {"average.exclude": ["test-offer"]}}}
//
// DecodeConfig reads that form strictly; MarshalJSON writes it back with
// labels sorted and every qos expression in canonical form (expr.Expr.String),
// so a decoded config written out and decoded again is equal to itself,
// and a document already in that form is written back byte for byte.
// Validate checks what holds across labels; TopoOrder gives the order a run
// computes labels in.
type Config map[string]LabelConfig

// LabelConfig is the config of one label.
type LabelConfig struct {
	// QoS is how the label's nodes get their QoS.
	QoS expr.Expr
	// AverageExclude are node names left out of the label's daily
	// average and worst-node list, in the order written (JSON:
	// "label": {"average.exclude": […]}). The nodes keep their own QoS
	// and still feed their parents. Empty is written as nil.
	AverageExclude []string
}

// Excludes reports whether the node name is left out of the label's
// average. It scans the list: a caller asking for many nodes of a label
// with a long list builds a set once instead.
func (lc LabelConfig) Excludes(name string) bool { return slices.Contains(lc.AverageExclude, name) }

// Equal reports whether lc and o are the same settings.
func (lc LabelConfig) Equal(o LabelConfig) bool {
	return lc.QoS.Equal(o.QoS) && slices.Equal(lc.AverageExclude, o.AverageExclude)
}

// Equal reports whether c and d configure the same labels the same way.
func (c Config) Equal(d Config) bool {
	if len(c) != len(d) {
		return false
	}
	for l, lc := range c {
		o, ok := d[l]
		if !ok || !lc.Equal(o) {
			return false
		}
	}
	return true
}

// Labels returns the configured labels, sorted.
func (c Config) Labels() []string {
	ls := make([]string, 0, len(c))
	for l := range c {
		ls = append(ls, l)
	}
	slices.Sort(ls)
	return ls
}

// RuleNames returns the names of the rules the config uses, sorted,
// without duplicates.
func (c Config) RuleNames() []string {
	var names []string
	for _, lc := range c {
		if lc.QoS.Kind == expr.Rule {
			names = append(names, lc.QoS.Rule)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// OperationOf is the engine operation of an operation expression, and
// false for any other kind.
func OperationOf(e expr.Expr) (Operation, bool) {
	switch e.Kind {
	case expr.AND:
		return Operation{Operator: And}, true
	case expr.OR:
		return Operation{Operator: Or}, true
	case expr.ATLEAST:
		return Operation{Operator: AtLeast, M: e.M}, true
	case expr.RATIO:
		return Operation{Operator: Ratio, R: e.R}, true
	}
	return Operation{}, false
}

// AggregatorOf is the engine aggregator of an aggregation expression, and
// false for any other kind.
func AggregatorOf(e expr.Expr) (Aggregator, bool) {
	switch e.Kind {
	case expr.AVERAGE:
		return Average, true
	case expr.MIN:
		return Min, true
	case expr.MAX:
		return Max, true
	}
	return 0, false
}

// ConfigError is an invalid config. Its message starts with the label
// being configured and, when there is one, the key inside its settings:
// `Website.qos: label Apache is listed but not configured`.
type ConfigError struct {
	// Label is the label being configured; "" when the error concerns
	// the document as a whole.
	Label string
	// Key is where in the label's settings: "qos", "label",
	// "label.average.exclude", "label.average.exclude[2]"; "" for the
	// label's settings as a whole.
	Key string
	// Msg says what is wrong.
	Msg string
	// Err is the cause, when there is one: the *expr.SyntaxError of a qos that
	// does not parse, the *json.SyntaxError of malformed JSON.
	Err error
}

func (e *ConfigError) Error() string {
	var path string
	switch {
	case e.Label == "":
		path = e.Key
	case naming.LabelProblem(e.Label) != "":
		path = naming.Quote(e.Label)
	default:
		path = e.Label
	}
	if e.Label != "" && e.Key != "" {
		path += "." + e.Key
	}
	if path == "" {
		path = "config"
	}
	return path + ": " + e.Msg
}

func (e *ConfigError) Unwrap() error { return e.Err }

// DecodeConfig reads a config from its JSON form. It rejects, with a
// *ConfigError naming the label and the key: malformed JSON, a document
// that is not one object, an invalid label, a label configured twice, a
// label whose settings are not an object or hold a key other than "qos"
// and "label" (or "qos" twice), a missing or non-string "qos", a qos
// expression that does not parse (the *expr.SyntaxError is the cause), a "label"
// holding anything but "average.exclude", and an "average.exclude" that is
// not an array of distinct node names. "label": {} and
// "average.exclude": [] are accepted and mean no exclusion (MarshalJSON
// then leaves "label" out). It does not check what spans labels: see
// Validate.
func DecodeConfig(data []byte) (Config, error) {
	d := cfgNewDecoder(data)
	tok, err := d.token("")
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, &ConfigError{Msg: "must be a JSON object mapping labels to their settings, found " + cfgDescribe(tok)}
	}
	c := Config{}
	for d.More() {
		tok, err := d.token("")
		if err != nil {
			return nil, err
		}
		label := tok.(string) // json.Decoder only gives strings as keys
		if err := cfgCheckLabel(label); err != nil {
			return nil, err
		}
		if _, dup := c[label]; dup {
			return nil, &ConfigError{Label: label, Msg: "configured twice (duplicate key)"}
		}
		lc, err := d.labelConfig(label)
		if err != nil {
			return nil, err
		}
		c[label] = lc
	}
	if _, err := d.token(""); err != nil { // the closing '}'
		return nil, err
	}
	if err := d.end(""); err != nil {
		return nil, err
	}
	return c, nil
}

// UnmarshalJSON is DecodeConfig.
func (c *Config) UnmarshalJSON(data []byte) error {
	x, err := DecodeConfig(data)
	if err != nil {
		return err
	}
	*c = x
	return nil
}

// UnmarshalJSON reads one label's settings as DecodeConfig does; its
// errors name no label.
func (lc *LabelConfig) UnmarshalJSON(data []byte) error {
	d := cfgNewDecoder(data)
	x, err := d.labelConfig("")
	if err != nil {
		return err
	}
	if err := d.end(""); err != nil {
		return err
	}
	*lc = x
	return nil
}

// MarshalJSON writes the config with labels sorted; a nil Config is {}.
// It fails on an expr.Expr that does not validate.
func (c Config) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, l := range c.Labels() {
		if i > 0 {
			b.WriteByte(',')
		}
		lj, err := c[l].MarshalJSON()
		if err != nil {
			return nil, &ConfigError{Label: l, Key: "qos", Msg: err.Error()}
		}
		cfgWriteString(&b, l)
		b.WriteByte(':')
		b.Write(lj)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalJSON writes {"qos": "…"} and, when there are exclusions,
// "label": {"average.exclude": […]}.
func (lc LabelConfig) MarshalJSON() ([]byte, error) {
	q, err := lc.QoS.MarshalText()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`{"qos":`)
	cfgWriteString(&b, string(q))
	if len(lc.AverageExclude) > 0 {
		b.WriteString(`,"label":{"average.exclude":[`)
		for i, n := range lc.AverageExclude {
			if i > 0 {
				b.WriteByte(',')
			}
			cfgWriteString(&b, n)
		}
		b.WriteString(`]}`)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func cfgWriteString(b *bytes.Buffer, s string) {
	j, _ := json.Marshal(s) // a string always marshals
	b.Write(j)
}

// cfgDecoder walks the JSON tokens of a config, so that duplicate keys,
// unknown keys and wrong types are caught where they are, with the label
// they belong to, and nothing deeper than a config is ever built.
type cfgDecoder struct{ *json.Decoder }

func cfgNewDecoder(data []byte) cfgDecoder {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber() // a number is always an error; never fail converting it
	return cfgDecoder{d}
}

// token reads the next token; a syntax error names the label being read.
func (d cfgDecoder) token(label string) (json.Token, error) {
	tok, err := d.Token()
	if err == nil {
		return tok, nil
	}
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return nil, &ConfigError{Label: label, Msg: fmt.Sprintf("invalid JSON at byte offset %d: %v", syn.Offset, syn), Err: err}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, &ConfigError{Label: label, Msg: "unexpected end of JSON", Err: err}
	}
	return nil, &ConfigError{Label: label, Msg: "invalid JSON: " + err.Error(), Err: err}
}

// end checks that nothing but white space follows the value just read.
func (d cfgDecoder) end(label string) error {
	if _, err := d.Token(); err != io.EOF {
		return &ConfigError{Label: label, Msg: fmt.Sprintf("unexpected data after the JSON object at byte offset %d", d.InputOffset())}
	}
	return nil
}

func (d cfgDecoder) labelConfig(label string) (LabelConfig, error) {
	var lc LabelConfig
	tok, err := d.token(label)
	if err != nil {
		return lc, err
	}
	if tok != json.Delim('{') {
		return lc, &ConfigError{Label: label, Msg: `must be an object holding "qos", found ` + cfgDescribe(tok)}
	}
	var seenQoS, seenLabel bool
	for d.More() {
		tok, err := d.token(label)
		if err != nil {
			return lc, err
		}
		switch key := tok.(string); key {
		case "qos":
			if seenQoS {
				return lc, &ConfigError{Label: label, Key: key, Msg: "duplicate key"}
			}
			seenQoS = true
			tok, err := d.token(label)
			if err != nil {
				return lc, err
			}
			s, ok := tok.(string)
			if !ok {
				return lc, &ConfigError{Label: label, Key: key, Msg: "must be a string, found " + cfgDescribe(tok)}
			}
			if lc.QoS, err = expr.Parse(s); err != nil {
				return lc, &ConfigError{Label: label, Key: key, Msg: err.Error(), Err: err}
			}
		case "label":
			if seenLabel {
				return lc, &ConfigError{Label: label, Key: key, Msg: "duplicate key"}
			}
			seenLabel = true
			if lc.AverageExclude, err = d.labelSettings(label); err != nil {
				return lc, err
			}
		default:
			return lc, &ConfigError{Label: label, Msg: fmt.Sprintf(`unknown key %s (a label's settings hold only "qos" and "label")`, naming.Quote(key))}
		}
	}
	if _, err := d.token(label); err != nil { // the closing '}'
		return lc, err
	}
	if !seenQoS {
		return lc, &ConfigError{Label: label, Key: "qos", Msg: "missing (every label needs a qos expression)"}
	}
	return lc, nil
}

// labelSettings reads the "label" object: only "average.exclude".
func (d cfgDecoder) labelSettings(label string) ([]string, error) {
	tok, err := d.token(label)
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, &ConfigError{Label: label, Key: "label", Msg: `must be an object holding "average.exclude", found ` + cfgDescribe(tok)}
	}
	var names []string
	seen := false
	for d.More() {
		tok, err := d.token(label)
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		if key != "average.exclude" {
			return nil, &ConfigError{Label: label, Key: "label", Msg: fmt.Sprintf(`unknown key %s ("label" holds only "average.exclude")`, naming.Quote(key))}
		}
		if seen {
			return nil, &ConfigError{Label: label, Key: "label.average.exclude", Msg: "duplicate key"}
		}
		seen = true
		if names, err = d.excludeList(label); err != nil {
			return nil, err
		}
	}
	if _, err := d.token(label); err != nil { // the closing '}'
		return nil, err
	}
	return names, nil
}

func (d cfgDecoder) excludeList(label string) ([]string, error) {
	const key = "label.average.exclude"
	tok, err := d.token(label)
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('[') {
		return nil, &ConfigError{Label: label, Key: key, Msg: "must be an array of node names, found " + cfgDescribe(tok)}
	}
	var names []string
	for i := 0; d.More(); i++ {
		tok, err := d.token(label)
		if err != nil {
			return nil, err
		}
		n, ok := tok.(string)
		if !ok {
			return nil, &ConfigError{Label: label, Key: key + "[" + strconv.Itoa(i) + "]", Msg: "must be a node name (a string), found " + cfgDescribe(tok)}
		}
		names = append(names, n)
	}
	if _, err := d.token(label); err != nil { // the closing ']'
		return nil, err
	}
	if err := cfgCheckExclude(label, names); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, nil
	}
	return names, nil
}

// cfgCheckLabel checks a configured label. An empty label cannot be the
// Label of a ConfigError (that means the whole document), so its message
// says which one it is.
func cfgCheckLabel(l string) error {
	if l == "" {
		return &ConfigError{Msg: `label "" is empty (labels match ^[A-Z]+[a-zA-Z0-9]*$)`}
	}
	if msg := naming.LabelProblem(l); msg != "" {
		return &ConfigError{Label: l, Msg: "the label " + msg}
	}
	return nil
}

// cfgCheckExclude checks that the excluded names are distinct node names.
func cfgCheckExclude(label string, names []string) error {
	const key = "label.average.exclude"
	var seen naming.Set
	for i, n := range names {
		if msg := naming.NameProblem(n); msg != "" {
			return &ConfigError{Label: label, Key: key + "[" + strconv.Itoa(i) + "]", Msg: "node name " + naming.Quote(n) + " " + msg}
		}
		if seen.Add(n) {
			return &ConfigError{Label: label, Key: key + "[" + strconv.Itoa(i) + "]", Msg: "node name " + naming.Quote(n) + " is listed twice"}
		}
	}
	return nil
}

// cfgDescribe names the kind of a JSON token for "found …" messages.
func cfgDescribe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		if t == '{' {
			return "an object"
		}
		return strconv.Quote(t.String())
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}

// Validate checks the config as a whole (semantics §7), for the caller
// saving it: at least one label; every label valid, with a valid
// expression (expr.Expr.Validate) and valid exclusions; every rule.X naming a
// rule for which ruleExists returns true (not checked when ruleExists is
// nil); every listed label configured; no operation listing a label
// computed by an aggregation (an aggregation gives a QoS, not a timeline;
// an aggregation may list one); no cycle. It returns the first problem as a
// *ConfigError naming the label being configured, checking labels in
// sorted order and their lists in the order written, then looking for
// cycles, so that the same config always gets the same message.
func (c Config) Validate(ruleExists func(name string) bool) error {
	if len(c) == 0 {
		return &ConfigError{Msg: "no label is configured"}
	}
	for _, l := range c.Labels() {
		if err := c.validateLabel(l, ruleExists); err != nil {
			return err
		}
	}
	return c.cycleError(c.Labels())
}

func (c Config) validateLabel(l string, ruleExists func(string) bool) error {
	if err := cfgCheckLabel(l); err != nil {
		return err
	}
	lc := c[l]
	e := lc.QoS
	if err := e.Validate(); err != nil {
		return &ConfigError{Label: l, Key: "qos", Msg: err.Error(), Err: err}
	}
	if err := cfgCheckExclude(l, lc.AverageExclude); err != nil {
		return err
	}
	if e.Kind == expr.Rule && ruleExists != nil && !ruleExists(e.Rule) {
		return &ConfigError{Label: l, Key: "qos", Msg: fmt.Sprintf("rule %s does not exist", strconv.Quote(e.Rule))}
	}
	for _, dep := range e.Labels {
		dc, ok := c[dep]
		if !ok {
			return &ConfigError{Label: l, Key: "qos", Msg: fmt.Sprintf("label %s is listed but not configured", dep)}
		}
		if e.Kind.IsOperation() && dc.QoS.Kind.IsAggregation() {
			return &ConfigError{Label: l, Key: "qos", Msg: fmt.Sprintf(
				"%s cannot list %s: %s is computed by %s, which gives a QoS, not a timeline (only an aggregation may list it)",
				e.Kind, dep, dep, dc.QoS.Kind)}
		}
	}
	return nil
}

// cycleError returns a *ConfigError describing the first cycle met by a
// depth-first walk from each of the starts in turn, following lists in the
// order written, or nil. Labels listed but not configured are skipped.
// The cycle is named from its smallest label, which is the label the error
// is about: `Filer.qos: labels form a cycle: Filer -> Website -> Filer`.
func (c Config) cycleError(starts []string) error {
	const (
		white = iota // not visited
		grey         // on the current path
		black        // done, no cycle below
	)
	color := make(map[string]int, len(c))
	type frame struct {
		label string
		next  int // index of the next dependency to visit
	}
	for _, s := range starts {
		if _, ok := c[s]; !ok || color[s] != white {
			continue
		}
		stack := []frame{{label: s}}
		color[s] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			deps := c[top.label].QoS.Labels
			if top.next == len(deps) {
				color[top.label] = black
				stack = stack[:len(stack)-1]
				continue
			}
			dep := deps[top.next]
			top.next++
			if _, ok := c[dep]; !ok {
				continue
			}
			switch color[dep] {
			case white:
				color[dep] = grey
				stack = append(stack, frame{label: dep})
			case grey:
				var cycle []string
				for i := len(stack) - 1; i >= 0; i-- {
					cycle = append(cycle, stack[i].label)
					if stack[i].label == dep {
						break
					}
				}
				slices.Reverse(cycle)
				return cfgCycleError(cycle)
			}
		}
	}
	return nil
}

// cfgCycleError names a cycle (each label listing the next, the last
// listing the first) from its smallest label.
func cfgCycleError(cycle []string) error {
	first := 0
	for i, l := range cycle {
		if l < cycle[first] {
			first = i
		}
	}
	rotated := append(slices.Clone(cycle[first:]), cycle[:first]...)
	if len(rotated) == 1 {
		return &ConfigError{Label: rotated[0], Key: "qos", Msg: fmt.Sprintf("label %s lists itself", rotated[0])}
	}
	// A message stays readable: a long cycle shows its start.
	const show = 10
	path := strings.Join(rotated, " -> ") + " -> " + rotated[0]
	if len(rotated) > show {
		path = strings.Join(rotated[:show], " -> ") + fmt.Sprintf(" -> ... -> %s (%d labels)", rotated[0], len(rotated))
	}
	return &ConfigError{Label: rotated[0], Key: "qos", Msg: "labels form a cycle: " + path}
}

// TopoOrder returns labels in the order a run computes them: every label
// after the labels it lists (children before parents), ties broken by
// label name, so the order is the same on every run. With no roots it
// orders every configured label; with roots, only the roots and the labels
// they reach (what one node's subgraph needs). It returns a *ConfigError for
// an unknown root, a listed label that is not configured, or a cycle;
// a config that passed Validate has none of these.
func (c Config) TopoOrder(roots ...string) ([]string, error) {
	set := make(map[string]bool, len(c))
	if len(roots) == 0 {
		for l := range c {
			set[l] = true
		}
	} else {
		for _, r := range roots {
			if _, ok := c[r]; !ok {
				return nil, &ConfigError{Msg: fmt.Sprintf("label %s is not configured", naming.Quote(r))}
			}
		}
		todo := slices.Clone(roots)
		for len(todo) > 0 {
			l := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			if !set[l] {
				set[l] = true
				todo = append(todo, c[l].QoS.Labels...)
			}
		}
	}

	// Kahn's algorithm: pending counts the distinct listed labels not yet
	// placed; a label is ready when it reaches 0.
	pending := make(map[string]int, len(set))
	parents := make(map[string][]string, len(set))
	ready := &cfgLabelHeap{}
	for _, l := range slices.Sorted(maps.Keys(set)) {
		deps := c[l].QoS.Labels
		for i, dep := range deps {
			if _, ok := c[dep]; !ok {
				return nil, &ConfigError{Label: l, Key: "qos", Msg: fmt.Sprintf("label %s is listed but not configured", dep)}
			}
			if slices.Contains(deps[:i], dep) {
				continue
			}
			pending[l]++
			parents[dep] = append(parents[dep], l)
		}
		if pending[l] == 0 {
			*ready = append(*ready, l) // already sorted: a valid heap
		}
	}
	order := make([]string, 0, len(set))
	for ready.Len() > 0 {
		l := heap.Pop(ready).(string)
		order = append(order, l)
		for _, p := range parents[l] {
			if pending[p]--; pending[p] == 0 {
				heap.Push(ready, p)
			}
		}
	}
	if len(order) < len(set) {
		var left []string
		for l := range set {
			if pending[l] > 0 {
				left = append(left, l)
			}
		}
		slices.Sort(left)
		if err := c.cycleError(left); err != nil {
			return nil, err
		}
		return nil, &ConfigError{Msg: "labels form a cycle"} // unreachable: what is left holds a cycle
	}
	return order, nil
}

// cfgLabelHeap is a min-heap of labels: the ready labels of TopoOrder.
type cfgLabelHeap []string

func (h cfgLabelHeap) Len() int           { return len(h) }
func (h cfgLabelHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h cfgLabelHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cfgLabelHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *cfgLabelHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
