package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/qos"
	"github.com/labstack/echo/v4"
)

// pathParam returns a path parameter, unescaped once (the router matches
// on the escaped path, so "filer%2F1" arrives here as is).
func pathParam(c echo.Context, name string) (string, error) {
	v, err := url.PathUnescape(c.Param(name))
	if err != nil {
		return "", depc.Errorf(depc.EINVALID, "path parameter %s: bad escape: %v", name, err)
	}
	return v, nil
}

// nodeKey returns the {label}/{name} of a node path, validated.
func nodeKey(c echo.Context) (depc.NodeKey, error) {
	label, err := labelParam(c)
	if err != nil {
		return depc.NodeKey{}, err
	}
	name, err := pathParam(c, "name")
	if err != nil {
		return depc.NodeKey{}, err
	}
	if err := depc.CheckName("name", name); err != nil {
		return depc.NodeKey{}, err
	}
	return depc.NodeKey{Label: label, Name: name}, nil
}

func labelParam(c echo.Context) (string, error) {
	label, err := pathParam(c, "label")
	if err != nil {
		return "", err
	}
	if err := depc.CheckLabel("label", label); err != nil {
		return "", err
	}
	return label, nil
}

// readBody reads a request body up to limit bytes: ETOOLARGE above.
func readBody(c echo.Context, limit int64) ([]byte, error) {
	r := http.MaxBytesReader(c.Response(), c.Request().Body, limit)
	b, err := io.ReadAll(r)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, depc.Errorf(depc.ETOOLARGE, "request body over %d bytes", limit)
	}
	if err != nil {
		return nil, depc.Errorf(depc.EINVALID, "reading the request body: %v", err)
	}
	return b, nil
}

// bind decodes a JSON body into v strictly: unknown fields and trailing
// data are errors naming what was wrong.
func (s *Server) bind(c echo.Context, v any) error {
	b, err := readBody(c, s.cfg.BodyLimit)
	if err != nil {
		return err
	}
	return decodeStrict(b, v)
}

func decodeStrict(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return depc.Errorf(depc.EINVALID, "the request body is empty; a JSON object is expected")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return depc.Errorf(depc.EINVALID, "%s", jsonError(err))
	}
	if dec.More() {
		return depc.Errorf(depc.EINVALID, "unexpected data after the JSON value")
	}
	return nil
}

// jsonError rewrites encoding/json's errors to name the field.
func jsonError(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			// "a JSON object, not an array": the kind without its
			// article, the value with one.
			kind := kindName(te.Type.Kind().String())
			kind = strings.TrimPrefix(strings.TrimPrefix(kind, "an "), "a ")
			return fmt.Sprintf("the body must be a JSON %s, not %s", kind, jsonValueName(te.Value))
		}
		return fmt.Sprintf("%s: must be %s, not %s", field, kindName(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "malformed JSON: unexpected end of the body"
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + f
	}
	return strings.TrimPrefix(msg, "json: ")
}

// jsonValueName names the kind of JSON value encoding/json found
// ("array", "number 1.5", …) with its article.
func jsonValueName(v string) string {
	switch kind, _, _ := strings.Cut(v, " "); kind {
	case "array", "object":
		return "an " + kind
	case "number", "string":
		return "a " + kind
	case "bool":
		return "a boolean"
	}
	return v
}

func kindName(k string) string {
	switch k {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "float64", "float32":
		return "a number"
	case "int", "int64", "int32", "uint", "uint64", "uint32":
		return "an integer"
	}
	return k
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(c echo.Context, name string, def, lo, hi int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, depc.Errorf(depc.EINVALID, "%s: must be an integer between %d and %d, not %q", name, lo, hi, v)
	}
	return n, nil
}

// queryInstant reads an optional Unix-seconds query parameter.
func queryInstant(c echo.Context, name string) (int64, bool, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, depc.Errorf(depc.EINVALID, "%s: must be Unix seconds (an integer >= 0), not %q", name, v)
	}
	return n, true, nil
}

// queryBool reads an optional boolean query parameter.
func queryBool(c echo.Context, name string) (bool, error) {
	v := c.QueryParam(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, depc.Errorf(depc.EINVALID, "%s: must be true or false, not %q", name, v)
	}
	return b, nil
}

// MaxDayRange bounds a range of days read or computed at once.
const MaxDayRange = 400

// dayRange reads start and end (inclusive) from the query; both are
// required.
func dayRange(c echo.Context) (string, string, error) {
	start, end := c.QueryParam("start"), c.QueryParam("end")
	if start == "" || end == "" {
		return "", "", depc.Errorf(depc.EINVALID, "start and end: both are required (days YYYY-MM-DD, inclusive)")
	}
	return checkDayRange("start", start, "end", end)
}

func checkDayRange(fromField, from, toField, to string) (string, string, error) {
	if _, err := compute.DayRange(fromField, from, toField, to, MaxDayRange); err != nil {
		return "", "", err
	}
	return from, to, nil
}

// periodJSON is a period as the API shows it: null for an unbounded end.
type periodJSON struct {
	From *int64 `json:"from"`
	To   *int64 `json:"to"`
}

func periodsJSON(ps depc.Periods) []periodJSON {
	out := make([]periodJSON, 0, len(ps))
	for _, p := range ps {
		var pj periodJSON
		if p.From != qos.NegInf {
			from := p.From
			pj.From = &from
		}
		if p.To != qos.PosInf {
			to := p.To
			pj.To = &to
		}
		out = append(out, pj)
	}
	return out
}

// interval is a closed-open range with both ends known (downtime).
type interval struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

func intervalsJSON(ps []depc.Period) []interval {
	if ps == nil {
		return nil
	}
	out := make([]interval, len(ps))
	for i, p := range ps {
		out[i] = interval{p.From, p.To}
	}
	return out
}

// round rounds a QoS for an answer; nil stays nil (JSON null).
func (s *Server) round(q *float64) *float64 {
	if q == nil || math.IsNaN(*q) {
		return nil
	}
	r := qos.Round(*q, s.cfg.Decimals)
	return &r
}
