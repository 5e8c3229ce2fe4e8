package influxdb

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
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

// ChunkSize is the rows per chunk asked of the server: an answer is read
// chunk by chunk, so memory holds one chunk's JSON at a time besides the
// points.
const ChunkSize = 10000

// Source is an InfluxDB 1.x source. It is safe for concurrent use.
type Source struct {
	cfg      Config
	client   *http.Client
	endpoint string // the /query URL
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
	switch {
	case c.Token != "":
		hdr.Set("Authorization", "Token "+c.Token)
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
	return &Source{
		cfg:      c,
		client:   &http.Client{Transport: rt},
		endpoint: u.JoinPath("query").String(),
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
	// Rendering mutates the parsed query, so every batch's text is made
	// here, before the queries run concurrently.
	var batches []batch
	for _, names := range c.q.batches(valid, from, to, s.cfg.MaxQueryBytes, s.cfg.MaxNamesPerQuery) {
		batches = append(batches, batch{names: names, text: c.q.render(names, from, to)})
	}
	return s.run(ctx, c.q.label, from, to, batches, fn)
}

type batch struct {
	names []string
	text  string
}

type batchResult struct {
	batch
	series map[string][]depc.Series
	err    error
}

// run queries the batches with at most cfg.Concurrency at once and hands
// each batch's results to fn from the calling goroutine.
func (s *Source) run(ctx context.Context, label string, from, to int64, batches []batch, fn func(depc.SourceResult)) error {
	ctx, cancel := context.WithCancel(ctx)
	todo := make(chan batch)
	done := make(chan batchResult)
	var wg sync.WaitGroup
	for range min(s.cfg.Concurrency, len(batches)) {
		wg.Go(func() {
			for b := range todo {
				series, err := s.query(ctx, label, from, to, b)
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
		return nil, depc.WrapError(depc.EINVALID, err, "configuration.url: %q is not usable", s.url)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.netError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, s.statusError(resp)
	}
	d := newDecoder(label, b.names, from, to)
	body := &limitedReader{r: resp.Body, left: s.cfg.MaxResponseBytes}
	if err := d.decode(body); err != nil {
		return nil, s.answerError(ctx, err, body, len(b.names))
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
// What the server answered is never shown beyond an InfluxDB error about
// the statement: a source's URL may point anywhere, and its users may not
// read what answers there (docs/security.md). The rest goes to the server
// log.
func (s *Source) answerError(ctx context.Context, err error, body *limitedReader, names int) error {
	var se *serverError
	var ve *valueError
	switch {
	case ctx.Err() != nil && !errors.As(err, &se):
		return s.netError(ctx, err)
	case errors.Is(err, errTooLarge) || body.left < 0:
		return depc.WrapError(depc.EINVALID, err, "configuration.max_response_bytes: influxdb at %s answered more than %d bytes for %d nodes: fetch fewer nodes per query (max_names_per_query), select fewer points, or raise max_response_bytes", s.url, s.cfg.MaxResponseBytes, names)
	case errors.As(err, &se):
		return s.queryError(http.StatusOK, se.msg)
	case errors.As(err, &ve):
		return depc.WrapError(depc.EINVALID, err, "parameters.query: influxdb at %s: %s", s.url, printable300(ve.msg))
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		s.guard.Log().Warn("source answer cut", "source", s.url, "error", err)
		return depc.WrapError(depc.EUNAVAILABLE, err, "influxdb at %s: the answer was cut: %s", s.url, netProblem(err))
	}
	s.guard.LogAnswer(s.url, http.StatusOK, err.Error())
	return depc.WrapError(depc.EUNAVAILABLE, err, "influxdb at %s: the answer is not an InfluxDB /query answer (details in the server log)", s.url)
}

// queryError turns the error InfluxDB reported about the statement (in a
// result, or the JSON body of a 400) into a depc error naming what to fix.
// Only what concerns the query or the database is shown.
func (s *Source) queryError(status int, msg string) error {
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "database not found"):
		return depc.Errorf(depc.EINVALID, "configuration.database: influxdb at %s: %s", s.url, printable300(msg))
	case strings.Contains(lower, "retention policy not found"):
		return depc.Errorf(depc.EINVALID, "configuration.retention_policy: influxdb at %s: %s", s.url, printable300(msg))
	case strings.Contains(lower, "authorization failed") || strings.Contains(lower, "not authorized") ||
		strings.Contains(lower, "authentication"):
		s.guard.LogAnswer(s.url, status, msg)
		return depc.Errorf(depc.EUNAVAILABLE, "influxdb at %s refused the credentials (check the source's credentials)", s.url)
	case strings.Contains(lower, "timeout") || strings.Contains(lower, "interrupted") || strings.Contains(lower, "killed"):
		s.guard.LogAnswer(s.url, status, msg)
		return depc.Errorf(depc.EUNAVAILABLE, "influxdb at %s: the query was stopped before it ended (a timeout on the server)", s.url)
	case status == http.StatusBadRequest:
		return depc.Errorf(depc.EINVALID, "parameters.query: influxdb at %s refused the query: %s", s.url, printable300(msg))
	}
	return depc.Errorf(depc.EINVALID, "parameters.query: influxdb at %s could not run the query: %s", s.url, printable300(msg))
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
	s.guard.LogAnswer(s.url, resp.StatusCode, string(b))
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return depc.Errorf(depc.EUNAVAILABLE, "influxdb at %s answered HTTP %d (check the source's credentials, and that its user may read the database)", s.url, resp.StatusCode)
	case http.StatusNotFound:
		return depc.Errorf(depc.EUNAVAILABLE, "influxdb at %s answered HTTP 404 (check the source's url: it must be the server's base URL, without /query)", s.url)
	case http.StatusRequestURITooLong, http.StatusRequestHeaderFieldsTooLarge:
		return depc.Errorf(depc.EINVALID, "configuration.max_query_bytes: influxdb at %s answered HTTP %d: lower max_query_bytes", s.url, resp.StatusCode)
	}
	return depc.Errorf(depc.EUNAVAILABLE, "influxdb at %s answered HTTP %d", s.url, resp.StatusCode)
}

// netError says why a request got no answer.
func (s *Source) netError(ctx context.Context, err error) error {
	if r, ok := outbound.Refused(err); ok {
		return depc.WrapError(depc.EUNAVAILABLE, err, "influxdb at %s: %s", s.url, r)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return depc.WrapError(depc.EUNAVAILABLE, err, "influxdb at %s: no answer within %s", s.url, time.Duration(s.cfg.Timeout))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return depc.WrapError(depc.EUNAVAILABLE, err, "influxdb at %s: no answer within %s", s.url, time.Duration(s.cfg.Timeout))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Drop net/http's `Get "url": ` prefix, which repeats the whole
		// query.
		err = ue.Err
	}
	s.guard.Log().Warn("source unreachable", "source", s.url, "error", err)
	return depc.WrapError(depc.EUNAVAILABLE, err, "influxdb at %s is unreachable: %s", s.url, netProblem(err))
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
