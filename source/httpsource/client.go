package httpsource

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/outbound"
)

// Option changes how a source's Client is built. The source packages
// re-export the options (prometheus.WithTransport, …).
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

// Client sends a source's requests and names what went wrong with them.
// It is safe for concurrent use.
type Client struct {
	// HTTP sends requests through Transport.
	HTTP *http.Client
	// Transport is the guarded transport that adds the configured headers
	// to the requests to the source's server (for clients that make their
	// own http.Client, such as client_golang).
	Transport http.RoundTripper
	// URL is the configured URL, redacted, for messages.
	URL string
	// Guard logs what the server answered when it is not shown.
	Guard *outbound.Guard

	kind    string
	timeout time.Duration
	// own is the transport the client made, nil when WithTransport gave
	// one: Close releases only what the client owns.
	own *http.Transport
}

// NewClient returns the client of a source of the kind ("prometheus",
// "opentsdb": the first word of its messages) at rawURL, a URL that
// ValidateURL accepted. The guard checks the URL (EINVALID naming
// configuration.url); header is added to every request to the URL's host,
// never to a host a redirect points to (the credentials are the server's);
// conns bounds the idle connections kept; timeout is what a request may
// take, for messages. It does not contact the server.
func NewClient(kind, rawURL string, timeout time.Duration, conns int, header http.Header, opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.guard == nil {
		o.guard = outbound.Default()
	}
	if err := o.guard.CheckURL("configuration.url", rawURL); err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, depc.Errorf(depc.EINVALID, "configuration.url: %q is not a URL", rawURL)
	}
	rt := o.transport
	var own *http.Transport
	if rt == nil {
		own = o.guard.Transport()
		own.MaxIdleConnsPerHost = conns
		rt = own
	}
	if len(header) > 0 {
		rt = &headerTransport{base: rt, header: header, host: u.Host}
	}
	return &Client{
		HTTP:      &http.Client{Transport: rt},
		Transport: rt,
		URL:       u.Redacted(),
		Guard:     o.guard,
		kind:      kind,
		timeout:   timeout,
		own:       own,
	}, nil
}

// Close closes the idle connections of the client's own transport, and
// with them the goroutines that keep each one: a source opened to validate
// a check, or replaced by an edited configuration, leaves nothing behind.
// Requests still running finish normally.
func (c *Client) Close() error {
	if c.own != nil {
		c.own.CloseIdleConnections()
	}
	return nil
}

// BasicAuthorization is the Authorization header's value for b.
func BasicAuthorization(b *BasicAuth) string {
	r := http.Request{Header: make(http.Header)}
	r.SetBasicAuth(b.Username, b.Password)
	return r.Header.Get("Authorization")
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

// NetError says why a request got no answer: refused by the guard, no
// answer within the timeout (the request's own context, ctx, ended), the
// caller gave up (ctx.Err() of a context cancelled), or a connection
// problem in a few fixed words; the network error itself, which may quote
// what the other end sent, goes to the log.
func (c *Client) NetError(ctx context.Context, err error) error {
	if r, ok := outbound.Refused(err); ok {
		return depc.WrapError(depc.EUNAVAILABLE, err, "%s at %s: %s", c.kind, c.URL, r)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return c.timeoutError(err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return c.timeoutError(err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Drop net/http's `Get "url": ` prefix, which repeats the whole
		// query.
		err = ue.Err
	}
	c.Guard.Log().Warn("source unreachable", "source", c.URL, "error", err)
	return depc.WrapError(depc.EUNAVAILABLE, err, "%s at %s is unreachable: %s", c.kind, c.URL, netProblem(err, "the connection closed before an answer"))
}

func (c *Client) timeoutError(err error) error {
	return depc.WrapError(depc.EUNAVAILABLE, err, "%s at %s: no answer within %s", c.kind, c.URL, c.timeout)
}

// AnswerError says what was wrong with reading an answer the server sent
// with status 200, for the errors every source has: ctx ended (NetError),
// more than body allows (EINVALID naming configuration.max_response_bytes,
// with advice on what to fetch less of for names nodes), the connection
// cut, or else an answer that is not the API's (what: "an OpenTSDB
// /api/query answer"), its error going to the log.
func (c *Client) AnswerError(ctx context.Context, err error, body *LimitedReader, names int, advice, what string) error {
	switch {
	case ctx.Err() != nil:
		return c.NetError(ctx, err)
	case errors.Is(err, ErrTooLarge) || body.Left < 0:
		return depc.WrapError(depc.EINVALID, err, "configuration.max_response_bytes: %s at %s answered more than %d bytes for %d nodes: %s", c.kind, c.URL, body.Max, names, advice)
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) {
		c.Guard.Log().Warn("source answer cut", "source", c.URL, "error", err)
		return depc.WrapError(depc.EUNAVAILABLE, err, "%s at %s: the answer was cut: %s", c.kind, c.URL, netProblem(err, "the connection closed before the end of the answer"))
	}
	c.Guard.LogAnswer(c.URL, http.StatusOK, err.Error())
	return depc.WrapError(depc.EUNAVAILABLE, err, "%s at %s: the answer is not %s (details in the server log)", c.kind, c.URL, what)
}

// StatusError is the error of an HTTP status the source has no better
// words for, with a hint for those a misconfigured source gets: 401 and
// 403 (credentials: what to check, "check the source's credentials"), 404
// (api: the path the URL must not hold, "/api/v1"). cause, if not nil, is
// kept as the error's cause. The body is the caller's to log.
func (c *Client) StatusError(cause error, status int, credentials, api string) error {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return depc.WrapError(depc.EUNAVAILABLE, cause, "%s at %s answered HTTP %d (%s)", c.kind, c.URL, status, credentials)
	case http.StatusNotFound:
		return depc.WrapError(depc.EUNAVAILABLE, cause, "%s at %s answered HTTP 404 (check the source's url: it must be the server's base URL, without %s)", c.kind, c.URL, api)
	}
	return depc.WrapError(depc.EUNAVAILABLE, cause, "%s at %s answered HTTP %d", c.kind, c.URL, status)
}

// netProblem names a connection problem without quoting the network
// error, which may carry what the remote end said; eof is what a closed
// connection means where it happened.
func netProblem(err error, eof string) string {
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
		return eof
	}
	return "no HTTP answer (details in the server log)"
}
