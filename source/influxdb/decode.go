package influxdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// Labels that Fetch adds to a series' tags: the measurement and the column
// (field or function) its values come from.
const (
	LabelMeasurement = "_measurement"
	LabelField       = "_field"
)

// chunk is one JSON object of a /query answer: the whole answer, or with
// chunked=true one of the objects that follow each other in the body.
type chunk struct {
	Results []struct {
		Series []rawSeries `json:"series"`
		Error  string      `json:"error"`
	} `json:"results"`
	Error string `json:"error"`
}

type rawSeries struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	// Values are rows of Columns, decoded by parseRows: a row is
	// [time, v1, v2, …] with numbers, booleans or null.
	Values json.RawMessage `json:"values"`
}

// serverError is an error the server reported in its answer: a statement
// it could not run, or the request's error.
type serverError struct{ msg string }

func (e *serverError) Error() string { return e.msg }

// valueError is a column the source cannot turn into datapoints.
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }

// decoder turns the answer of one query into series by node name. It keeps
// the series of the names wanted and the points in [from, to).
type decoder struct {
	label    string
	want     map[string]bool
	from, to int64

	series []*depc.Series
	nodes  []string       // the node of each series
	index  map[string]int // series by measurement, tags and column
	row    []float64
	kind   []byte // per column of the row being read: 0 null, 'v' a value
}

func newDecoder(label string, names []string, from, to int64) *decoder {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	return &decoder{label: label, want: want, from: from, to: to, index: make(map[string]int)}
}

// decode reads an answer: one or more JSON objects (chunks). Its errors are
// a *serverError, a *valueError, or another error for a malformed answer.
func (d *decoder) decode(r io.Reader) error {
	dec := json.NewDecoder(r)
	for n := 0; ; n++ {
		var c chunk
		err := dec.Decode(&c)
		if err == io.EOF && n > 0 {
			return nil
		}
		if err != nil {
			if err == io.EOF {
				return errors.New("empty answer")
			}
			return err
		}
		if c.Error != "" {
			return &serverError{c.Error}
		}
		for _, res := range c.Results {
			if res.Error != "" {
				return &serverError{res.Error}
			}
			for i := range res.Series {
				if err := d.add(&res.Series[i]); err != nil {
					return err
				}
			}
		}
	}
}

// add appends the rows of a series (a whole series, or its part in one
// chunk) to the series of its node, one per value column.
func (d *decoder) add(rs *rawSeries) error {
	node, ok := rs.Tags[d.label]
	if !ok || !d.want[node] {
		return nil // no node tag, or another series of the database
	}
	timeCol := slices.Index(rs.Columns, "time")
	if timeCol < 0 {
		return fmt.Errorf("series %q has no time column", rs.Name)
	}
	ncols := len(rs.Columns)
	if ncols < 2 {
		return nil
	}
	// The series of each column, made at its first row.
	tagKey := seriesKey(rs.Name, rs.Tags)
	idx := make([]int, ncols)
	for c := range idx {
		idx[c] = -1
	}
	return parseRows(rs.Values, ncols, d, func(row []float64, kind []byte) error {
		t := int64(row[timeCol])
		if kind[timeCol] != 't' {
			return fmt.Errorf("series %q: a row without a time in whole seconds", rs.Name)
		}
		if t < d.from || t >= d.to {
			return nil
		}
		for c := range ncols {
			if c == timeCol || kind[c] == 0 {
				continue
			}
			if kind[c] == 's' {
				return &valueError{fmt.Sprintf("column %q of %q holds strings, not numbers or booleans: select numeric fields", rs.Columns[c], rs.Name)}
			}
			if idx[c] < 0 {
				idx[c] = d.seriesOf(tagKey, rs, c, node)
			}
			s := d.series[idx[c]]
			s.Points = append(s.Points, qos.Point{T: t, V: row[c]})
		}
		return nil
	})
}

func (d *decoder) seriesOf(tagKey string, rs *rawSeries, col int, node string) int {
	key := tagKey + "\x00" + rs.Columns[col]
	if i, ok := d.index[key]; ok {
		return i
	}
	labels := make(map[string]string, len(rs.Tags)+2)
	for k, v := range rs.Tags {
		labels[k] = v
	}
	labels[LabelMeasurement] = rs.Name
	labels[LabelField] = rs.Columns[col]
	d.series = append(d.series, &depc.Series{Labels: labels})
	d.nodes = append(d.nodes, node)
	d.index[key] = len(d.series) - 1
	return len(d.series) - 1
}

// seriesKey identifies a series by measurement and tags.
func seriesKey(name string, tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(tags[k])
	}
	return b.String()
}

// result returns the series by node: sorted by time, one point per second
// (the last the server gave, as qos.Engine.Indicator counts it), without
// the series that had no value.
func (d *decoder) result() map[string][]depc.Series {
	out := make(map[string][]depc.Series)
	for i, s := range d.series {
		if len(s.Points) == 0 {
			continue
		}
		pts := s.Points
		if !slices.IsSortedFunc(pts, func(a, b qos.Point) int { return cmpT(a.T, b.T) }) {
			slices.SortStableFunc(pts, func(a, b qos.Point) int { return cmpT(a.T, b.T) })
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
		s.Points = pts[:w]
		out[d.nodes[i]] = append(out[d.nodes[i]], *s)
	}
	return out
}

func cmpT(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseRows reads the values of a series, [[time, v, …], …] or null,
// calling fn for each row with its values: kind is 't' for a whole number
// (a time), 'v' for another number or a boolean (1 or 0), 's' for a
// string, 0 for null. A row must have ncols values. It reads any bytes
// without panicking.
func parseRows(b []byte, ncols int, d *decoder, fn func(row []float64, kind []byte) error) error {
	if cap(d.row) < ncols {
		d.row, d.kind = make([]float64, ncols), make([]byte, ncols)
	}
	row, kind := d.row[:ncols], d.kind[:ncols]
	s := scanner{b: b}
	if s.literal("null") {
		return s.end()
	}
	if !s.next('[') {
		return s.fail("values are not an array")
	}
	if s.next(']') {
		return s.end()
	}
	for {
		if !s.next('[') {
			return s.fail("a row is not an array")
		}
		col := 0
		if !s.next(']') {
			for {
				if col == ncols {
					return s.fail(fmt.Sprintf("a row has more than %d values", ncols))
				}
				v, k, err := s.value()
				if err != nil {
					return err
				}
				row[col], kind[col] = v, k
				col++
				if s.next(',') {
					continue
				}
				if s.next(']') {
					break
				}
				return s.fail("a row's values are not separated by commas")
			}
		}
		if col != ncols {
			return s.fail(fmt.Sprintf("a row has %d values for %d columns", col, ncols))
		}
		if err := fn(row, kind); err != nil {
			return err
		}
		if s.next(',') {
			continue
		}
		if s.next(']') {
			return s.end()
		}
		return s.fail("rows are not separated by commas")
	}
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
		return s.fail("trailing data after the values")
	}
	return nil
}

func (s *scanner) fail(what string) error {
	return fmt.Errorf("malformed values at byte %d: %s", s.i, what)
}

// value reads one value of a row.
func (s *scanner) value() (float64, byte, error) {
	s.skip()
	if s.i >= len(s.b) {
		return 0, 0, s.fail("the values end inside a row")
	}
	switch c := s.b[s.i]; {
	case c == 'n':
		if s.literal("null") {
			return 0, 0, nil
		}
	case c == 't':
		if s.literal("true") {
			return 1, 'v', nil
		}
	case c == 'f':
		if s.literal("false") {
			return 0, 'v', nil
		}
	case c == '"':
		s.i++
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '\\':
				s.i += 2
				continue
			case '"':
				s.i++
				return 0, 's', nil
			}
			s.i++
		}
		return 0, 0, s.fail("a string does not end")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return 0, 0, s.fail("a value is not a number, a boolean, a string or null")
}

// number reads a JSON number: kind 't' when it is a whole number that fits
// an int64 exactly as a float64 would carry it (a time in seconds), else 'v'.
func (s *scanner) number() (float64, byte, error) {
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
				return float64(n), 't', nil
			}
		}
	}
	v, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return 0, 0, s.fail(fmt.Sprintf("%q is not a number", tok))
	}
	return v, 'v', nil
}
