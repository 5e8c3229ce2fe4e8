package opentsdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/httpsource"
)

// LabelMetric is the label Fetch adds to a series' tags: the metric its
// values come from.
const LabelMetric = "_metric"

// rawSeries is one series of a /api/query answer.
type rawSeries struct {
	Metric string            `json:"metric"`
	Tags   map[string]string `json:"tags"`
	// Dps are the datapoints, decoded by parseDps: {"<seconds>": value,
	// …}, or [[seconds, value], …] when the server was asked for arrays.
	Dps json.RawMessage `json:"dps"`
}

// decoder turns the answer of one query into series by node name. It keeps
// the series of the names wanted and the points in [from, to).
type decoder struct {
	label    string
	want     map[string]bool
	from, to int64

	series []depc.Series
	nodes  []string // the node of each series
}

func newDecoder(label string, names []string, from, to int64) *decoder {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	return &decoder{label: label, want: want, from: from, to: to}
}

// decode reads an answer, a JSON array of series, one series in memory at
// a time besides the points kept.
func (d *decoder) decode(r io.Reader) error {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return errors.New("empty answer")
		}
		return err
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("the answer is a %v, not an array of series", tok)
	}
	for dec.More() {
		var rs rawSeries
		if err := dec.Decode(&rs); err != nil {
			return err
		}
		if err := d.add(&rs); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the series")
	}
	return nil
}

// add keeps a series when it is a wanted node's, with its points of the
// range: sorted by time, one per second (the last the server gave, as
// qos.Engine.Indicator counts it).
func (d *decoder) add(rs *rawSeries) error {
	node, ok := rs.Tags[d.label]
	if !ok || !d.want[node] {
		return nil // another series of the database
	}
	var pts []qos.Point
	err := parseDps(rs.Dps, func(t int64, v float64) {
		if t >= d.from && t < d.to {
			pts = append(pts, qos.Point{T: t, V: v})
		}
	})
	if err != nil {
		return fmt.Errorf("series of %q: %w", rs.Metric, err)
	}
	if len(pts) == 0 {
		return nil
	}
	if !slices.IsSortedFunc(pts, cmpPoint) {
		slices.SortStableFunc(pts, cmpPoint)
	}
	w := 0
	for _, p := range pts {
		if w > 0 && pts[w-1].T == p.T {
			pts[w-1] = p
			continue
		}
		pts[w] = p
		w++
	}
	labels := make(map[string]string, len(rs.Tags)+1)
	for k, v := range rs.Tags {
		labels[k] = v
	}
	labels[LabelMetric] = rs.Metric
	d.series = append(d.series, depc.Series{Labels: labels, Points: pts[:w]})
	d.nodes = append(d.nodes, node)
	return nil
}

func cmpPoint(a, b qos.Point) int {
	switch {
	case a.T < b.T:
		return -1
	case a.T > b.T:
		return 1
	}
	return 0
}

// result returns the series by node.
func (d *decoder) result() map[string][]depc.Series {
	out := make(map[string][]depc.Series)
	for i, s := range d.series {
		out[d.nodes[i]] = append(out[d.nodes[i]], s)
	}
	return out
}

// parseDps reads the datapoints of a series, calling fn for each one with a
// value: {"<seconds>": v, …}, [[seconds, v], …] or null. A value is a
// number; null and "NaN" (an empty bucket, by the fill policy) are no
// point, "Infinity" and "-Infinity" are infinite. It reads any bytes
// without panicking.
func parseDps(b []byte, fn func(t int64, v float64)) error {
	s := scanner{b: b}
	switch {
	case s.literal("null"):
		return s.end()
	case s.next('{'):
		if s.next('}') {
			return s.end()
		}
		for {
			key, ok := s.str()
			if !ok {
				return s.fail("a timestamp is not a string")
			}
			t, err := seconds(key)
			if err != nil {
				return s.fail(err.Error())
			}
			if !s.next(':') {
				return s.fail("a timestamp is not followed by a colon")
			}
			v, ok, err := s.value()
			if err != nil {
				return err
			}
			if ok {
				fn(t, v)
			}
			if s.next(',') {
				continue
			}
			if s.next('}') {
				return s.end()
			}
			return s.fail("datapoints are not separated by commas")
		}
	case s.next('['):
		if s.next(']') {
			return s.end()
		}
		for {
			if !s.next('[') {
				return s.fail("a datapoint is not an array")
			}
			tv, ok, err := s.value()
			if err != nil {
				return err
			}
			if !ok || tv != math.Trunc(tv) || math.Abs(tv) > 1<<53 {
				return s.fail("a timestamp is not whole seconds")
			}
			if !s.next(',') {
				return s.fail("a datapoint has no value")
			}
			v, ok, err := s.value()
			if err != nil {
				return err
			}
			if !s.next(']') {
				return s.fail("a datapoint has more than a timestamp and a value")
			}
			if ok {
				fn(int64(tv), v)
			}
			if s.next(',') {
				continue
			}
			if s.next(']') {
				return s.end()
			}
			return s.fail("datapoints are not separated by commas")
		}
	}
	return s.fail("datapoints are not an object or an array")
}

// seconds reads a timestamp key: whole seconds, as OpenTSDB writes them
// without msResolution.
func seconds(key []byte) (int64, error) {
	if len(key) == 0 || len(key) > 15 {
		return 0, fmt.Errorf("%q is not a timestamp in seconds", key)
	}
	neg := key[0] == '-'
	digits := key
	if neg {
		digits = key[1:]
	}
	if len(digits) == 0 {
		return 0, fmt.Errorf("%q is not a timestamp in seconds", key)
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a timestamp in seconds", key)
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}

// scanner reads JSON values from a byte slice.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) skip() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next consumes c when it is the next byte after white space.
func (s *scanner) next(c byte) bool {
	s.skip()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) literal(lit string) bool {
	s.skip()
	if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		s.i += len(lit)
		return true
	}
	return false
}

func (s *scanner) end() error {
	s.skip()
	if s.i != len(s.b) {
		return s.fail("trailing data after the datapoints")
	}
	return nil
}

func (s *scanner) fail(what string) error {
	return fmt.Errorf("malformed datapoints at byte %d: %s", s.i, what)
}

// str reads a string without escapes (timestamps and the words of
// non-finite values have none) and returns its bytes.
func (s *scanner) str() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			return nil, false
		case '"':
			s.i++
			return s.b[start : s.i-1], true
		}
		s.i++
	}
	return nil, false
}

// value reads one value: ok is false for null and NaN.
func (s *scanner) value() (float64, bool, error) {
	s.skip()
	if s.i >= len(s.b) {
		return 0, false, s.fail("the datapoints end before a value")
	}
	switch c := s.b[s.i]; {
	case c == 'n':
		if s.literal("null") {
			return 0, false, nil
		}
	case c == '"':
		// Jackson writes non-finite doubles as strings.
		w, ok := s.str()
		if !ok {
			return 0, false, s.fail("a value is a string that does not end")
		}
		switch string(w) {
		case "NaN":
			return 0, false, nil
		case "Infinity":
			return math.Inf(1), true, nil
		case "-Infinity":
			return math.Inf(-1), true, nil
		}
		return 0, false, s.fail(fmt.Sprintf("a value is the string %q, not a number", httpsource.Shown(string(w))))
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return 0, false, s.fail("a value is not a number or null")
}

// number reads a JSON number.
func (s *scanner) number() (float64, bool, error) {
	start := s.i
	whole := true
	for s.i < len(s.b) {
		c := s.b[s.i]
		if '0' <= c && c <= '9' || c == '-' {
			s.i++
			continue
		}
		if c == '.' || c == 'e' || c == 'E' || c == '+' {
			whole = false
			s.i++
			continue
		}
		break
	}
	tok := s.b[start:s.i]
	if whole && len(tok) <= 16 {
		// The common case, parsed without strconv: integers below 10^15
		// are exact in a float64.
		neg := tok[0] == '-'
		digits := tok
		if neg {
			digits = tok[1:]
		}
		if len(digits) > 0 && len(digits) <= 15 {
			var n int64
			ok := true
			for _, c := range digits {
				if c < '0' || c > '9' {
					ok = false
					break
				}
				n = n*10 + int64(c-'0')
			}
			if ok {
				if neg {
					n = -n
				}
				return float64(n), true, nil
			}
		}
	}
	v, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return 0, false, s.fail(fmt.Sprintf("%q is not a number", tok))
	}
	return v, true, nil
}
