package message_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/message"
)

// seeds are messages for the fuzz corpora: valid ones in every format and
// one of each kind of error.
var seeds = []string{
	`{"source": {"label": "Website", "name": "foo.com", "props": {"from": 1515241242, "to": 1515244850}}, "target": {"label": "Filer", "name": "filer1", "props": {"from": 1533636245}}, "rel": {"from": 1527847440, "to": 1527854640}}`,
	`{"source_label": "Website", "source_name": "foo.com", "source_from": 1515241242, "source_to": 1515244850, "target_label": "Filer", "target_name": "filer1", "target_from": 1533636245, "rel_from": 1527847440, "rel_to": 1527854640}`,
	`{"metadata": {"source": {"label": "A", "name": "a"}, "target": {"label": "B", "name": "b", "props": {"to": 5}}}, "id": [1, 2.5, "x", true, null]}`,
	`{"source": {"label": "A", "name": "a\/b\u0041"}, "target": null, "rel": null}`,
	`{"source_label": "A", "source_name": "a", "target_label": "B", "target_name": "b", "rel_to": 9}`,
	`{"source_label": "a", "source_name": "a"}`,
	`{"source": {"label": "A", "name": "a", "props": {"from": 1.5}}}`,
	`{"source": {"label": "A", "name": "a"}, "rel": {"from": 1}}`,
	`{"source": {"label": "A", "name": "a", "label": "B"}}`,
	`{"source_label": "A", "source_name": "a", "target_label": "B"}`,
	`{"source_label": "A", "source_name": "a\ud83d\ude00"}`,
	`[{"source_label": "A", "source_name": "a"}]`,
	`{"source": `,
	"{\"source_label\": \"A\", \"source_name\": \"\xff\"}",
	``,
}

// FuzzDecode checks Decode against refDecode, a slow decoder built on
// encoding/json, and checks that no input panics, that a rejected message
// yields no event, and that an accepted message encoded again (nested and
// flat) decodes to the same events.
func FuzzDecode(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		dst := []depc.Event{exists(filer)}
		got, err := message.Decode(dst, msg, at)
		want, wantErr := refDecode(msg, at)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("Decode error %v, reference error %v, for %q", err, wantErr, msg)
		}
		if err != nil {
			if len(got) != 1 || got[0] != dst[0] {
				t.Fatalf("rejected message changed dst: %+v", got)
			}
			if depc.ErrorMessage(err) == "" || strings.HasPrefix(depc.ErrorMessage(err), ":") {
				t.Fatalf("reason %q names no field", depc.ErrorMessage(err))
			}
			return
		}
		got = got[1:]
		if !slices.Equal(got, want) {
			t.Fatalf("Decode %+v, reference %+v, for %q", got, want, msg)
		}
		for _, enc := range []func([]depc.Event) []byte{encodeNested, encodeFlat} {
			again := enc(got)
			ev, err := message.Decode(nil, again, at+1)
			if err != nil {
				t.Fatalf("re-encoded %s: %v (from %q)", again, err, msg)
			}
			if !slices.Equal(ev, got) {
				t.Fatalf("re-encoded %s decodes to %+v, want %+v", again, ev, got)
			}
		}
	})
}

// FuzzLabelName checks that Decode accepts exactly the labels and names
// that depc.ValidLabel and depc.ValidName accept.
func FuzzLabelName(f *testing.F) {
	for _, s := range [][2]string{
		{"MyLabel", "foo"}, {"My123Label", "#F$o%ob&/a-r."}, {"A", "a|b~{}"}, {"mylabel", "foo"},
		{"myLabel", "a"}, {"123Label", "a"}, {"My_Label", "a"}, {"", "a"}, {"A", "foo bar"},
		{"A", "foo'bar"}, {"A", "é"}, {"A", ""}, {"A", "a\x7f"}, {"A", "a`"}, {"A", "a\\"}, {"A", `a"`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, label, name string) {
		msg, err := json.Marshal(map[string]string{"source_label": label, "source_name": name})
		if err != nil {
			return // not encodable: nothing to decode
		}
		_, derr := message.Decode(nil, msg, at)
		// json.Marshal turns invalid UTF-8 into U+FFFD.
		label, name = strings.ToValidUTF8(label, "\uFFFD"), strings.ToValidUTF8(name, "\uFFFD")
		if want := depc.ValidLabel(label) && depc.ValidName(name); (derr == nil) != want {
			t.Fatalf("label %q name %q: Decode error %v, valid %v", label, name, derr, want)
		}
	})
}

// FuzzDecodeBody checks that no body panics DecodeBody and that its result
// agrees with decoding each message alone.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte("["+s+","+s+"]"), false)
		f.Add([]byte(s+"\n\n"+s+"\n"), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, ndjson bool) {
		ct := "application/json"
		if ndjson {
			ct = "application/x-ndjson"
		}
		r, err := message.DecodeBody(body, ct, at)
		if err != nil {
			if depc.ErrorCode(err) != depc.EINVALID {
				t.Fatalf("body error %v has code %q", err, depc.ErrorCode(err))
			}
			if ndjson {
				t.Fatalf("an NDJSON body is never refused whole: %v", err)
			}
			return
		}
		msgs := splitBody(t, body, ndjson)
		if r.Accepted+len(r.Rejected) != len(msgs) {
			t.Fatalf("%d accepted + %d rejected for %d messages", r.Accepted, len(r.Rejected), len(msgs))
		}
		var want []depc.Event
		rejected := 0
		for i, m := range msgs {
			ev, err := message.Decode(nil, m, at)
			if err != nil {
				if rejected >= len(r.Rejected) || r.Rejected[rejected].Index != i ||
					depc.ErrorMessage(r.Rejected[rejected].Err) != depc.ErrorMessage(err) ||
					!bytes.Equal(r.Rejected[rejected].Message, m) {
					t.Fatalf("message %d rejected alone (%v) but not so in the body: %+v", i, err, r.Rejected)
				}
				rejected++
				continue
			}
			want = append(want, ev...)
		}
		if !slices.Equal(r.Events, want) {
			t.Fatalf("body events %+v, want %+v", r.Events, want)
		}
	})
}

// splitBody cuts a body that DecodeBody accepted into its messages with
// encoding/json, independently of the scanner under test.
func splitBody(t *testing.T, body []byte, ndjson bool) [][]byte {
	var msgs [][]byte
	if ndjson {
		for _, line := range bytes.Split(body, []byte("\n")) {
			if len(bytes.Trim(line, " \t\r")) > 0 {
				msgs = append(msgs, line)
			}
		}
		return msgs
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if trimmed[0] == '{' {
		return [][]byte{body}
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("DecodeBody accepted a body encoding/json refuses: %v", err)
	}
	for _, m := range raw {
		msgs = append(msgs, m)
	}
	return msgs
}

// encodeNested writes the events of one message as a nested message.
func encodeNested(events []depc.Event) []byte {
	var b bytes.Buffer
	node := func(e depc.Event, k depc.NodeKey) {
		fmt.Fprintf(&b, `{"label": %s, "name": %s`, strconv.Quote(k.Label), strconv.Quote(k.Name))
		if e.Kind != depc.EventExists {
			b.WriteString(`, "props": `)
			timesJSON(&b, e)
		}
		b.WriteString("}")
	}
	b.WriteString(`{"source": `)
	node(events[0], events[0].Node)
	if len(events) == 3 {
		b.WriteString(`, "target": `)
		node(events[1], events[1].Node)
		b.WriteString(`, "rel": `)
		timesJSON(&b, events[2])
	}
	b.WriteString("}")
	return b.Bytes()
}

func timesJSON(b *bytes.Buffer, e depc.Event) {
	switch e.Kind {
	case depc.EventSpan:
		fmt.Fprintf(b, `{"from": %d, "to": %d}`, e.From, e.To)
	case depc.EventOpen:
		fmt.Fprintf(b, `{"from": %d}`, e.From)
	case depc.EventClose:
		fmt.Fprintf(b, `{"to": %d}`, e.To)
	default:
		b.WriteString("{}")
	}
}

// encodeFlat writes the events of one message as a flat message.
func encodeFlat(events []depc.Event) []byte {
	m := map[string]any{}
	put := func(prefix string, e depc.Event) {
		switch e.Kind {
		case depc.EventSpan:
			m[prefix+"_from"], m[prefix+"_to"] = e.From, e.To
		case depc.EventOpen:
			m[prefix+"_from"] = e.From
		case depc.EventClose:
			m[prefix+"_to"] = e.To
		}
	}
	m["source_label"], m["source_name"] = events[0].Node.Label, events[0].Node.Name
	put("source", events[0])
	if len(events) == 3 {
		m["target_label"], m["target_name"] = events[1].Node.Label, events[1].Node.Name
		put("target", events[1])
		put("rel", events[2])
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// refDecode is the reference decoder of the differential fuzz test: a
// direct reading of spec/messages.md on top of encoding/json, written for
// clarity rather than speed. It only says whether a message is accepted,
// and its events.
func refDecode(msg []byte, at int64) ([]depc.Event, error) {
	if len(msg) > message.MaxSize {
		return nil, fmt.Errorf("too large")
	}
	if !utf8.Valid(msg) {
		return nil, fmt.Errorf("not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.UseNumber()
	v, err := refValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data")
	}
	top, ok := v.(refObject)
	if !ok {
		return nil, fmt.Errorf("not an object")
	}
	if env, ok := top.get("metadata"); ok {
		if inner, ok := env.(refObject); ok {
			if top.count("metadata") > 1 {
				return nil, fmt.Errorf("duplicate metadata")
			}
			top = inner
		}
	}
	if err := top.unique(); err != nil {
		return nil, err
	}
	if _, ok := top.get("source"); ok {
		return refNested(top, at)
	}
	return refFlat(top, at)
}

type refMember struct {
	key   string
	value any
}

// refObject keeps members in order, duplicates included.
type refObject []refMember

func (o refObject) get(k string) (any, bool) {
	for _, m := range o {
		if m.key == k {
			return m.value, true
		}
	}
	return nil, false
}

func (o refObject) count(k string) int {
	n := 0
	for _, m := range o {
		if m.key == k {
			n++
		}
	}
	return n
}

func (o refObject) unique() error {
	seen := make(map[string]bool, len(o))
	for _, m := range o {
		if seen[m.key] {
			return fmt.Errorf("duplicate %q", m.key)
		}
		seen[m.key] = true
	}
	return nil
}

func (o refObject) only(keys ...string) error {
	for _, m := range o {
		if !slices.Contains(keys, m.key) {
			return fmt.Errorf("unknown key %q", m.key)
		}
	}
	return o.unique()
}

// refValue reads one JSON value; objects become refObject, and nesting
// deeper than the decoder's 64 levels is refused as it is.
func refValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		if depth+1 > 64 {
			return nil, fmt.Errorf("too deep")
		}
		var o refObject
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := refValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			o = append(o, refMember{k.(string), v})
		}
		_, err := dec.Token()
		return o, err
	case json.Delim('['):
		if depth+1 > 64 {
			return nil, fmt.Errorf("too deep")
		}
		var a []any
		for dec.More() {
			v, err := refValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.Token()
		return a, err
	}
	return tok, nil
}

var digits = regexp.MustCompile(`^[0-9]+$`)

// refInt reads an optional integer: absent or null is (0, false).
func refInt(v any, present bool, min int64) (int64, bool, error) {
	if !present || v == nil {
		return 0, false, nil
	}
	n, ok := v.(json.Number)
	if !ok || !digits.MatchString(string(n)) {
		return 0, false, fmt.Errorf("not an integer")
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || i < min {
		return 0, false, fmt.Errorf("out of range")
	}
	return i, true, nil
}

type refTimes struct {
	from, to       int64
	hasFrom, hasTo bool
}

func refTimesOf(from any, hasFrom bool, to any, hasTo bool) (refTimes, error) {
	var t refTimes
	var err error
	if t.from, t.hasFrom, err = refInt(from, hasFrom, 0); err != nil {
		return t, err
	}
	if t.to, t.hasTo, err = refInt(to, hasTo, 1); err != nil {
		return t, err
	}
	if t.hasFrom && t.hasTo && t.from >= t.to {
		return t, fmt.Errorf("from >= to")
	}
	return t, nil
}

func (t refTimes) event(e depc.Event, relation bool, at int64) depc.Event {
	switch {
	case t.hasFrom && t.hasTo:
		e.Kind, e.From, e.To = depc.EventSpan, t.from, t.to
	case t.hasFrom:
		e.Kind, e.From = depc.EventOpen, t.from
	case t.hasTo:
		e.Kind, e.To = depc.EventClose, t.to
	case relation:
		e.Kind, e.From = depc.EventOpen, at
	default:
		e.Kind = depc.EventExists
	}
	return e
}

func refKey(label, name any) (depc.NodeKey, error) {
	l, ok1 := label.(string)
	n, ok2 := name.(string)
	if !ok1 || !ok2 || !depc.ValidLabel(l) || !depc.ValidName(n) {
		return depc.NodeKey{}, fmt.Errorf("bad label or name")
	}
	return depc.NodeKey{Label: l, Name: n}, nil
}

func refNested(top refObject, at int64) ([]depc.Event, error) {
	if err := top.only("source", "target", "rel"); err != nil {
		return nil, err
	}
	node := func(v any) (depc.NodeKey, refTimes, error) {
		o, ok := v.(refObject)
		if !ok {
			return depc.NodeKey{}, refTimes{}, fmt.Errorf("node not an object")
		}
		if err := o.only("label", "name", "props"); err != nil {
			return depc.NodeKey{}, refTimes{}, err
		}
		label, _ := o.get("label")
		name, _ := o.get("name")
		k, err := refKey(label, name)
		if err != nil {
			return k, refTimes{}, err
		}
		var t refTimes
		if p, ok := o.get("props"); ok && p != nil {
			if t, err = refTimesObject(p); err != nil {
				return k, t, err
			}
		}
		return k, t, nil
	}
	sv, _ := top.get("source")
	sk, st, err := node(sv)
	if err != nil {
		return nil, err
	}
	events := []depc.Event{st.event(depc.Event{Node: sk}, false, at)}
	tv, hasTarget := top.get("target")
	hasTarget = hasTarget && tv != nil
	rv, hasRel := top.get("rel")
	hasRel = hasRel && rv != nil
	if !hasTarget {
		if hasRel {
			return nil, fmt.Errorf("rel without target")
		}
		return events, nil
	}
	tk, tt, err := node(tv)
	if err != nil {
		return nil, err
	}
	var rt refTimes
	if hasRel {
		if rt, err = refTimesObject(rv); err != nil {
			return nil, err
		}
	}
	return append(events, tt.event(depc.Event{Node: tk}, false, at), rt.event(depc.Event{Node: sk, Target: tk}, true, at)), nil
}

func refTimesObject(v any) (refTimes, error) {
	o, ok := v.(refObject)
	if !ok {
		return refTimes{}, fmt.Errorf("times not an object")
	}
	if err := o.only("from", "to"); err != nil {
		return refTimes{}, err
	}
	from, hasFrom := o.get("from")
	to, hasTo := o.get("to")
	return refTimesOf(from, hasFrom, to, hasTo)
}

func refFlat(top refObject, at int64) ([]depc.Event, error) {
	if err := top.only("source_label", "source_name", "source_from", "source_to",
		"target_label", "target_name", "target_from", "target_to", "rel_from", "rel_to"); err != nil {
		return nil, err
	}
	get := func(k string) (any, bool) {
		v, ok := top.get(k)
		return v, ok && v != nil
	}
	sl, _ := get("source_label")
	sn, _ := get("source_name")
	sk, err := refKey(sl, sn)
	if err != nil {
		return nil, err
	}
	times := func(prefix string) (refTimes, error) {
		from, hasFrom := get(prefix + "_from")
		to, hasTo := get(prefix + "_to")
		return refTimesOf(from, hasFrom, to, hasTo)
	}
	st, err := times("source")
	if err != nil {
		return nil, err
	}
	events := []depc.Event{st.event(depc.Event{Node: sk}, false, at)}
	tl, hasTL := get("target_label")
	tn, hasTN := get("target_name")
	if !hasTL && !hasTN {
		for _, k := range []string{"target_from", "target_to", "rel_from", "rel_to"} {
			if _, ok := get(k); ok {
				return nil, fmt.Errorf("%s without target", k)
			}
		}
		return events, nil
	}
	tk, err := refKey(tl, tn)
	if err != nil {
		return nil, err
	}
	tt, err := times("target")
	if err != nil {
		return nil, err
	}
	rt, err := times("rel")
	if err != nil {
		return nil, err
	}
	return append(events, tt.event(depc.Event{Node: tk}, false, at), rt.event(depc.Event{Node: sk, Target: tk}, true, at)), nil
}
