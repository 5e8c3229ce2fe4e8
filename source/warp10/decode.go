package warp10

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/httpsource"
)

// LabelMetric is the label Fetch adds to a series' labels: the class of the
// GTS its values come from (the original's "metric").
const LabelMetric = "_metric"

// scriptError is an answer that is Warp 10's but not what a check's script
// must leave: the check's fault, shown (EINVALID naming parameters.query).
type scriptError struct{ msg string }

func (e *scriptError) Error() string { return e.msg }

// gts is a Geo Time Series as Warp 10 writes it in JSON: class, labels,
// attributes (not read) and values.
type gts struct {
	C string            `json:"c"`
	L map[string]string `json:"l"`
	V values            `json:"v"`
}

// values are the points of a GTS, read by their own parser: encoding/json
// would allocate every point's array.
type values []qos.Point

// nullValue marks a point without a value (null, NaN): dropped.
var nullValue = math.NaN()

// UnmarshalJSON reads [[ts, …, value], …]: the first element is the
// timestamp in microseconds, the last the value. encoding/json has checked
// that b is valid JSON.
func (v *values) UnmarshalJSON(b []byte) error {
	p := parser{b: b}
	p.ws()
	if p.peek() == 'n' { // null: no points
		*v = nil
		return nil
	}
	if !p.eat('[') {
		return &scriptError{"a GTS's values are not an array"}
	}
	pts := make([]qos.Point, 0, bytes.Count(b, []byte{']'}))
	p.ws()
	if p.eat(']') {
		*v = pts
		return nil
	}
	for {
		p.ws()
		if !p.eat('[') {
			return &scriptError{"a GTS's point is not an array"}
		}
		var first, last []byte
		var lastString bool
		n := 0
		for {
			p.ws()
			tok, isString, err := p.token()
			if err != nil {
				return err
			}
			if n == 0 {
				first = tok
			}
			last, lastString = tok, isString
			n++
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat(']') {
				break
			}
			return &scriptError{"a GTS's point is malformed"}
		}
		if n < 2 {
			return &scriptError{"a GTS's point has no value"}
		}
		t, err := timestamp(first)
		if err != nil {
			return err
		}
		val, err := value(last, lastString)
		if err != nil {
			return err
		}
		pts = append(pts, qos.Point{T: t, V: val})
		p.ws()
		if p.eat(',') {
			continue
		}
		if p.eat(']') {
			break
		}
		return &scriptError{"a GTS's values are malformed"}
	}
	*v = pts
	return nil
}

// timestamp converts a point's timestamp, in microseconds, to seconds as
// the original did (int(ts / 1000000): truncated).
func timestamp(tok []byte) (int64, error) {
	if us, err := strconv.ParseInt(string(tok), 10, 64); err == nil {
		return us / 1_000_000, nil
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 9e18 {
		return 0, &scriptError{fmt.Sprintf("a point's timestamp %q is not a number of microseconds", httpsource.Shown(string(tok)))}
	}
	return int64(f / 1_000_000), nil
}

// value converts a point's value: a number, true (1), false (0); null is
// no value; a string is an error.
func value(tok []byte, isString bool) (float64, error) {
	switch {
	case isString:
		return 0, &scriptError{fmt.Sprintf("a point's value is the string %s, not a number", httpsource.Shown(string(tok)))}
	case string(tok) == "true":
		return 1, nil
	case string(tok) == "false":
		return 0, nil
	case string(tok) == "null":
		return nullValue, nil
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return f, nil // ±Inf: a value beyond every threshold
		}
		return 0, &scriptError{fmt.Sprintf("a point's value %q is not a number", httpsource.Shown(string(tok)))}
	}
	return f, nil
}

// parser walks a point array's bytes.
type parser struct {
	b []byte
	i int
}

func (p *parser) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *parser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *parser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

// token reads a scalar: a string (with its quotes) or a number, true,
// false or null.
func (p *parser) token() ([]byte, bool, error) {
	start := p.i
	switch p.peek() {
	case '"':
		p.i++
		for p.i < len(p.b) {
			switch p.b[p.i] {
			case '\\':
				p.i += 2
				continue
			case '"':
				p.i++
				return p.b[start:min(p.i, len(p.b))], true, nil
			}
			p.i++
		}
		return nil, false, &scriptError{"a GTS's point has an unterminated string"}
	case '[', '{':
		return nil, false, &scriptError{"a GTS's point holds an array or an object"}
	}
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == ',' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			break
		}
		p.i++
	}
	if p.i == start {
		return nil, false, &scriptError{"a GTS's point has an empty element"}
	}
	return p.b[start:p.i], false, nil
}

// withoutNaN returns body with Warp 10's bare NaN, Infinity and -Infinity
// (not JSON) written null, NaN and ±Inf being no state; body itself when it
// has none.
func withoutNaN(body []byte) []byte {
	var out []byte
	last := 0
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		var n int
		switch {
		case c == '"':
			inString = true
			continue
		case c == 'N' && bytes.HasPrefix(body[i:], []byte("NaN")):
			n = 3
		case c == 'I' && bytes.HasPrefix(body[i:], []byte("Infinity")):
			n = 8
		case c == '-' && bytes.HasPrefix(body[i:], []byte("-Infinity")):
			n = 9
		default:
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(body)+64)
		}
		out = append(out, body[last:i]...)
		out = append(out, "null"...)
		i += n - 1
		last = i + 1
	}
	if out == nil {
		return body
	}
	return append(out, body[last:]...)
}

// decode reads an answer to a batch's script: the stack, whose top is the
// map of the batch's names to the lists of GTS the check's script left.
// It returns the series by name, points in [from, to), sorted, one per
// second. An answer that is not a stack of that map is an error; one whose
// lists are not lists of GTS is a *scriptError.
func decode(body []byte, names []string, from, to int64) (map[string][]depc.Series, error) {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	dec := json.NewDecoder(bytes.NewReader(withoutNaN(body)))
	if err := delim(dec, '['); err != nil {
		return nil, fmt.Errorf("the answer is not a JSON stack: %w", err)
	}
	if err := delim(dec, '{'); err != nil {
		return nil, fmt.Errorf("the top of the stack is not the map of the names: %w", err)
	}
	out := make(map[string][]depc.Series, len(names))
	seen := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		n, _ := tok.(string)
		if !want[n] {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		want[n] = false
		seen++
		var list []gts
		if err := dec.Decode(&list); err != nil {
			var se *scriptError
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &se):
				return nil, &scriptError{fmt.Sprintf("for node %q: %s", httpsource.Shown(n), se.msg)}
			case errors.As(err, &te) && te.Field == "":
				return nil, &scriptError{fmt.Sprintf("for node %q the script left %s on the top of the stack, not a list of GTS", httpsource.Shown(n), describe(te.Value))}
			case errors.As(err, &te):
				return nil, &scriptError{fmt.Sprintf("for node %q the script left a list whose %s is a %s, not a list of GTS", httpsource.Shown(n), te.Field, te.Value)}
			}
			return nil, err
		}
		for _, g := range list {
			pts := points(g.V, from, to)
			if len(pts) == 0 {
				continue
			}
			labels := make(map[string]string, len(g.L)+1)
			for k, v := range g.L {
				labels[k] = v
			}
			labels[LabelMetric] = g.C
			out[n] = append(out[n], depc.Series{Labels: labels, Points: pts})
		}
	}
	if seen < len(names) {
		for _, n := range names {
			if want[n] {
				return nil, fmt.Errorf("the map of the names has no %q", n)
			}
		}
	}
	// The rest of the stack is not read: what the check's script left is
	// on its top.
	return out, nil
}

// delim reads the next token, which must be d.
func delim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("%v is not %v", tok, d)
	}
	return nil
}

// points keeps the points in [from, to) with a value, sorted, the last
// given of each second.
func points(v values, from, to int64) []qos.Point {
	pts := v[:0]
	for _, p := range v {
		if p.T >= from && p.T < to && !math.IsNaN(p.V) {
			pts = append(pts, p)
		}
	}
	if !slices.IsSortedFunc(pts, func(a, b qos.Point) int { return cmpInt(a.T, b.T) }) {
		slices.SortStableFunc(pts, func(a, b qos.Point) int { return cmpInt(a.T, b.T) })
	}
	out := pts[:0]
	for i, p := range pts {
		if i+1 < len(pts) && pts[i+1].T == p.T {
			continue // a later point of the same second wins
		}
		out = append(out, p)
	}
	return slices.Clip(out)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// describe names the kind of a JSON value as encoding/json's errors name
// it, for messages.
func describe(kind string) string {
	switch kind {
	case "object":
		return "a map or a single GTS"
	case "array":
		return "a list of something else"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "number":
		return "a number"
	}
	return "a " + kind
}
