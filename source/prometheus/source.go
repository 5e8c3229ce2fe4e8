package prometheus

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/source/httpsource"
	"github.com/depc-dev/depc/source/outbound"
	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// Check defaults and limits, in seconds.
const (
	DefaultStep     = 60
	DefaultLookback = 300
	MaxStep         = 86400
	MaxLookback     = 7 * 86400
)

// MaxPointsPerQuery is the most evaluation steps one range query asks for:
// Prometheus refuses queries of more than 11 000 points per series, so
// longer ranges are split into several queries.
const MaxPointsPerQuery = 11000

// MaxPoints bounds the points of one series over one window (at most 694
// days at a 60 s step), whatever the caller asks.
const MaxPoints = 1_000_000

// Source is a Prometheus source. It is safe for concurrent use.
type Source struct {
	cfg Config
	api v1.API
	c   *httpsource.Client
}

var _ depc.Source = (*Source)(nil)

// Option changes how a Source is built.
type Option = httpsource.Option

// WithTransport makes the source send its requests through rt instead of its
// own http.Transport (tests count and fail requests this way). The URL is
// still checked by the guard.
func WithTransport(rt http.RoundTripper) Option { return httpsource.WithTransport(rt) }

// WithGuard sets the guard of the source's URL and connections, and the
// log of what its server answers (default outbound.Default()).
func WithGuard(g *outbound.Guard) Option { return httpsource.WithGuard(g) }

// Open returns a source for a stored configuration (see Config).
func Open(configuration json.RawMessage, opts ...Option) (*Source, error) {
	c, err := ParseConfig(configuration)
	if err != nil {
		return nil, err
	}
	return New(c, opts...)
}

// New returns a source for c. It does not contact the server.
func New(c Config, opts ...Option) (*Source, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	hdr := make(http.Header)
	for k, v := range c.Headers {
		hdr.Set(k, v)
	}
	switch {
	case c.BearerToken != "":
		hdr.Set("Authorization", "Bearer "+c.BearerToken)
	case c.BasicAuth != nil:
		hdr.Set("Authorization", httpsource.BasicAuthorization(c.BasicAuth))
	}
	hc, err := httpsource.NewClient("prometheus", c.URL, time.Duration(c.Timeout), DefaultConcurrency*2, hdr, opts...)
	if err != nil {
		return nil, err
	}
	client, err := api.NewClient(api.Config{Address: c.URL, RoundTripper: hc.Transport})
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "configuration.url: %q is not usable", c.URL)
	}
	return &Source{cfg: c, api: v1.NewAPI(client), c: hc}, nil
}

// Close closes the idle connections of the source's own transport, and
// with them the goroutines that keep each one: a source opened to validate
// a check, or replaced by an edited configuration, leaves nothing behind.
// Requests still running finish normally.
func (s *Source) Close() error { return s.c.Close() }

// check is a check's parameters with defaults applied and the query parsed.
type check struct {
	q        *query
	step     int64
	lookback int64
}

func parseCheck(p depc.CheckParameters) (*check, error) {
	c := check{step: p.Step, lookback: p.Lookback}
	if c.step == 0 {
		c.step = DefaultStep
	}
	if c.lookback == 0 {
		c.lookback = DefaultLookback
	}
	if c.step < 1 || c.step > MaxStep {
		return nil, depc.Errorf(depc.EINVALID, "parameters.step: must be between 1 and %d seconds", MaxStep)
	}
	if c.lookback < 0 || c.lookback > MaxLookback {
		return nil, depc.Errorf(depc.EINVALID, "parameters.lookback: must be between 0 and %d seconds", MaxLookback)
	}
	q, err := parseQuery(p.Query, p.Label)
	if err != nil {
		return nil, err
	}
	c.q = q
	return &c, nil
}

// ValidateCheck checks a check's query, label, step and lookback without
// contacting the server: the query must parse as PromQL, be an instant
// vector, select series, not match on the node label, and keep every node's
// series apart (see the package documentation). The threshold is the
// caller's to validate. Errors are EINVALID naming the field.
func (s *Source) ValidateCheck(p depc.CheckParameters) error {
	c, err := parseCheck(p)
	if err != nil {
		return err
	}
	// The rewritten query is what the server will parse: make sure the
	// printer gives back PromQL, so a printer quirk shows when the check is
	// saved and not in every nightly run.
	for _, names := range [][]string{{"a"}, {"a", "b"}} {
		if _, err := promql.ParseExpr(c.q.render(c.q.matcher(names))); err != nil {
			return depc.WrapError(depc.EINVALID, err, "parameters.query: cannot be restricted to a node: %v", err)
		}
	}
	return nil
}

// span is the evaluation range of a window: the instants first, first+step,
// …, last, aligned on the window's start. first is at least lookback before
// the start; last is the last instant before the window's end, because a
// range query's end is inclusive and a window's is not.
type span struct {
	first, last, step int64
}

func evalSpan(w depc.Window, c *check) (span, error) {
	if w.End <= w.Start {
		return span{}, depc.Errorf(depc.EINVALID, "window: end %d is not after start %d", w.End, w.Start)
	}
	// Unix seconds of any real instant are far from int64's limits; these
	// bounds keep the arithmetic below from overflowing on absurd windows.
	const limit = 1 << 50
	if w.Start < -limit || w.End > limit {
		return span{}, depc.Errorf(depc.EINVALID, "window: [%d, %d) is out of range", w.Start, w.End)
	}
	st := c.step
	before := (c.lookback + st - 1) / st // steps before the start
	after := (w.End - 1 - w.Start) / st  // steps after the start
	if before+after+1 > MaxPoints {
		return span{}, depc.Errorf(depc.EINVALID, "window: %d s at a %d s step is more than %d points", w.End-w.Start, st, MaxPoints)
	}
	return span{first: w.Start - before*st, last: w.Start + after*st, step: st}, nil
}

// ranges splits the span into v1.Ranges of at most MaxPointsPerQuery points.
func (sp span) ranges() []v1.Range {
	var out []v1.Range
	for from := sp.first; from <= sp.last; from += MaxPointsPerQuery * sp.step {
		to := min(from+(MaxPointsPerQuery-1)*sp.step, sp.last)
		out = append(out, v1.Range{Start: time.Unix(from, 0), End: time.Unix(to, 0), Step: time.Duration(sp.step) * time.Second})
	}
	return out
}

// Fetch evaluates the check's query for the names as range queries over
// [w.Start − lookback, w.End) at the check's step, with evaluation instants
// aligned on w.Start (the lookback is rounded up to a whole number of steps)
// and none at or after w.End. The names are fetched in batches, one query
// per batch with the matcher label=~"n1|n2|…"; the result is split by the
// label's value, and series whose label is missing or names no node of the
// batch are ignored. A batch's failure is given to fn for each of its names
// while the other batches go on. A bad check or window is given to fn for
// every name; so is an empty or non-UTF-8 name, for that name. fn is called
// once per distinct name, from the calling goroutine. Fetch returns an error
// only when ctx ends first.
func (s *Source) Fetch(ctx context.Context, p depc.CheckParameters, w depc.Window, names []string, fn func(depc.SourceResult)) error {
	distinct := httpsource.Distinct(names)
	c, err := parseCheck(p)
	var sp span
	if err == nil {
		sp, err = evalSpan(w, c)
	}
	if err != nil {
		for _, n := range distinct {
			fn(depc.SourceResult{Name: n, Err: err})
		}
		return nil
	}
	valid := distinct[:0]
	for _, n := range distinct {
		if err := checkName(n); err != nil {
			fn(depc.SourceResult{Name: n, Err: err})
			continue
		}
		valid = append(valid, n)
	}
	if len(valid) == 0 {
		return ctx.Err()
	}
	// Rendering mutates the parsed query, so every batch's text is made
	// here, before the queries run concurrently.
	batches := c.q.batches(valid, s.cfg.MaxQueryBytes, s.cfg.MaxNamesPerQuery)
	return httpsource.Run(ctx, s.cfg.Concurrency, batches, func(b batch) []string { return b.names },
		func(ctx context.Context, b batch) (map[string][]depc.Series, error) {
			return s.query(ctx, c.q.label, sp, b)
		}, fn)
}

// query runs one batch over the whole span (several range queries when the
// span has more points than Prometheus allows per query) and returns its
// series by node name.
func (s *Source) query(ctx context.Context, label string, sp span, b batch) (map[string][]depc.Series, error) {
	want := make(map[string]bool, len(b.names))
	for _, n := range b.names {
		want[n] = true
	}
	// Series are keyed by their label set so the pieces of one series from
	// consecutive sub-ranges join up.
	index := make(map[string]int)
	var all []depc.Series
	timeout := time.Duration(s.cfg.Timeout)
	for _, r := range sp.ranges() {
		qctx, cancel := context.WithTimeout(ctx, timeout)
		v, _, _, err := s.api.QueryRange(qctx, b.query, r, v1.WithTimeout(timeout))
		cancel()
		if err != nil {
			return nil, s.translate(ctx, err)
		}
		m, ok := v.(model.Matrix)
		if !ok {
			return nil, depc.Errorf(depc.EUNAVAILABLE, "prometheus at %s: a range query answered a %s, not a matrix", s.c.URL, v.Type())
		}
		for _, ss := range m {
			name := string(ss.Metric[model.LabelName(label)])
			if !want[name] || len(ss.Values) == 0 {
				continue // no node label, another series, or only histograms
			}
			key := ss.Metric.String()
			i, ok := index[key]
			if !ok {
				i = len(all)
				index[key] = i
				lbls := make(map[string]string, len(ss.Metric))
				for k, v := range ss.Metric {
					lbls[string(k)] = string(v)
				}
				all = append(all, depc.Series{Labels: lbls})
			}
			pts := all[i].Points
			if pts == nil {
				pts = make([]qos.Point, 0, len(ss.Values))
			}
			for _, pair := range ss.Values {
				pts = append(pts, qos.Point{T: pair.Timestamp.Unix(), V: float64(pair.Value)})
			}
			all[i].Points = pts
		}
	}
	out := make(map[string][]depc.Series, len(b.names))
	for _, sr := range all {
		n := sr.Labels[label]
		out[n] = append(out[n], sr)
	}
	return out, nil
}

// translate turns a client error into a depc error that says what went
// wrong where: EINVALID with Prometheus' own message for a query it refused,
// EUNAVAILABLE for everything that is the server's or the network's.
//
// What the server answered is never shown beyond a Prometheus API error
// about the query: a source's URL may point anywhere, and its users may not
// read what answers there (issue 12). The status and a short message of
// ours are shown; the body goes to the server log.
func (s *Source) translate(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var apiErr *v1.Error
	if !errors.As(err, &apiErr) {
		return s.c.NetError(ctx, err)
	}
	apiErr = apiErrorOf(apiErr)
	switch apiErr.Type {
	case v1.ErrBadData:
		return depc.WrapError(depc.EINVALID, err, "parameters.query: prometheus at %s refused the query: %s", s.c.URL, httpsource.Shown(apiErr.Msg))
	case v1.ErrExec:
		return depc.WrapError(depc.EINVALID, err, "parameters.query: prometheus at %s could not run the query: %s", s.c.URL, httpsource.Shown(apiErr.Msg))
	case v1.ErrTimeout, v1.ErrCanceled:
		return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s: query timed out", s.c.URL)
	case v1.ErrClient, v1.ErrServer:
		status := statusOf(apiErr)
		s.c.Guard.LogAnswer(s.c.URL, status, apiErr.Msg+": "+apiErr.Detail)
		if status == 0 {
			return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s answered an error", s.c.URL)
		}
		return s.c.StatusError(err, status, "check the source's credentials", "/api/v1")
	default:
		s.c.Guard.LogAnswer(s.c.URL, 0, apiErr.Msg+": "+apiErr.Detail)
		return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s: the answer is not a Prometheus API answer", s.c.URL)
	}
}

// apiErrorOf returns the Prometheus API error carried by the body of an HTTP
// error. client_golang decodes the body only for statuses 400 and 422, but
// Prometheus also answers 503 for a query timeout and 500 for an internal
// error, with the same JSON.
func apiErrorOf(e *v1.Error) *v1.Error {
	// VictoriaMetrics gives the HTTP status as the error type: 422 for a
	// query it cannot parse or run, 400 for a bad request, with its message
	// about the query after the query itself and the range.
	switch e.Type {
	case "422":
		return &v1.Error{Type: v1.ErrExec, Msg: vmQueryError(e.Msg)}
	case "400":
		return &v1.Error{Type: v1.ErrBadData, Msg: vmQueryError(e.Msg)}
	}
	if (e.Type != v1.ErrClient && e.Type != v1.ErrServer) || e.Detail == "" {
		return e
	}
	var body struct {
		Status    string       `json:"status"`
		ErrorType v1.ErrorType `json:"errorType"`
		Error     string       `json:"error"`
	}
	if json.Unmarshal([]byte(e.Detail), &body) != nil || body.Status != "error" || body.ErrorType == "" || body.Error == "" {
		return e
	}
	switch body.ErrorType {
	case v1.ErrTimeout, v1.ErrCanceled, v1.ErrBadData, v1.ErrExec:
		return &v1.Error{Type: body.ErrorType, Msg: body.Error}
	}
	return e
}

// vmRange ends the prefix of VictoriaMetrics' query errors: "error when
// executing query=<the query> on the time range (start=…, end=…, step=…): ".
var vmRange = regexp.MustCompile(` on the time range \(start=-?\d+, end=-?\d+, step=\d+\): `)

// vmQueryError drops that prefix: the query of a batch repeats every node's
// name, and the message shown is cut to httpsource.MaxShown bytes.
func vmQueryError(msg string) string {
	if !strings.HasPrefix(msg, "error when executing query=") {
		return msg
	}
	if loc := vmRange.FindStringIndex(msg); loc != nil {
		return msg[loc[1]:]
	}
	return msg
}

// statusOf returns the HTTP status of an error client_golang reports as
// "client error: 404" or "server error: 502", 0 when its message is not
// that (a 400 or 422 whose JSON body had its own message).
func statusOf(e *v1.Error) int {
	kind, status, ok := strings.Cut(e.Msg, ": ")
	if !ok || (kind != "client error" && kind != "server error") {
		return 0
	}
	code, err := strconv.Atoi(status)
	if err != nil || code < 100 || code > 599 {
		return 0
	}
	return code
}
