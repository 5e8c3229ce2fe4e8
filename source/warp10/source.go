package warp10

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
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

// Source is a Warp 10 source. It is safe for concurrent use.
type Source struct {
	cfg      Config
	c        *httpsource.Client
	endpoint string // the /api/v0/exec URL
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
	hc, err := httpsource.NewClient("warp10", c.URL, time.Duration(c.Timeout), DefaultConcurrency*2, hdr, opts...)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(c.URL) // validated
	return &Source{cfg: c, c: hc, endpoint: u.JoinPath("api", "v0", "exec").String()}, nil
}

// Close closes the idle connections of the source's own transport.
// Requests still running finish normally.
func (s *Source) Close() error { return s.c.Close() }

// lookback validates a check's step and lookback and returns the lookback.
func lookback(p depc.CheckParameters) (int64, error) {
	lb := p.Lookback
	if lb == 0 {
		lb = DefaultLookback
	}
	// The step means nothing here (the script sets a resolution, with
	// BUCKETIZE); it is checked like every source's.
	if p.Step < 0 || p.Step > MaxStep {
		return 0, depc.Errorf(depc.EINVALID, "parameters.step: must be between 1 and %d seconds", MaxStep)
	}
	if lb < 0 || lb > MaxLookback {
		return 0, depc.Errorf(depc.EINVALID, "parameters.lookback: must be between 0 and %d seconds", MaxLookback)
	}
	return lb, nil
}

// ValidateCheck checks a check's script and lookback without contacting the
// server: the script must be UTF-8 text of at most MaxScriptBytes, with no
// variable left unrendered. Whether it runs is Warp 10's to say, at the
// first Fetch. The threshold is the caller's to validate. Errors are
// EINVALID naming the field.
func (s *Source) ValidateCheck(p depc.CheckParameters) error {
	if _, err := lookback(p); err != nil {
		return err
	}
	return checkScript(p.Query)
}

// window returns the time range read for w: [w.Start − lookback, w.End).
func window(w depc.Window, lookback int64) (int64, int64, error) {
	if w.End <= w.Start {
		return 0, 0, depc.Errorf(depc.EINVALID, "window: end %d is not after start %d", w.End, w.Start)
	}
	// ISO 8601 dates of four-digit years, as the original wrote them.
	if w.Start-lookback < 1 || w.End > 253402300799 {
		return 0, 0, depc.Errorf(depc.EINVALID, "window: [%d, %d) is out of range", w.Start, w.End)
	}
	return w.Start - lookback, w.End, nil
}

// Fetch runs the check's script for the names over [w.Start − lookback,
// w.End): in batches of max_names_per_query names, one POST /api/v0/exec per
// batch (see the package documentation). A batch's failure is given to fn
// for each of its names while the other batches go on. A bad check or
// window is given to fn for every name; so is an empty or non-UTF-8 name,
// for that name. fn is called once per distinct name, from the calling
// goroutine. Fetch returns an error only when ctx ends first.
func (s *Source) Fetch(ctx context.Context, p depc.CheckParameters, w depc.Window, names []string, fn func(depc.SourceResult)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	distinct := httpsource.Distinct(names)
	lb, err := lookback(p)
	if err == nil {
		err = checkScript(p.Query)
	}
	var from, to int64
	if err == nil {
		from, to, err = window(w, lb)
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
	var batches [][]string
	for i := 0; i < len(valid); i += s.cfg.MaxNamesPerQuery {
		batches = append(batches, valid[i:min(i+s.cfg.MaxNamesPerQuery, len(valid))])
	}
	if len(batches) == 0 {
		return ctx.Err()
	}
	return httpsource.Run(ctx, s.cfg.Concurrency, batches, func(b []string) []string { return b },
		func(ctx context.Context, b []string) (map[string][]depc.Series, error) {
			return s.query(ctx, p.Query, from, to, b)
		}, fn)
}

// query runs one batch's script and returns its series by node name.
func (s *Source) query(ctx context.Context, check string, from, to int64, names []string) (map[string][]depc.Series, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.Timeout))
	defer cancel()
	body := script(check, s.cfg.Token, names, from, to)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, strings.NewReader(body))
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "configuration.url: %q is not usable", s.c.URL)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	resp, err := s.c.HTTP.Do(req)
	if err != nil {
		return nil, s.c.NetError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, s.statusError(resp)
	}
	lr := httpsource.NewLimitedReader(resp.Body, s.cfg.MaxResponseBytes)
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && n <= s.cfg.MaxResponseBytes {
		buf.Grow(int(n) + 1) // one more byte, for ReadFrom to see the end
	}
	if _, err := buf.ReadFrom(lr); err != nil {
		return nil, s.answerError(ctx, err, lr, len(names))
	}
	series, err := decode(buf.Bytes(), names, from, to)
	if err != nil {
		var se *scriptError
		if errors.As(err, &se) {
			return nil, depc.WrapError(depc.EINVALID, err, "parameters.query: warp10 at %s: %s", s.c.URL, se.msg)
		}
		return nil, s.answerError(ctx, err, lr, len(names))
	}
	return series, nil
}

// answerError says what was wrong with an answer the server sent with
// status 200; what it answered goes to the server log, never to the user.
func (s *Source) answerError(ctx context.Context, err error, body *httpsource.LimitedReader, names int) error {
	return s.c.AnswerError(ctx, err, body, names,
		"fetch fewer nodes per script (max_names_per_query), keep fewer points (BUCKETIZE), or raise max_response_bytes",
		"a Warp 10 /api/v0/exec answer")
}

// maxErrorBody bounds the body of an error answer that is read.
const maxErrorBody = 64 << 10

// statusError reads the error of an answer whose status is not 200: a
// script Warp 10 refused (500 with X-Warp10-Error-Message, or the <pre> of
// an HTML error page, as the original read it) is the check's error, shown;
// anything else is the status and a hint of ours, the body going to the
// server log.
func (s *Source) statusError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if msg := resp.Header.Get("X-Warp10-Error-Message"); msg != "" && resp.StatusCode == http.StatusInternalServerError {
		return s.scriptRefused(msg, resp.Header.Get("X-Warp10-Error-Line"))
	}
	if msg := preMessage(b); msg != "" && resp.StatusCode == http.StatusInternalServerError {
		return s.scriptRefused(msg, "")
	}
	s.c.Guard.LogAnswer(s.c.URL, resp.StatusCode, string(b))
	return s.c.StatusError(nil, resp.StatusCode, "check the source's token and credentials", "/api/v0")
}

// scriptRefused is the error of a script Warp 10 refused. A message about
// the token is the configuration's; others are the script's.
func (s *Source) scriptRefused(msg, line string) error {
	lower := strings.ToLower(msg)
	if strings.Contains(lower, "token") && (strings.Contains(lower, "invalid") || strings.Contains(lower, "expired") || strings.Contains(lower, "missing")) {
		return depc.Errorf(depc.EINVALID, "configuration.token: warp10 at %s refused the token: %s", s.c.URL, httpsource.Shown(msg))
	}
	if line != "" {
		return depc.Errorf(depc.EINVALID, "parameters.query: warp10 at %s could not run the script (line %s of the batch script): %s", s.c.URL, httpsource.Shown(line), httpsource.Shown(msg))
	}
	return depc.Errorf(depc.EINVALID, "parameters.query: warp10 at %s could not run the script: %s", s.c.URL, httpsource.Shown(msg))
}

// preMessage is the text of the first <pre> of an HTML error page, where
// Jetty puts Warp 10's message, HTML entities left as they are ("" when
// there is none).
func preMessage(b []byte) string {
	s := string(b)
	i := strings.Index(s, "<pre>")
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i+5:], "</pre>")
	if j < 0 {
		return ""
	}
	return strings.TrimSpace(htmlUnescape(s[i+5 : i+5+j]))
}

// htmlUnescape undoes the entities Jetty writes in an error page.
func htmlUnescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&apos;", "'", "&amp;", "&").Replace(s)
}
