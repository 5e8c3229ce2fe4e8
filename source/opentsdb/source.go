package opentsdb

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/depc-dev/depc"
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
	client   *http.Client
	endpoint string // the /api/query URL
	url      string // redacted, for messages
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
	if c.BasicAuth != nil {
		r := http.Request{Header: make(http.Header)}
		r.SetBasicAuth(c.BasicAuth.Username, c.BasicAuth.Password)
		hdr.Set("Authorization", r.Header.Get("Authorization"))
	}
	u, _ := url.Parse(c.URL) // validated
	if len(hdr) > 0 {
		rt = &headerTransport{base: rt, header: hdr, host: u.Host}
	}
	return &Source{
		cfg:      c,
		client:   &http.Client{Transport: rt},
		endpoint: u.JoinPath("api", "query").String(),
		url:      u.Redacted(),
		own:      own,
		guard:    o.guard,
	}, nil
}

// Close closes the idle connections of the source's own transport.
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
	distinct := make([]string, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			distinct = append(distinct, n)
		}
	}
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
	return s.run(ctx, c.q, from, to, batches, fn)
}

type batchResult struct {
	names  []string
	series map[string][]depc.Series
	err    error
}

// run queries the batches with at most cfg.Concurrency at once and hands
// each batch's results to fn from the calling goroutine.
func (s *Source) run(ctx context.Context, q *query, from, to int64, batches [][]string, fn func(depc.SourceResult)) error {
	ctx, cancel := context.WithCancel(ctx)
	todo := make(chan []string)
	done := make(chan batchResult)
	var wg sync.WaitGroup
	for range min(s.cfg.Concurrency, len(batches)) {
		wg.Go(func() {
			for b := range todo {
				series, err := s.batch(ctx, q, from, to, b)
				select {
				case done <- batchResult{names: b, series: series, err: err}:
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
	// Workers leave once ctx is cancelled: no goroutine outlives Fetch.
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
		return nil, depc.WrapError(depc.EINVALID, err, "configuration.url: %q is not usable", s.url)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.netError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, s.statusError(resp, q)
	}
	d := newDecoder(q.label, names, from, to)
	lr := &limitedReader{r: resp.Body, left: s.cfg.MaxResponseBytes}
	if err := d.decode(lr); err != nil {
		return nil, s.answerError(ctx, err, lr, len(names))
	}
	return d.result(), nil
}

// errTooLarge is the error of a body longer than max_response_bytes.
var errTooLarge = errors.New("answer too large")

// limitedReader fails with errTooLarge once more than left bytes are read.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, errTooLarge
	}
	return n, err
}

// answerError says what was wrong with an answer the server sent with
// status 200.
//
// What the server answered is never shown: a source's URL may point
// anywhere, and its users may not read what answers there
// (docs/security.md). It goes to the server log.
func (s *Source) answerError(ctx context.Context, err error, body *limitedReader, names int) error {
	switch {
	case ctx.Err() != nil:
		return s.netError(ctx, err)
	case errors.Is(err, errTooLarge) || body.left < 0:
		return depc.WrapError(depc.EINVALID, err, "configuration.max_response_bytes: opentsdb at %s answered more than %d bytes for %d nodes: fetch fewer nodes per query (max_names_per_query), select fewer points (a downsample), or raise max_response_bytes", s.url, s.cfg.MaxResponseBytes, names)
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		s.guard.Log().Warn("source answer cut", "source", s.url, "error", err)
		return depc.WrapError(depc.EUNAVAILABLE, err, "opentsdb at %s: the answer was cut: %s", s.url, netProblem(err))
	}
	s.guard.LogAnswer(s.url, http.StatusOK, err.Error())
	return depc.WrapError(depc.EUNAVAILABLE, err, "opentsdb at %s: the answer is not an OpenTSDB /api/query answer (details in the server log)", s.url)
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
			return depc.WrapError(depc.EINVALID, u, "parameters.query.metric: opentsdb at %s has no metric %q", s.url, printable300(u.name))
		case u.kind == "tagk" && u.name == q.label:
			return depc.WrapError(depc.EINVALID, u, "parameters.label: opentsdb at %s has no tag %q: name the tag holding the node's name", s.url, printable300(u.name))
		case u.kind == "tagk":
			return depc.WrapError(depc.EINVALID, u, "parameters.query: opentsdb at %s has no tag %q", s.url, printable300(u.name))
		}
		// A tag value of the query's own filters (batch asks again when
		// it is a node's).
		return depc.WrapError(depc.EINVALID, u, "parameters.query: opentsdb at %s has no tag value %q", s.url, printable300(u.name))
	}
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "no such aggregat"):
		return depc.Errorf(depc.EINVALID, "parameters.query.aggregator: opentsdb at %s: %s", s.url, printable300(msg))
	case strings.Contains(lower, "chunked request not supported"):
		return depc.Errorf(depc.EINVALID, "configuration.max_query_bytes: opentsdb at %s takes no request of more than 8 KiB (tsd.http.request.enable_chunked is off): lower max_query_bytes to 8192", s.url)
	}
	return depc.Errorf(depc.EINVALID, "parameters.query: opentsdb at %s refused the query: %s", s.url, printable300(msg))
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
		return depc.Errorf(depc.EINVALID, "configuration.max_names_per_query: opentsdb at %s refused to send that much data: %s: fetch fewer nodes per query, or select fewer points (a downsample)", s.url, printable300(body.Error.Message))
	}
	s.guard.LogAnswer(s.url, resp.StatusCode, string(b))
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return depc.Errorf(depc.EUNAVAILABLE, "opentsdb at %s answered HTTP %d (check the source's credentials)", s.url, resp.StatusCode)
	case http.StatusNotFound:
		return depc.Errorf(depc.EUNAVAILABLE, "opentsdb at %s answered HTTP 404 (check the source's url: it must be the server's base URL, without /api/query)", s.url)
	case http.StatusRequestEntityTooLarge:
		return depc.Errorf(depc.EINVALID, "configuration.max_query_bytes: opentsdb at %s answered HTTP 413: lower max_query_bytes", s.url)
	}
	return depc.Errorf(depc.EUNAVAILABLE, "opentsdb at %s answered HTTP %d", s.url, resp.StatusCode)
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

// netError says why a request got no answer.
func (s *Source) netError(ctx context.Context, err error) error {
	if r, ok := outbound.Refused(err); ok {
		return depc.WrapError(depc.EUNAVAILABLE, err, "opentsdb at %s: %s", s.url, r)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return depc.WrapError(depc.EUNAVAILABLE, err, "opentsdb at %s: no answer within %s", s.url, time.Duration(s.cfg.Timeout))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return depc.WrapError(depc.EUNAVAILABLE, err, "opentsdb at %s: no answer within %s", s.url, time.Duration(s.cfg.Timeout))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Drop net/http's `Get "url": ` prefix, which repeats the whole
		// query.
		err = ue.Err
	}
	s.guard.Log().Warn("source unreachable", "source", s.url, "error", err)
	return depc.WrapError(depc.EUNAVAILABLE, err, "opentsdb at %s is unreachable: %s", s.url, netProblem(err))
}

// netProblem names a connection problem without quoting the network
// error, which may carry what the remote end said.
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
		return "the connection closed before the end of the answer"
	}
	return "no HTTP answer (details in the server log)"
}

// maxShown bounds the server's message about a query that is shown.
const maxShown = 300

// printable300 is a server's message about a query as shown to users:
// printable, cut to maxShown bytes at a character.
func printable300(msg string) string {
	msg = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, msg)
	if len(msg) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}
