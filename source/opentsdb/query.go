package opentsdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/depc-dev/depc"
)

// DefaultLabel is the tag holding the node name when a check names none and
// its query has no placeholder.
const DefaultLabel = "name"

// Placeholder stands for the node's name in a check's query, as the value
// of the node tag: "tags": {"host": "$name"}, or a literal_or filter whose
// filter is "$name".
const Placeholder = "$name"

// Filter types of OpenTSDB 2.4 (GET /api/config/filters).
var filterTypes = []string{"literal_or", "iliteral_or", "not_literal_or", "not_iliteral_or", "wildcard", "iwildcard", "regexp"}

// subQuery is a check's query: one sub-query of OpenTSDB's /api/query, the
// form of the original DepC's checks. Only the fields below are accepted;
// time, resolution and the output's options are depc's to set.
type subQuery struct {
	Aggregator  string       `json:"aggregator"`
	Metric      string       `json:"metric"`
	Downsample  string       `json:"downsample,omitempty"`
	Rate        bool         `json:"rate,omitempty"`
	RateOptions *rateOptions `json:"rateOptions,omitempty"`
	// Tags are read from a check's query, and sent as filters.
	Tags         map[string]string `json:"tags,omitempty"`
	Filters      []filter          `json:"filters,omitempty"`
	ExplicitTags bool              `json:"explicitTags,omitempty"`
}

// filter is a tag value filter of a sub-query.
type filter struct {
	Type    string `json:"type"`
	Tagk    string `json:"tagk"`
	Filter  string `json:"filter"`
	GroupBy bool   `json:"groupBy"`
}

// rateOptions are a rate's counter settings.
type rateOptions struct {
	Counter    bool   `json:"counter,omitempty"`
	CounterMax *int64 `json:"counterMax,omitempty"`
	ResetValue *int64 `json:"resetValue,omitempty"`
	DropResets bool   `json:"dropResets,omitempty"`
}

// request is the body of POST /api/query.
type request struct {
	Start   int64      `json:"start"`
	End     int64      `json:"end"`
	Queries []subQuery `json:"queries"`
	// Timestamps in seconds; no annotations (they are not datapoints).
	MsResolution  bool `json:"msResolution"`
	NoAnnotations bool `json:"noAnnotations"`
}

// query is a check's query, parsed, with the node tag known and no filter
// on it: render adds the one that selects a batch of nodes.
type query struct {
	sub   subQuery
	label string
}

var (
	// downsampleRe is OpenTSDB 2.4's downsample form: an interval (or
	// 0all, one bucket), an aggregator, and an optional fill policy.
	downsampleRe = regexp.MustCompile(`^(?:0all|[1-9][0-9]{0,8}(?:ms|s|m|h|d|w|n|y)c?)-[A-Za-z0-9]{1,32}(?:-(?:none|nan|null|zero))?$`)
	aggregatorRe = regexp.MustCompile(`^[A-Za-z0-9]{1,32}$`)
)

// parseQuery parses a check's query and finds the node tag (see the package
// documentation). Errors are EINVALID naming the field.
func parseQuery(text, label string) (*query, error) {
	if strings.TrimSpace(text) == "" {
		return nil, depc.Errorf(depc.EINVALID, `parameters.query: is required: an OpenTSDB sub-query such as {"metric": "sys.cpu.user", "aggregator": "avg"}`)
	}
	if !utf8.ValidString(text) {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: is not valid UTF-8")
	}
	if label != "" {
		if err := checkLabel(label); err != nil {
			return nil, err
		}
	}
	var sub subQuery
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sub); err != nil {
		return nil, queryJSONError(err)
	}
	if dec.More() {
		return nil, depc.Errorf(depc.EINVALID, "parameters.query: must be a single JSON object")
	}
	if err := checkSubQuery(&sub); err != nil {
		return nil, err
	}
	q := &query{sub: sub}
	// The placeholder says which tag holds the node.
	for k, v := range sub.Tags {
		if v == Placeholder {
			if q.label != "" && q.label != k {
				return nil, depc.Errorf(depc.EINVALID, "parameters.query: %s is the value of two tags, %q and %q: use one", Placeholder, q.label, k)
			}
			q.label = k
		}
	}
	for i, f := range sub.Filters {
		if f.Filter != Placeholder {
			continue
		}
		if f.Type != "literal_or" {
			return nil, depc.Errorf(depc.EINVALID, "parameters.query.filters[%d]: %s can only be the filter of a literal_or filter", i, Placeholder)
		}
		if q.label != "" && q.label != f.Tagk {
			return nil, depc.Errorf(depc.EINVALID, "parameters.query: %s is the value of two tags, %q and %q: use one", Placeholder, q.label, f.Tagk)
		}
		q.label = f.Tagk
	}
	switch {
	case q.label == "" && label == "":
		q.label = DefaultLabel
	case q.label == "":
		q.label = label
	case label != "" && label != q.label:
		return nil, depc.Errorf(depc.EINVALID, "parameters.label: is %q, but the query gives %s as the value of %q", label, Placeholder, q.label)
	}
	// depc filters the node tag: the placeholder goes, and nothing else
	// may select on that tag (which nodes a batch holds would change what
	// it selects). Tags become filters, as OpenTSDB reads them: its JSON
	// reader keeps either tags or filters, whichever comes last, and depc
	// adds a filter.
	keys := make([]string, 0, len(sub.Tags))
	for k := range sub.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var filters []filter
	for _, k := range keys {
		v := sub.Tags[k]
		if k == q.label {
			if v != Placeholder {
				return nil, depc.Errorf(depc.EINVALID, "parameters.query.tags.%s: the node tag is depc's to filter: write %q or leave it out", k, Placeholder)
			}
			continue
		}
		f, err := tagFilter(k, v)
		if err != nil {
			return nil, err
		}
		filters = append(filters, f)
	}
	for i, f := range sub.Filters {
		if f.Tagk == q.label {
			if f.Filter != Placeholder {
				return nil, depc.Errorf(depc.EINVALID, "parameters.query.filters[%d]: the node tag %q is depc's to filter: filter %q or leave it out", i, q.label, Placeholder)
			}
			continue
		}
		filters = append(filters, f)
	}
	q.sub.Tags, q.sub.Filters = nil, filters
	return q, nil
}

// tagFilter is the filter OpenTSDB 2.4 makes of a tag of a query (its
// TagVFilter.mapToFilters), grouped by the tag: "*" every value; "type(…)"
// a filter of that type; a value with * a case-insensitive wildcard; else
// literal_or, values separated by |.
func tagFilter(k, v string) (filter, error) {
	switch {
	case v == "*":
		return filter{Type: "wildcard", Tagk: k, Filter: "*", GroupBy: true}, nil
	case strings.Contains(v, "("):
		paren := strings.IndexByte(v, '(')
		typ := strings.ToLower(v[:paren])
		if !slices.Contains(filterTypes, typ) {
			return filter{}, depc.Errorf(depc.EINVALID, "parameters.query.tags.%s: %q is not a filter: the type before ( must be one of %s", k, v, strings.Join(filterTypes, ", "))
		}
		if !strings.HasSuffix(v, ")") || len(v) < paren+3 {
			return filter{}, depc.Errorf(depc.EINVALID, "parameters.query.tags.%s: %q is not a filter such as regexp(web.*)", k, v)
		}
		return filter{Type: typ, Tagk: k, Filter: v[paren+1 : len(v)-1], GroupBy: true}, nil
	case strings.Contains(v, "*"):
		return filter{Type: "iwildcard", Tagk: k, Filter: v, GroupBy: true}, nil
	}
	return filter{Type: "literal_or", Tagk: k, Filter: v, GroupBy: true}, nil
}

// queryJSONError turns a JSON decoding error of the query into an EINVALID
// naming the field.
func queryJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return depc.Errorf(depc.EINVALID, "parameters.query.%s: must be a %s", typeErr.Field, jsonType(typeErr.Type.Kind().String()))
	case errors.As(err, &typeErr):
		return depc.Errorf(depc.EINVALID, `parameters.query: must be a JSON object, an OpenTSDB sub-query such as {"metric": "sys.cpu.user", "aggregator": "avg"}`)
	case errors.As(err, &syntaxErr):
		return depc.Errorf(depc.EINVALID, "parameters.query: not valid JSON: %s", syntaxErr)
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return depc.Errorf(depc.EINVALID, "parameters.query: unknown field %s: a sub-query may have metric, aggregator, downsample, tags, filters, rate, rateOptions and explicitTags", field)
	}
	return depc.Errorf(depc.EINVALID, "parameters.query: %s", err)
}

func jsonType(kind string) string {
	switch kind {
	case "map", "struct":
		return "JSON object"
	case "slice":
		return "JSON array"
	case "bool":
		return "boolean"
	case "int64", "int", "float64":
		return "number"
	}
	return kind
}

// checkSubQuery checks the fields of a sub-query as far as their syntax
// goes: which metrics, tags and aggregators exist is the server's to say.
func checkSubQuery(s *subQuery) error {
	switch {
	case s.Metric == "":
		return depc.Errorf(depc.EINVALID, "parameters.query.metric: is required")
	case !printable(s.Metric) || len(s.Metric) > 1024:
		return depc.Errorf(depc.EINVALID, "parameters.query.metric: must be printable UTF-8 of at most 1024 bytes")
	case s.Aggregator == "":
		return depc.Errorf(depc.EINVALID, `parameters.query.aggregator: is required ("none" keeps every series)`)
	case !aggregatorRe.MatchString(s.Aggregator):
		return depc.Errorf(depc.EINVALID, "parameters.query.aggregator: %q is not an aggregator name", s.Aggregator)
	case s.Downsample != "" && !downsampleRe.MatchString(s.Downsample):
		return depc.Errorf(depc.EINVALID, `parameters.query.downsample: %q is not <interval>-<aggregator>[-<fill>], such as "1m-avg" or "5m-max-nan"`, s.Downsample)
	case s.RateOptions != nil && !s.Rate:
		return depc.Errorf(depc.EINVALID, "parameters.query.rateOptions: apply to a rate: set rate to true")
	}
	keys := make([]string, 0, len(s.Tags))
	for k := range s.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := checkTagString(k); err != nil {
			return depc.Errorf(depc.EINVALID, "parameters.query.tags: key %q %s", k, err)
		}
		if err := checkTagString(s.Tags[k]); err != nil {
			return depc.Errorf(depc.EINVALID, "parameters.query.tags.%s: %s", k, err)
		}
	}
	if len(s.Filters) > 64 {
		return depc.Errorf(depc.EINVALID, "parameters.query.filters: at most 64")
	}
	for i, f := range s.Filters {
		if !slices.Contains(filterTypes, f.Type) {
			return depc.Errorf(depc.EINVALID, "parameters.query.filters[%d].type: must be one of %s, not %q", i, strings.Join(filterTypes, ", "), f.Type)
		}
		if err := checkTagString(f.Tagk); err != nil {
			return depc.Errorf(depc.EINVALID, "parameters.query.filters[%d].tagk: %s", i, err)
		}
		if err := checkTagString(f.Filter); err != nil {
			return depc.Errorf(depc.EINVALID, "parameters.query.filters[%d].filter: %s", i, err)
		}
	}
	return nil
}

// checkTagString checks a tag key, value or filter as text: OpenTSDB
// decides which characters a tag may hold (tsd.core.tag.allow_specialchars).
func checkTagString(s string) error {
	switch {
	case s == "":
		return errors.New("is empty")
	case !printable(s):
		return errors.New("must be printable UTF-8")
	case len(s) > 4096:
		return errors.New("is longer than 4096 bytes")
	}
	return nil
}

// checkLabel checks parameters.label, the tag holding the node name.
func checkLabel(label string) error {
	if err := checkTagString(label); err != nil {
		return depc.Errorf(depc.EINVALID, "parameters.label: %s", err)
	}
	return nil
}

// checkName refuses the names no query can select.
func checkName(name string) error {
	if name == "" {
		return depc.Errorf(depc.EINVALID, "name: is empty")
	}
	if !utf8.ValidString(name) {
		return depc.Errorf(depc.EINVALID, "name: %q is not valid UTF-8", name)
	}
	return nil
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// Forms of the filter that selects a batch's nodes.
const (
	// literalOr lists the names: the server resolves each to its UID and
	// HBase skips the rows of other nodes, but a name the server has
	// never seen fails the whole query, and a name holding | cannot be
	// written.
	literalOr = iota
	// regexpOr matches the names with an anchored regular expression:
	// the TSD reads the rows of every node and keeps the batch's.
	regexpOr
)

// form returns the form a batch of names is first asked in.
func form(names []string) int {
	for _, n := range names {
		if strings.Contains(n, "|") {
			return regexpOr
		}
	}
	return literalOr
}

// render returns the body of POST /api/query for the names over [from, to]
// with the node filter in the given form.
func (q *query) render(names []string, from, to int64, how int) []byte {
	sub := q.sub
	sub.Filters = make([]filter, len(q.sub.Filters), len(q.sub.Filters)+1)
	copy(sub.Filters, q.sub.Filters)
	node := filter{Type: "literal_or", Tagk: q.label, Filter: strings.Join(names, "|"), GroupBy: true}
	if how == regexpOr {
		node = filter{Type: "regexp", Tagk: q.label, Filter: namesRegexp(names), GroupBy: true}
	}
	sub.Filters = append(sub.Filters, node)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Names are sent as they are: no \u003c for <, which would only
	// lengthen the body.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(request{Start: from, End: to, Queries: []subQuery{sub}, NoAnnotations: true})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// namesRegexp returns the Java regular expression that matches exactly the
// names: anchored at both ends of the input (\A, \z: Java's $ also matches
// before a final line break), every character but letters, digits, '_' and
// '-' written \x{…}, so that no name means anything but itself.
func namesRegexp(names []string) string {
	var b strings.Builder
	b.WriteString(`\A(?:`)
	for i, n := range names {
		if i > 0 {
			b.WriteByte('|')
		}
		quoteName(&b, n)
	}
	b.WriteString(`)\z`)
	return b.String()
}

func plainRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-' ||
		r > 0x7f && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func quoteName(b *strings.Builder, name string) {
	for _, r := range name {
		if plainRune(r) {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(b, `\x{%x}`, r)
		}
	}
}

// jsonLen bounds the length of a name in a rendered body, in either form:
// its regular expression with every backslash doubled by JSON, which is
// never shorter than the name as a JSON string.
func jsonLen(name string) int {
	n := 0
	for _, r := range name {
		switch {
		case plainRune(r):
			n += utf8.RuneLen(r)
		case r < 0x10:
			n += len(`\\x{f}`)
		case r < 0x100:
			n += len(`\\x{ff}`)
		case r < 0x1000:
			n += len(`\\x{fff}`)
		case r < 0x10000:
			n += len(`\\x{ffff}`)
		default:
			n += len(`\\x{fffff}`) + 1
		}
	}
	return n
}

// batches splits names into groups whose body stays within maxBytes and
// maxNames. A name too long for maxBytes on its own gets a query of its
// own.
func (q *query) batches(names []string, from, to int64, maxBytes, maxNames int) [][]string {
	// The body around the names: rendered with no name.
	base := len(q.render(nil, from, to, regexpOr))
	var out [][]string
	var cur []string
	size := base
	for _, n := range names {
		add := jsonLen(n) + 1
		if len(cur) > 0 && (len(cur) >= maxNames || size+add > maxBytes) {
			out = append(out, cur)
			cur, size = nil, base
		}
		cur = append(cur, n)
		size += add
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// NodeQuery returns the body of POST /api/query that a check's query
// becomes for names over [from, to] in its first form (literal_or, or a
// regular expression when a name holds |), and the tag holding the node
// name: what Fetch sends, for tests and to show a user.
func NodeQuery(text, label string, from, to int64, names ...string) ([]byte, string, error) {
	q, err := parseQuery(text, label)
	if err != nil {
		return nil, "", err
	}
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, "", err
		}
	}
	if len(names) == 0 {
		return nil, "", depc.Errorf(depc.EINVALID, "name: none given")
	}
	return q.render(names, from, to, form(names)), q.label, nil
}
