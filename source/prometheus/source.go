package prometheus

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
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
	url string // redacted, for messages
	// own is the transport the source made, nil when WithTransport gave
	// one: Close releases only what the source owns.
	own *http.Transport
	// guard logs what the server answered when it is not shown.
	guard *outbound.Guard
}

var _ depc.Source = (*Source)(nil)

// Option changes how a Source is built.
type Option func(*options)

type options struct {
	transport http.RoundTripper
	guard     *outbound.Guard
}

// WithTransport makes the source send its requests through rt instead of its
// own http.Transport (tests count and fail requests this way). The URL is
// still checked by the guard.
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) { o.transport = rt }
}

// WithGuard sets the guard of the source's URL and connections, and the
// log of what its server answers (default outbound.Default()).
func WithGuard(g *outbound.Guard) Option {
	return func(o *options) { o.guard = g }
}

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
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.guard == nil {
		o.guard = outbound.Default()
	}
	if err := o.guard.CheckURL("configuration.url", c.URL); err != nil {
		return nil, err
	}
	rt := o.transport
	var own *http.Transport
	if rt == nil {
		own = o.guard.Transport()
		own.MaxIdleConnsPerHost = DefaultConcurrency * 2
		rt = own
	}
	hdr := make(http.Header)
	for k, v := range c.Headers {
		hdr.Set(k, v)
	}
	switch {
	case c.BearerToken != "":
		hdr.Set("Authorization", "Bearer "+c.BearerToken)
	case c.BasicAuth != nil:
		r := http.Request{Header: make(http.Header)}
		r.SetBasicAuth(c.BasicAuth.Username, c.BasicAuth.Password)
		hdr.Set("Authorization", r.Header.Get("Authorization"))
	}
	u, _ := url.Parse(c.URL) // validated
	if len(hdr) > 0 {
		rt = &headerTransport{base: rt, header: hdr, host: u.Host}
	}
	client, err := api.NewClient(api.Config{Address: c.URL, RoundTripper: rt})
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "configuration.url: %q is not usable", c.URL)
	}
	return &Source{cfg: c, api: v1.NewAPI(client), url: u.Redacted(), own: own, guard: o.guard}, nil
}

// Close closes the idle connections of the source's own transport, and
// with them the goroutines that keep each one: a source opened to validate
// a check, or replaced by an edited configuration, leaves nothing behind.
// Requests still running finish normally.
func (s *Source) Close() error {
	if s.own != nil {
		s.own.CloseIdleConnections()
	}
	return nil
}

// headerTransport adds fixed headers (authentication, tenant) to every
// request to the configured server; a redirect elsewhere does not get
// them: the credentials are the server's, not whoever it points to.
type headerTransport struct {
	base   http.RoundTripper
	header http.Header
	host   string // host[:port] of the configured URL
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.EqualFold(r.URL.Host, t.host) {
		return t.base.RoundTrip(r)
	}
	// A RoundTripper must not modify the caller's request.
	r = r.Clone(r.Context())
	for k, v := range t.header {
		r.Header[k] = v
	}
	return t.base.RoundTrip(r)
}

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
	distinct := make([]string, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			distinct = append(distinct, n)
		}
	}
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
	return s.run(ctx, c.q.label, sp, batches, fn)
}

type batchResult struct {
	batch
	series map[string][]depc.Series
	err    error
}

// run queries the batches with at most cfg.Concurrency at once and hands
// each batch's results to fn from the calling goroutine.
func (s *Source) run(ctx context.Context, label string, sp span, batches []batch, fn func(depc.SourceResult)) error {
	ctx, cancel := context.WithCancel(ctx)
	todo := make(chan batch)
	done := make(chan batchResult)
	var wg sync.WaitGroup
	for range min(s.cfg.Concurrency, len(batches)) {
		wg.Go(func() {
			for b := range todo {
				series, err := s.query(ctx, label, sp, b)
				select {
				case done <- batchResult{batch: b, series: series, err: err}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer close(todo)
		for _, b := range batches {
			select {
			case todo <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	// Workers leave once ctx is cancelled, so the wait never blocks long:
	// no goroutine outlives Fetch.
	defer func() {
		cancel()
		wg.Wait()
	}()
	for range batches {
		var r batchResult
		select {
		case r = <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if r.err != nil && ctx.Err() != nil {
			// The batch failed because the caller gave up, not because
			// of the server: that is not the nodes' error.
			return ctx.Err()
		}
		for _, n := range r.names {
			if r.err != nil {
				fn(depc.SourceResult{Name: n, Err: r.err})
			} else {
				fn(depc.SourceResult{Name: n, Series: r.series[n]})
			}
		}
	}
	return nil
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
			return nil, depc.Errorf(depc.EUNAVAILABLE, "prometheus at %s: a range query answered a %s, not a matrix", s.url, v.Type())
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
	if r, ok := outbound.Refused(err); ok {
		return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s: %s", s.url, r)
	}
	var apiErr *v1.Error
	if errors.As(err, &apiErr) {
		apiErr = apiErrorOf(apiErr)
		switch apiErr.Type {
		case v1.ErrBadData:
			return depc.WrapError(depc.EINVALID, err, "parameters.query: prometheus at %s refused the query: %s", s.url, queryError(apiErr.Msg))
		case v1.ErrExec:
			return depc.WrapError(depc.EINVALID, err, "parameters.query: prometheus at %s could not run the query: %s", s.url, queryError(apiErr.Msg))
		case v1.ErrTimeout, v1.ErrCanceled:
			return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s: query timed out", s.url)
		case v1.ErrClient, v1.ErrServer:
			status := statusOf(apiErr)
			s.guard.LogAnswer(s.url, status, apiErr.Msg+": "+apiErr.Detail)
			if status == 0 {
				return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s answered an error", s.url)
			}
			return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s answered HTTP %d%s", s.url, status, hint(status))
		default:
			s.guard.LogAnswer(s.url, 0, apiErr.Msg+": "+apiErr.Detail)
			return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s: the answer is not a Prometheus API answer", s.url)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s: no answer within %s", s.url, time.Duration(s.cfg.Timeout))
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s: no answer within %s", s.url, time.Duration(s.cfg.Timeout))
	}
	s.guard.Log().Warn("source unreachable", "source", s.url, "error", unwrapURLError(err))
	return depc.WrapError(depc.EUNAVAILABLE, err, "prometheus at %s is unreachable: %s", s.url, netProblem(err))
}

// maxQueryError bounds the server's message about a query that is shown.
const maxQueryError = 300

// queryError is the message of a Prometheus API error about a query (a
// parse or execution error): what the user needs to fix the query, cut to
// maxQueryError bytes of printable text.
func queryError(msg string) string {
	msg = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, msg)
	if len(msg) > maxQueryError {
		cut := maxQueryError
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
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
// name, and the message shown is cut to maxQueryError bytes.
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

// hint explains the HTTP statuses a misconfigured source typically gets.
func hint(status int) string {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return " (check the source's credentials)"
	case http.StatusNotFound:
		return " (check the source's url: it must be the server's base URL, without /api/v1)"
	}
	return ""
}

// netProblem says in a few fixed words why a connection failed. The error
// itself may quote what the other end sent (a banner that is not HTTP):
// it goes to the log only.
func netProblem(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "no such host"
	case errors.As(err, &dnsErr):
		return "its host name could not be resolved"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to host"
	case errors.As(err, &certErr):
		return "its TLS certificate is not trusted"
	case errors.As(err, &recordErr):
		return "it does not speak TLS"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection closed before an answer"
	}
	return "no HTTP answer (details in the server log)"
}

// unwrapURLError drops net/http's `Post "url": ` prefix, which repeats the
// URL with the whole query in it.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
