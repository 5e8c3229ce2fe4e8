package opentsdb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
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

// Source is an OpenTSDB source. It is safe for concurrent use.
type Source struct {
	cfg      Config
	c        *httpsource.Client
	endpoint string // the /api/query URL
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
	if c.BasicAuth != nil {
		hdr.Set("Authorization", httpsource.BasicAuthorization(c.BasicAuth))
	}
	hc, err := httpsource.NewClient("opentsdb", c.URL, time.Duration(c.Timeout), DefaultConcurrency*2, hdr, opts...)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(c.URL) // validated
	return &Source{cfg: c, c: hc, endpoint: u.JoinPath("api", "query").String()}, nil
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
	// The step means nothing here (the query's downsample sets a
	// resolution); it is checked like every source's.
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
// contacting the server: the query must be one OpenTSDB sub-query with a
// metric and an aggregator, fields of the forms OpenTSDB reads, and no
// filter on the node tag but the placeholder. Which metrics, tags and
// aggregators exist is the server's to say, at the first Fetch. The
// threshold is the caller's to validate. Errors are EINVALID naming the
// field.
func (s *Source) ValidateCheck(p depc.CheckParameters) error {
	_, err := parseCheck(p)
	return err
}

// window returns the time range asked of the server for w: [w.Start −
// lookback, w.End]; OpenTSDB's end is inclusive, and points at w.End are
// dropped when decoding.
func window(w depc.Window, lookback int64) (int64, int64, error) {
	if w.End <= w.Start {
		return 0, 0, depc.Errorf(depc.EINVALID, "window: end %d is not after start %d", w.End, w.Start)
	}
	// OpenTSDB takes times from 1970 to 2286 (10 digits of seconds).
	if w.Start-lookback < 0 || w.End > 9999999999 {
		return 0, 0, depc.Errorf(depc.EINVALID, "window: [%d, %d) is out of OpenTSDB's range", w.Start, w.End)
	}
	return w.Start - lookback, w.End, nil
}

// Fetch runs the check's query for the names over [w.Start − lookback,
// w.End): in batches of names, one POST /api/query per batch, the batch's
// names selected on the node tag (literal_or, grouped by the tag) and the
// answer split by the tag's value; names the server has never seen, and
// names holding |, as batch says. A batch's failure is given to fn for each of its names
// while the other batches go on. A bad check or window is given to fn for
// every name; so is an empty or non-UTF-8 name, for that name. fn is called
// once per distinct name, from the calling goroutine. Fetch returns an
// error only when ctx ends first.
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
	// Names holding | can only be matched by a regular expression: they
	// get batches of their own, so that the others keep literal_or.
	var plain, piped []string
	for _, n := range valid {
		if strings.Contains(n, "|") {
			piped = append(piped, n)
		} else {
			plain = append(plain, n)
		}
	}
	batches := c.q.batches(plain, from, to, s.cfg.MaxQueryBytes, s.cfg.MaxNamesPerQuery)
	batches = append(batches, c.q.batches(piped, from, to, s.cfg.MaxQueryBytes, s.cfg.MaxNamesPerQuery)...)
	return httpsource.Run(ctx, s.cfg.Concurrency, batches, func(b []string) []string { return b },
		func(ctx context.Context, b []string) (map[string][]depc.Series, error) {
			return s.batch(ctx, c.q, from, to, b)
		}, fn)
}

// MaxUnknownRetries bounds how many times a batch is asked again with
// literal_or without a name the server named as unknown, before the rest of
// the batch is asked with a regular expression: each query resolves every
// name of the batch again, and the server looks each unknown one up in
// HBase.
const MaxUnknownRetries = 4

// batch fetches one batch of names. Names holding | are asked with a regular
// expression (batches keep them apart). The others are asked with
// literal_or; when the server has never seen one of them, that name has no
// data and the batch is asked again without it, up to MaxUnknownRetries
// times, after which the rest is asked with a regular expression. literal_or
// is preferred: it is filtered in HBase, and OpenTSDB 2.4's post-scan
// filters (a regular expression's) can drop rows while its UID cache is
// cold (see the package documentation).
func (s *Source) batch(ctx context.Context, q *query, from, to int64, names []string) (map[string][]depc.Series, error) {
	if form(names) == regexpOr {
		return s.query(ctx, q, from, to, names, regexpOr)
	}
	rest := names
	for range MaxUnknownRetries + 1 {
		if len(rest) == 0 {
			return nil, nil
		}
		series, err := s.query(ctx, q, from, to, rest, literalOr)
		var be *batchError
		if !errors.As(err, &be) {
			return series, err
		}
		i := slices.Index(rest, be.unknown.name)
		if be.unknown.kind != "tagv" || i < 0 {
			return nil, be.err
		}
		// rest may be names itself: copy before removing.
		rest = slices.Delete(slices.Clone(rest), i, i+1)
	}
	if len(rest) == 0 {
		return nil, nil
	}
	series, err := s.query(ctx, q, from, to, rest, regexpOr)
	var be *batchError
	if errors.As(err, &be) {
		err = be.err
	}
	return series, err
}

// query runs one batch's query and returns its series by node name.
func (s *Source) query(ctx context.Context, q *query, from, to int64, names []string, how int) (map[string][]depc.Series, error) {
	body := q.render(names, from, to, how)
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.Timeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "configuration.url: %q is not usable", s.c.URL)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := s.c.HTTP.Do(req)
	if err != nil {
		return nil, s.c.NetError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, s.statusError(resp, q)
	}
	d := newDecoder(q.label, names, from, to)
	lr := httpsource.NewLimitedReader(resp.Body, s.cfg.MaxResponseBytes)
	if err := d.decode(lr); err != nil {
		return nil, s.answerError(ctx, err, lr, len(names))
	}
	return d.result(), nil
}

// answerError says what was wrong with an answer the server sent with
// status 200.
//
// What the server answered is never shown: a source's URL may point
// anywhere, and its users may not read what answers there
// (docs/security.md). It goes to the server log.
func (s *Source) answerError(ctx context.Context, err error, body *httpsource.LimitedReader, names int) error {
	return s.c.AnswerError(ctx, err, body, names,
		"fetch fewer nodes per query (max_names_per_query), select fewer points (a downsample), or raise max_response_bytes",
		"an OpenTSDB /api/query answer")
}

// unknownName is OpenTSDB's NoSuchUniqueName: a metric, tag key or tag
// value the server has never stored.
type unknownName struct {
	kind, name string // "metrics", "tagk" or "tagv"
	msg        string
}

func (e *unknownName) Error() string { return e.msg }

// parseUnknownName recognizes "No such name for 'tagv': 'web01'".
func parseUnknownName(msg string) *unknownName {
	for _, kind := range []string{"metrics", "tagk", "tagv"} {
		prefix := "No such name for '" + kind + "': '"
		if rest, ok := strings.CutPrefix(msg, prefix); ok && strings.HasSuffix(rest, "'") {
			return &unknownName{kind: kind, name: strings.TrimSuffix(rest, "'"), msg: msg}
		}
	}
	return nil
}

// queryError turns the message of a query OpenTSDB refused (HTTP 400 and
// its JSON error) into a depc error naming what to fix. Only the message
// is shown, never its trace or details.
func (s *Source) queryError(q *query, msg string) error {
	if u := parseUnknownName(msg); u != nil {
		switch {
		case u.kind == "metrics":
			return depc.WrapError(depc.EINVALID, u, "parameters.query.metric: opentsdb at %s has no metric %q", s.c.URL, httpsource.Shown(u.name))
		case u.kind == "tagk" && u.name == q.label:
			return depc.WrapError(depc.EINVALID, u, "parameters.label: opentsdb at %s has no tag %q: name the tag holding the node's name", s.c.URL, httpsource.Shown(u.name))
		case u.kind == "tagk":
			return depc.WrapError(depc.EINVALID, u, "parameters.query: opentsdb at %s has no tag %q", s.c.URL, httpsource.Shown(u.name))
		}
		// A tag value of the query's own filters (batch asks again when
		// it is a node's).
		return depc.WrapError(depc.EINVALID, u, "parameters.query: opentsdb at %s has no tag value %q", s.c.URL, httpsource.Shown(u.name))
	}
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "no such aggregat"):
		return depc.Errorf(depc.EINVALID, "parameters.query.aggregator: opentsdb at %s: %s", s.c.URL, httpsource.Shown(msg))
	case strings.Contains(lower, "chunked request not supported"):
		return depc.Errorf(depc.EINVALID, "configuration.max_query_bytes: opentsdb at %s takes no request of more than 8 KiB (tsd.http.request.enable_chunked is off): lower max_query_bytes to 8192", s.c.URL)
	}
	return depc.Errorf(depc.EINVALID, "parameters.query: opentsdb at %s refused the query: %s", s.c.URL, httpsource.Shown(msg))
}

// statusError reads the error of an answer whose status is not 200: the
// message of a query OpenTSDB refused (400), else the status and a hint of
// ours, the body going to the server log.
func (s *Source) statusError(resp *http.Response, q *query) error {
	// OpenTSDB's JSON error carries a Java trace of several KiB after its
	// message: read enough to parse it; the log gets MaxLoggedBody.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	isJSON := json.Unmarshal(b, &body) == nil && body.Error.Message != ""
	switch {
	case resp.StatusCode == http.StatusBadRequest && isJSON:
		err := s.queryError(q, body.Error.Message)
		if u := parseUnknownName(body.Error.Message); u != nil {
			// Fetch asks again when the unknown value is a node's.
			return &batchError{unknown: u, err: err}
		}
		return err
	case resp.StatusCode == http.StatusBadRequest && strings.Contains(string(b), "Chunked request not supported"):
		// Netty refuses the body before the API reads it: an HTML page.
		return s.queryError(q, "Chunked request not supported")
	case resp.StatusCode == http.StatusRequestEntityTooLarge && isJSON:
		// OpenTSDB's query limits (tsd.query.limits.*).
		return depc.Errorf(depc.EINVALID, "configuration.max_names_per_query: opentsdb at %s refused to send that much data: %s: fetch fewer nodes per query, or select fewer points (a downsample)", s.c.URL, httpsource.Shown(body.Error.Message))
	}
	s.c.Guard.LogAnswer(s.c.URL, resp.StatusCode, string(b))
	if resp.StatusCode == http.StatusRequestEntityTooLarge {
		return depc.Errorf(depc.EINVALID, "configuration.max_query_bytes: opentsdb at %s answered HTTP 413: lower max_query_bytes", s.c.URL)
	}
	return s.c.StatusError(nil, resp.StatusCode, "check the source's credentials", "/api/query")
}

// maxErrorBody bounds the body of an error answer that is read.
const maxErrorBody = 256 << 10

// batchError is the error of a query refused for a name the server does
// not know: batch asks again when the name is a node's, and gives err
// otherwise.
type batchError struct {
	unknown *unknownName
	err     error
}

func (e *batchError) Error() string { return e.err.Error() }
