package influxdb

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/httpsource"
	"github.com/depc-dev/depc/source/outbound"
)

// Check defaults and limits, in seconds.
const (
	DefaultLookback = 300
	MaxLookback     = 7 * 86400
	MaxStep         = 86400
)

// ChunkSize is the rows per chunk asked of the server: an answer is read
// chunk by chunk, so memory holds one chunk's JSON at a time besides the
// points.
const ChunkSize = 10000

// Source is an InfluxDB 1.x source. It is safe for concurrent use.
type Source struct {
	cfg      Config
	c        *httpsource.Client
	endpoint string // the /query URL
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
	case c.Token != "":
		hdr.Set("Authorization", "Token "+c.Token)
	case c.BearerToken != "":
		hdr.Set("Authorization", "Bearer "+c.BearerToken)
	case c.BasicAuth != nil:
		hdr.Set("Authorization", httpsource.BasicAuthorization(c.BasicAuth))
	}
	hc, err := httpsource.NewClient("influxdb", c.URL, time.Duration(c.Timeout), DefaultConcurrency*2, hdr, opts...)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(c.URL) // validated
	return &Source{cfg: c, c: hc, endpoint: u.JoinPath("query").String()}, nil
}

// Close closes the idle connections of the source's own transport.
// Requests still running finish normally.
func (s *Source) Close() error { return s.c.Close() }

// check is a check's parameters with defaults applied and the query parsed.
type check struct {
	q        *query
	lookback int64
}

func parseCheck(p depc.CheckParameters) (*check, error) {
	c := check{lookback: p.Lookback}
	if c.lookback == 0 {
		c.lookback = DefaultLookback
	}
	// The step means nothing to InfluxQL (GROUP BY time() in the query
	// sets a resolution); it is checked like every source's.
	if p.Step < 0 || p.Step > MaxStep {
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

// ValidateCheck checks a check's query, label and lookback without
// contacting the server: the query must be one SELECT that InfluxQL parses,
// use the placeholder only as "<tag>" = $name, not write (INTO), not limit
// series (SLIMIT, SOFFSET) and not constrain time. The threshold is the
// caller's to validate. Errors are EINVALID naming the field.
func (s *Source) ValidateCheck(p depc.CheckParameters) error {
	c, err := parseCheck(p)
	if err != nil {
		return err
	}
	// The rewritten query is what the server will parse: make sure the
	// printer gives back InfluxQL, so a printer quirk shows when the check
	// is saved and not in every nightly run.
	for _, names := range [][]string{{"a"}, {"a", "b"}} {
		text := c.q.render(names, 0, 60)
		if _, err := influxqlParse(text); err != nil {
			return depc.WrapError(depc.EINVALID, err, "parameters.query: cannot be restricted to a node: %v", err)
		}
	}
	return nil
}

// window returns the time range asked of the server for w: [w.Start −
// lookback, w.End).
func window(w depc.Window, lookback int64) (int64, int64, error) {
	if w.End <= w.Start {
		return 0, 0, depc.Errorf(depc.EINVALID, "window: end %d is not after start %d", w.End, w.Start)
	}
	// Unix seconds of any real instant are far from these bounds; they keep
	// time.Unix and the printer in the years InfluxDB takes.
	const limit = 1 << 40
	if w.Start-lookback < -limit || w.End > limit {
		return 0, 0, depc.Errorf(depc.EINVALID, "window: [%d, %d) is out of range", w.Start, w.End)
	}
	return w.Start - lookback, w.End, nil
}

// Fetch runs the check's query for the names over [w.Start − lookback,
// w.End): in batches of names, one GET /query per batch, the batch's names
// compared with the node tag (= for one, =~ an anchored regular expression
// for several) and the result grouped by that tag and split by its value.
// Series whose tag is missing or names no node of the batch are ignored.
// A batch's failure is given to fn for each of its names while the other
// batches go on. A bad check or window is given to fn for every name; so is
// an empty or non-UTF-8 name, for that name. fn is called once per distinct
// name, from the calling goroutine. Fetch returns an error only when ctx
// ends first.
func (s *Source) Fetch(ctx context.Context, p depc.CheckParameters, w depc.Window, names []string, fn func(depc.SourceResult)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	distinct := httpsource.Distinct(names)
	c, err := parseCheck(p)
	var from, to int64
	if err == nil {
		from, to, err = window(w, c.lookback)
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
	var batches []batch
	for _, names := range c.q.batches(valid, from, to, s.cfg.MaxQueryBytes, s.cfg.MaxNamesPerQuery) {
		batches = append(batches, batch{names: names, text: c.q.render(names, from, to)})
	}
	return httpsource.Run(ctx, s.cfg.Concurrency, batches, func(b batch) []string { return b.names },
		func(ctx context.Context, b batch) (map[string][]depc.Series, error) {
			return s.query(ctx, c.q.label, from, to, b)
		}, fn)
}

type batch struct {
	names []string
	text  string
}

// query runs one batch's query and returns its series by node name.
func (s *Source) query(ctx context.Context, label string, from, to int64, b batch) (map[string][]depc.Series, error) {
	v := url.Values{}
	v.Set("db", s.cfg.Database)
	if s.cfg.RetentionPolicy != "" {
		v.Set("rp", s.cfg.RetentionPolicy)
	}
	v.Set("q", b.text)
	v.Set("epoch", "s")
	v.Set("chunked", "true")
	v.Set("chunk_size", strconv.Itoa(ChunkSize))
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.Timeout))
	defer cancel()
	// GET: InfluxDB 1.x runs only read statements (SELECT, SHOW) sent
	// with GET, whatever the query says.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.endpoint+"?"+v.Encode(), nil)
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "configuration.url: %q is not usable", s.c.URL)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.c.HTTP.Do(req)
	if err != nil {
		return nil, s.c.NetError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, s.statusError(resp)
	}
	d := newDecoder(label, b.names, from, to)
	body := httpsource.NewLimitedReader(resp.Body, s.cfg.MaxResponseBytes)
	if err := d.decode(body); err != nil {
		return nil, s.answerError(ctx, err, body, len(b.names))
	}
	return d.result(), nil
}

// answerError says what was wrong with an answer the server sent with
// status 200.
//
// What the server answered is never shown beyond an InfluxDB error about
// the statement: a source's URL may point anywhere, and its users may not
// read what answers there (docs/security.md). The rest goes to the server
// log.
func (s *Source) answerError(ctx context.Context, err error, body *httpsource.LimitedReader, names int) error {
	var se *serverError
	var ve *valueError
	tooLarge := errors.Is(err, httpsource.ErrTooLarge) || body.Left < 0
	switch {
	case errors.As(err, &se) && !tooLarge:
		return s.queryError(http.StatusOK, se.msg)
	case ctx.Err() == nil && !tooLarge && errors.As(err, &ve):
		return depc.WrapError(depc.EINVALID, err, "parameters.query: influxdb at %s: %s", s.c.URL, httpsource.Shown(ve.msg))
	}
	return s.c.AnswerError(ctx, err, body, names,
		"fetch fewer nodes per query (max_names_per_query), select fewer points, or raise max_response_bytes",
		"an InfluxDB /query answer")
}

// queryError turns the error InfluxDB reported about the statement (in a
// result, or the JSON body of a 400) into a depc error naming what to fix.
// Only what concerns the query or the database is shown.
func (s *Source) queryError(status int, msg string) error {
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "database not found"):
		return depc.Errorf(depc.EINVALID, "configuration.database: influxdb at %s: %s", s.c.URL, httpsource.Shown(msg))
	case strings.Contains(lower, "retention policy not found"):
		return depc.Errorf(depc.EINVALID, "configuration.retention_policy: influxdb at %s: %s", s.c.URL, httpsource.Shown(msg))
	case strings.Contains(lower, "authorization failed") || strings.Contains(lower, "not authorized") ||
		strings.Contains(lower, "authentication"):
		s.c.Guard.LogAnswer(s.c.URL, status, msg)
		return depc.Errorf(depc.EUNAVAILABLE, "influxdb at %s refused the credentials (check the source's credentials)", s.c.URL)
	case strings.Contains(lower, "timeout") || strings.Contains(lower, "interrupted") || strings.Contains(lower, "killed"):
		s.c.Guard.LogAnswer(s.c.URL, status, msg)
		return depc.Errorf(depc.EUNAVAILABLE, "influxdb at %s: the query was stopped before it ended (a timeout on the server)", s.c.URL)
	case status == http.StatusBadRequest:
		return depc.Errorf(depc.EINVALID, "parameters.query: influxdb at %s refused the query: %s", s.c.URL, httpsource.Shown(msg))
	}
	return depc.Errorf(depc.EINVALID, "parameters.query: influxdb at %s could not run the query: %s", s.c.URL, httpsource.Shown(msg))
}

// statusError reads the error of an answer whose status is not 200: the
// status and a hint of ours; the body goes to the server log, except the
// message of a query InfluxDB refused (400 with its JSON error).
func (s *Source) statusError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, outbound.MaxLoggedBody))
	var body struct {
		Error string `json:"error"`
	}
	if resp.StatusCode == http.StatusBadRequest && json.Unmarshal(b, &body) == nil && body.Error != "" {
		return s.queryError(resp.StatusCode, body.Error)
	}
	s.c.Guard.LogAnswer(s.c.URL, resp.StatusCode, string(b))
	if resp.StatusCode == http.StatusRequestURITooLong || resp.StatusCode == http.StatusRequestHeaderFieldsTooLarge {
		return depc.Errorf(depc.EINVALID, "configuration.max_query_bytes: influxdb at %s answered HTTP %d: lower max_query_bytes", s.c.URL, resp.StatusCode)
	}
	return s.c.StatusError(nil, resp.StatusCode, "check the source's credentials, and that its user may read the database", "/query")
}
