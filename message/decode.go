package message

import (
	"errors"
	"strconv"

	"github.com/depc-dev/depc"
)

// MaxSize is the largest message accepted, in bytes
// (spec/messages.md §2).
const MaxSize = depc.MaxMessageBytes

// The classes of rejection. Every error Decode and DecodeBody return for a
// message is a *depc.Error whose Err is one of these, so that callers can
// count rejections by class (errors.Is) while users read the message,
// which names the field.
var (
	// ErrMalformed: not a UTF-8 JSON object.
	ErrMalformed = errors.New("malformed message")
	// ErrInvalid: a JSON object that breaks a rule of spec/messages.md §2.
	ErrInvalid = errors.New("invalid message")
	// ErrTooLarge: over MaxSize.
	ErrTooLarge = errors.New("message too large")
)

// Reasons shared by several fields.
const (
	labelRule = "must match " + depc.LabelPattern
	nameRule  = "must match " + depc.NamePattern + " (printable ASCII except space, quotes, backslash, backtick)"
	fromRule  = "must be an integer >= 0"
	toRule    = "must be an integer >= 1"
)

// key is a key a message may hold; keyOther is any other.
type key uint8

const (
	keyOther key = iota
	keyMetadata
	keySource
	keyTarget
	keyRel
	keyLabel
	keyName
	keyProps
	keyFrom
	keyTo
	// The flat format's keys, in the order they are checked.
	keySourceLabel
	keySourceName
	keySourceFrom
	keySourceTo
	keyTargetLabel
	keyTargetName
	keyTargetFrom
	keyTargetTo
	keyRelFrom
	keyRelTo
	keyCount
)

var keyNames = [keyCount]string{
	keyMetadata:    "metadata",
	keySource:      "source",
	keyTarget:      "target",
	keyRel:         "rel",
	keyLabel:       "label",
	keyName:        "name",
	keyProps:       "props",
	keyFrom:        "from",
	keyTo:          "to",
	keySourceLabel: "source_label",
	keySourceName:  "source_name",
	keySourceFrom:  "source_from",
	keySourceTo:    "source_to",
	keyTargetLabel: "target_label",
	keyTargetName:  "target_name",
	keyTargetFrom:  "target_from",
	keyTargetTo:    "target_to",
	keyRelFrom:     "rel_from",
	keyRelTo:       "rel_to",
}

func lookupKey(b []byte) key {
	// A switch on string(b) compiles to comparisons without converting b.
	switch string(b) {
	case "metadata":
		return keyMetadata
	case "source":
		return keySource
	case "target":
		return keyTarget
	case "rel":
		return keyRel
	case "label":
		return keyLabel
	case "name":
		return keyName
	case "props":
		return keyProps
	case "from":
		return keyFrom
	case "to":
		return keyTo
	case "source_label":
		return keySourceLabel
	case "source_name":
		return keySourceName
	case "source_from":
		return keySourceFrom
	case "source_to":
		return keySourceTo
	case "target_label":
		return keyTargetLabel
	case "target_name":
		return keyTargetName
	case "target_from":
		return keyTargetFrom
	case "target_to":
		return keyTargetTo
	case "rel_from":
		return keyRelFrom
	case "rel_to":
		return keyRelTo
	}
	return keyOther
}

// times is what a message says about the periods of a node or relation.
type times struct {
	from, to       int64
	hasFrom, hasTo bool
}

// nodeEvent is the event a node's times record (spec/messages.md §3).
func (t times) nodeEvent(k depc.NodeKey) depc.Event {
	e := depc.Event{Node: k, Kind: depc.EventExists}
	t.set(&e)
	return e
}

// relationEvent is the event a relation's times record; a relation that
// carries no time opens at the message's time.
func (t times) relationEvent(from, to depc.NodeKey, at int64) depc.Event {
	e := depc.Event{Node: from, Target: to, Kind: depc.EventOpen, From: at}
	t.set(&e)
	return e
}

func (t times) set(e *depc.Event) {
	switch {
	case t.hasFrom && t.hasTo:
		e.Kind, e.From, e.To = depc.EventSpan, t.from, t.to
	case t.hasFrom:
		e.Kind, e.From = depc.EventOpen, t.from
	case t.hasTo:
		e.Kind, e.From, e.To = depc.EventClose, 0, t.to
	}
}

// node is one end of a message.
type node struct {
	key   depc.NodeKey
	times times
}

// Decoder decodes ingestion messages (spec/messages.md) into graph events,
// reusing its scratch space from one message to the next. The zero value
// is ready to use. A Decoder is not safe for concurrent use.
type Decoder struct {
	s       scanner
	members []member
}

// Decode decodes one message with a fresh Decoder; see Decoder.Decode.
func Decode(dst []depc.Event, msg []byte, at int64) ([]depc.Event, error) {
	var d Decoder
	return d.Decode(dst, msg, at)
}

// Decode validates one message and appends its events to dst: one event
// for the source node, and when the message has a target, one for the
// target node and one for the relation (in that order). at is the
// message's time in Unix seconds (the Kafka record's timestamp, or when the
// HTTP request was received): a relation whose message carries no time
// opens then.
//
// A message is all or nothing: when it breaks any rule, Decode returns dst
// unchanged and a *depc.Error (code EINVALID, or ETOOLARGE over
// MaxSize) whose message names the field, such as
// "target.label: must match ^[A-Z]+[a-zA-Z0-9]*$"; its Err is ErrMalformed,
// ErrInvalid or ErrTooLarge.
//
// Beyond spec/messages.md §2, Decode decides:
//   - from and to are JSON integer literals: no fraction, no exponent, no
//     sign ("1.0", "1e3" and "-0" are rejected), at most 2^63-1;
//   - null stands for an absent optional value ("target": null, "to": null),
//     and for a missing required one ("name": null is "required");
//   - a key may appear once in an object;
//   - an envelope's members other than "metadata" are ignored, and errors
//     inside it are named from "metadata" ("metadata.source.label: …").
func (d *Decoder) Decode(dst []depc.Event, msg []byte, at int64) ([]depc.Event, error) {
	if len(msg) > MaxSize {
		return dst, &depc.Error{Code: depc.ETOOLARGE, Message: "message: larger than " + strconv.Itoa(MaxSize) + " bytes", Err: ErrTooLarge}
	}
	d.s = scanner{buf: msg, utf8: true, scratch: d.s.scratch[:0]}
	d.members = d.members[:0]
	top, err := d.topObject()
	if err != nil {
		return dst, err
	}
	path := "message"
	if env, ok := envelope(top, msg); ok {
		for _, m := range top {
			if m.key == keyMetadata && m.start != env.start {
				return dst, d.duplicateKey(path, m)
			}
		}
		if top, err = d.object(env); err != nil {
			return dst, err
		}
		path = "metadata"
	}
	var src, tgt node
	var rel times
	var hasTarget bool
	if hasKey(top, keySource) {
		src, tgt, rel, hasTarget, err = d.nested(path, top)
	} else {
		src, tgt, rel, hasTarget, err = d.flat(path, top)
	}
	if err != nil {
		return dst, err
	}
	dst = append(dst, src.times.nodeEvent(src.key))
	if hasTarget {
		dst = append(dst, tgt.times.nodeEvent(tgt.key), rel.relationEvent(src.key, tgt.key, at))
	}
	return dst, nil
}

// topObject scans the whole message, which must be one JSON object, and
// returns its members.
func (d *Decoder) topObject() ([]member, error) {
	s := &d.s
	switch s.peek() {
	case '{':
		if err := s.object(&d.members); err != nil {
			return nil, malformed(err)
		}
		if err := s.end(); err != nil {
			return nil, malformed(err)
		}
		return d.members, nil
	case 0:
		return nil, &depc.Error{Code: depc.EINVALID, Message: "message: empty", Err: ErrMalformed}
	}
	if err := s.value(); err != nil {
		return nil, malformed(err)
	}
	if err := s.end(); err != nil {
		return nil, malformed(err)
	}
	return nil, &depc.Error{Code: depc.EINVALID, Message: "message: must be a JSON object", Err: ErrMalformed}
}

func malformed(err error) error {
	return &depc.Error{Code: depc.EINVALID, Message: "message: " + err.Error(), Err: ErrMalformed}
}

func invalid(path, reason string) error {
	return &depc.Error{Code: depc.EINVALID, Message: path + ": " + reason, Err: ErrInvalid}
}

// object returns the members of the object value of m (already validated
// by topObject). They are appended to d.members, after those of enclosing
// objects, which stay valid.
func (d *Decoder) object(m member) ([]member, error) {
	mark := len(d.members)
	d.s.pos, d.s.depth = m.start, 0
	if err := d.s.object(&d.members); err != nil {
		return nil, malformed(err) // unreachable: validated by topObject
	}
	return d.members[mark:], nil
}

// envelope returns the member "metadata" when its value is an object: the
// message is then that object.
func envelope(top []member, msg []byte) (member, bool) {
	for _, m := range top {
		if m.key == keyMetadata && msg[m.start] == '{' {
			return m, true
		}
	}
	return member{}, false
}

func hasKey(ms []member, k key) bool {
	for _, m := range ms {
		if m.key == k {
			return true
		}
	}
	return false
}

// unknownKey reports the key of m, which is not allowed in the object at
// path.
func (d *Decoder) unknownKey(path string, m member) error {
	return invalid(path, "unknown key "+d.keyText(m))
}

func (d *Decoder) duplicateKey(path string, m member) error {
	return invalid(path, "duplicate key "+d.keyText(m))
}

// keyText is the quoted text of m's key, shortened when long.
func (d *Decoder) keyText(m member) string {
	d.s.pos = m.keyStart
	b, err := d.s.str()
	if err != nil {
		return "?"
	}
	const max = 64
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

// isNull reports whether the value of m is null.
func (d *Decoder) isNull(m member) bool { return d.s.buf[m.start] == 'n' }

// nested decodes the nested format: {"source": {…}, "target": {…}, "rel": {…}}.
func (d *Decoder) nested(path string, top []member) (src, tgt node, rel times, hasTarget bool, err error) {
	var source, target, relm member
	var seen [keyCount]bool
	for _, m := range top {
		switch m.key {
		case keySource, keyTarget, keyRel:
		default:
			return src, tgt, rel, false, d.unknownKey(path, m)
		}
		if seen[m.key] {
			return src, tgt, rel, false, d.duplicateKey(path, m)
		}
		seen[m.key] = true
		switch m.key {
		case keySource:
			source = m
		case keyTarget:
			target = m
		case keyRel:
			relm = m
		}
	}
	prefix := ""
	if path != "message" {
		prefix = path + "."
	}
	if src, err = d.nestedNode(prefix+"source", source); err != nil {
		return src, tgt, rel, false, err
	}
	hasTarget = seen[keyTarget] && !d.isNull(target)
	if hasTarget {
		if tgt, err = d.nestedNode(prefix+"target", target); err != nil {
			return src, tgt, rel, false, err
		}
	}
	if seen[keyRel] && !d.isNull(relm) {
		if !hasTarget {
			return src, tgt, rel, false, invalid(prefix+"rel", "only allowed with a target")
		}
		if rel, err = d.nestedTimes(prefix+"rel", relm); err != nil {
			return src, tgt, rel, false, err
		}
	}
	return src, tgt, rel, hasTarget, nil
}

// nestedNode decodes {"label": …, "name": …, "props": {…}}.
func (d *Decoder) nestedNode(path string, m member) (n node, err error) {
	if d.isNull(m) {
		return n, invalid(path, "required")
	}
	if d.s.buf[m.start] != '{' {
		return n, invalid(path, "must be an object")
	}
	ms, err := d.object(m)
	if err != nil {
		return n, err
	}
	var label, name, props member
	var seen [keyCount]bool
	for _, f := range ms {
		switch f.key {
		case keyLabel:
			label = f
		case keyName:
			name = f
		case keyProps:
			props = f
		default:
			return n, d.unknownKey(path, f)
		}
		if seen[f.key] {
			return n, d.duplicateKey(path, f)
		}
		seen[f.key] = true
	}
	if n.key.Label, err = d.label(path+".label", label, seen[keyLabel]); err != nil {
		return n, err
	}
	if n.key.Name, err = d.name(path+".name", name, seen[keyName]); err != nil {
		return n, err
	}
	if seen[keyProps] && !d.isNull(props) {
		if n.times, err = d.nestedTimes(path+".props", props); err != nil {
			return n, err
		}
	}
	return n, nil
}

// nestedTimes decodes {"from": …, "to": …}.
func (d *Decoder) nestedTimes(path string, m member) (t times, err error) {
	if d.s.buf[m.start] != '{' {
		return t, invalid(path, "must be an object")
	}
	ms, err := d.object(m)
	if err != nil {
		return t, err
	}
	var from, to member
	var seen [keyCount]bool
	for _, f := range ms {
		switch f.key {
		case keyFrom:
			from = f
		case keyTo:
			to = f
		default:
			return t, d.unknownKey(path, f)
		}
		if seen[f.key] {
			return t, d.duplicateKey(path, f)
		}
		seen[f.key] = true
	}
	return d.times(path+".from", from, seen[keyFrom], path+".to", to, seen[keyTo])
}

// flat decodes the flat format: {"source_label": …, …, "rel_to": …}.
func (d *Decoder) flat(path string, top []member) (src, tgt node, rel times, hasTarget bool, err error) {
	var f [keyCount]member
	var seen [keyCount]bool
	for _, m := range top {
		if m.key < keySourceLabel || m.key > keyRelTo {
			return src, tgt, rel, false, d.unknownKey(path, m)
		}
		if seen[m.key] {
			return src, tgt, rel, false, d.duplicateKey(path, m)
		}
		seen[m.key] = true
		f[m.key] = m
	}
	// A null stands for an absent value.
	for k := keySourceLabel; k <= keyRelTo; k++ {
		if seen[k] && d.isNull(f[k]) {
			seen[k] = false
		}
	}
	prefix := ""
	if path != "message" {
		prefix = path + "."
	}
	field := func(k key) string { return prefix + keyNames[k] }

	if src.key.Label, err = d.label(field(keySourceLabel), f[keySourceLabel], seen[keySourceLabel]); err != nil {
		return src, tgt, rel, false, err
	}
	if src.key.Name, err = d.name(field(keySourceName), f[keySourceName], seen[keySourceName]); err != nil {
		return src, tgt, rel, false, err
	}
	if src.times, err = d.times(field(keySourceFrom), f[keySourceFrom], seen[keySourceFrom], field(keySourceTo), f[keySourceTo], seen[keySourceTo]); err != nil {
		return src, tgt, rel, false, err
	}
	hasTarget = seen[keyTargetLabel] || seen[keyTargetName]
	if hasTarget {
		switch {
		case !seen[keyTargetName]:
			return src, tgt, rel, false, invalid(field(keyTargetName), "required with target_label")
		case !seen[keyTargetLabel]:
			return src, tgt, rel, false, invalid(field(keyTargetLabel), "required with target_name")
		}
		if tgt.key.Label, err = d.label(field(keyTargetLabel), f[keyTargetLabel], true); err != nil {
			return src, tgt, rel, false, err
		}
		if tgt.key.Name, err = d.name(field(keyTargetName), f[keyTargetName], true); err != nil {
			return src, tgt, rel, false, err
		}
	}
	for _, k := range [...]key{keyTargetFrom, keyTargetTo, keyRelFrom, keyRelTo} {
		if seen[k] && !hasTarget {
			return src, tgt, rel, false, invalid(field(k), "only allowed with a target")
		}
	}
	if tgt.times, err = d.times(field(keyTargetFrom), f[keyTargetFrom], seen[keyTargetFrom], field(keyTargetTo), f[keyTargetTo], seen[keyTargetTo]); err != nil {
		return src, tgt, rel, false, err
	}
	if rel, err = d.times(field(keyRelFrom), f[keyRelFrom], seen[keyRelFrom], field(keyRelTo), f[keyRelTo], seen[keyRelTo]); err != nil {
		return src, tgt, rel, false, err
	}
	return src, tgt, rel, hasTarget, nil
}

// label decodes a node label.
func (d *Decoder) label(path string, m member, present bool) (string, error) {
	b, err := d.text(path, m, present)
	if err != nil {
		return "", err
	}
	switch {
	case len(b) == 0:
		return "", invalid(path, "must not be empty")
	case len(b) > depc.MaxLabelLen:
		return "", invalid(path, "must be at most "+strconv.Itoa(depc.MaxLabelLen)+" bytes")
	case !depc.ValidLabel(b):
		return "", invalid(path, labelRule)
	}
	return string(b), nil
}

// name decodes a node name.
func (d *Decoder) name(path string, m member, present bool) (string, error) {
	b, err := d.text(path, m, present)
	if err != nil {
		return "", err
	}
	switch {
	case len(b) == 0:
		return "", invalid(path, "must not be empty")
	case len(b) > depc.MaxNameLen:
		return "", invalid(path, "must be at most "+strconv.Itoa(depc.MaxNameLen)+" bytes")
	case !depc.ValidName(b):
		return "", invalid(path, nameRule)
	}
	return string(b), nil
}

// text decodes a required string value. The result is valid until the
// next string is decoded.
func (d *Decoder) text(path string, m member, present bool) ([]byte, error) {
	if !present || d.isNull(m) {
		return nil, invalid(path, "required")
	}
	if d.s.buf[m.start] != '"' {
		return nil, invalid(path, "must be a string")
	}
	d.s.pos = m.start
	b, err := d.s.str()
	if err != nil {
		return nil, malformed(err) // unreachable: validated by topObject
	}
	return b, nil
}

// times decodes an optional from and to (a null is absent) and checks
// from < to.
func (d *Decoder) times(fromPath string, from member, hasFrom bool, toPath string, to member, hasTo bool) (t times, err error) {
	if hasFrom && !d.isNull(from) {
		if t.from, err = d.integer(fromPath, from, 0, fromRule); err != nil {
			return t, err
		}
		t.hasFrom = true
	}
	if hasTo && !d.isNull(to) {
		if t.to, err = d.integer(toPath, to, 1, toRule); err != nil {
			return t, err
		}
		t.hasTo = true
	}
	if t.hasFrom && t.hasTo && t.from >= t.to {
		return t, invalid(fromPath, "must be less than "+toPath+" ("+strconv.FormatInt(t.from, 10)+" >= "+strconv.FormatInt(t.to, 10)+")")
	}
	return t, nil
}

// integer decodes a JSON integer literal >= min.
func (d *Decoder) integer(path string, m member, min int64, rule string) (int64, error) {
	lit := d.s.buf[m.start:m.end]
	var n int64
	for _, c := range lit {
		if c < '0' || c > '9' {
			// A string, a boolean, a sign, a fraction or an exponent.
			return 0, invalid(path, rule)
		}
		v := int64(c - '0')
		if n > (1<<63-1-v)/10 {
			return 0, invalid(path, rule+" and at most 9223372036854775807")
		}
		n = n*10 + v
	}
	if len(lit) == 0 || n < min {
		return 0, invalid(path, rule)
	}
	return n, nil
}
