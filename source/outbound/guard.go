package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/depc-dev/depc"
)

// Policy is the server configuration of outbound requests (sources.allow).
type Policy struct {
	// Allow, when not empty, lists the only destinations sources may
	// reach: host names ("prometheus.internal"; "*.example.com" for every
	// name under example.com), IP addresses and CIDRs ("10.0.0.0/8").
	// Naming a link-local or metadata address or name here permits it.
	Allow []string
}

// refusal is a range refused by default, and why.
type refusal struct {
	prefix netip.Prefix
	why    string
}

// refusedRanges are refused unless the allow-list names them: whoever
// reaches them from the server reads the server's own cloud credentials.
var refusedRanges = []refusal{
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address (cloud metadata services live there)"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "the cloud metadata service (AWS)"},
	{netip.MustParsePrefix("100.100.100.200/32"), "the cloud metadata service (Alibaba Cloud)"},
	{netip.MustParsePrefix("0.0.0.0/8"), "not a destination address"},
	{netip.MustParsePrefix("::/128"), "not a destination address"},
}

// nat64 is the well-known NAT64 prefix: its addresses reach the IPv4
// address in their last 32 bits, which is checked in their place.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// refusedNames are the host names of metadata services, refused before
// they are even resolved (the dial-time check would refuse their
// addresses too, but the message is clearer at save time).
var refusedNames = []string{
	"metadata", "metadata.google.internal", "metadata.goog",
	"instance-data", "instance-data.ec2.internal", "metadata.azure.internal",
}

// Guard applies a Policy to the URLs sources are configured with and to
// the connections they open, and logs what remote servers answered. It is
// safe for concurrent use. The zero Guard is not usable: use New or
// Default.
type Guard struct {
	hosts    []string // exact names, lower case, without a final dot
	suffixes []string // ".example.com" for "*.example.com"
	nets     []netip.Prefix
	refused  []refusal
	log      *slog.Logger
	dialer   net.Dialer
	resolver *net.Resolver
	proxy    func(*http.Request) (*url.URL, error)
	// proxies are the host:port of the proxies requests were handed to:
	// the Guard checked the targets, and the connection goes to them.
	proxies sync.Map
}

// New returns the Guard of a policy; its Log receives what remote servers
// answered (nil: discarded). A bad entry is EINVALID naming
// sources.allow[i].
func New(p Policy, log *slog.Logger) (*Guard, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Guard{
		refused:  refusedRanges,
		log:      log,
		dialer:   net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second},
		resolver: net.DefaultResolver,
		proxy:    http.ProxyFromEnvironment,
	}
	for i, entry := range p.Allow {
		e := strings.TrimSpace(entry)
		switch {
		case strings.Contains(e, "/"):
			pr, err := netip.ParsePrefix(e)
			if err != nil {
				return nil, depc.Errorf(depc.EINVALID, "sources.allow[%d]: %q is not a CIDR such as 10.0.0.0/8", i, entry)
			}
			g.nets = append(g.nets, pr.Masked())
		case isIP(e):
			a := parseIP(e)
			g.nets = append(g.nets, netip.PrefixFrom(a, a.BitLen()))
		default:
			name := normalName(e)
			wild := strings.HasPrefix(name, "*.")
			if wild {
				name = name[2:]
			}
			if !validName(name) {
				return nil, depc.Errorf(depc.EINVALID, "sources.allow[%d]: %q is neither a host name, *.domain, an IP address nor a CIDR", i, entry)
			}
			if wild {
				g.suffixes = append(g.suffixes, "."+name)
			} else {
				g.hosts = append(g.hosts, name)
			}
		}
	}
	return g, nil
}

var (
	defaultOnce  sync.Once
	defaultGuard *Guard
)

// Default returns the Guard of the default policy (no allow-list), which
// discards what it would log: the one plugins use when given none (tests,
// tools). The server builds its own with New.
func Default() *Guard {
	defaultOnce.Do(func() {
		defaultGuard, _ = New(Policy{}, nil)
	})
	return defaultGuard
}

// Log is where a plugin puts what a remote server answered (the body of an
// error): the server log, never an API answer.
func (g *Guard) Log() *slog.Logger { return g.log }

// strict reports whether an allow-list is set.
func (g *Guard) strict() bool { return len(g.hosts)+len(g.suffixes)+len(g.nets) > 0 }

// hostAllowed reports whether the allow-list names a host (normalised).
func (g *Guard) hostAllowed(name string) bool {
	for _, h := range g.hosts {
		if name == h {
			return true
		}
	}
	for _, s := range g.suffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// CheckURL checks a URL a source is configured with: EINVALID naming field
// when it is not http or https, holds credentials, or names a refused
// destination. A host name that passes may still resolve to a refused
// address: the connection is refused then.
func (g *Guard) CheckURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return depc.Errorf(depc.EINVALID, "%s: %q is not a URL", field, raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return depc.Errorf(depc.EINVALID, "%s: must start with http:// or https://", field)
	}
	if u.User != nil {
		return depc.Errorf(depc.EINVALID, "%s: must not hold credentials", field)
	}
	host := u.Hostname()
	if host == "" {
		return depc.Errorf(depc.EINVALID, "%s: has no host", field)
	}
	name := normalName(host)
	if g.hostAllowed(name) {
		return nil
	}
	if isIP(name) {
		if err := g.checkAddr(parseIP(name)); err != nil {
			return depc.Errorf(depc.EINVALID, "%s: %s", field, err)
		}
		return nil
	}
	if !validName(name) || numericTLD(name) {
		// Names such as 2852039166 or 0xa9.0xfe.0xa9.0xfe are IP
		// addresses to some resolvers: only the standard forms are.
		return depc.Errorf(depc.EINVALID, "%s: %q is neither a host name nor an IP address", field, host)
	}
	for _, r := range refusedNames {
		if name == r {
			return depc.Errorf(depc.EINVALID, "%s: %s is a cloud metadata service, refused (sources.allow may permit it)", field, host)
		}
	}
	if g.strict() && len(g.nets) == 0 {
		return depc.Errorf(depc.EINVALID, "%s: %s is not in sources.allow", field, host)
	}
	return nil
}

// RefusedError is the error of a connection the Guard refused.
type RefusedError struct {
	Addr netip.Addr
	Why  string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s is %s, refused", e.Addr, e.Why)
}

// checkAddr returns a *RefusedError when an address may not be reached.
func (g *Guard) checkAddr(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	for _, n := range g.nets {
		if n.Contains(a) {
			return nil
		}
	}
	check := a
	if nat64.Contains(a) {
		b := a.As16()
		check = netip.AddrFrom4([4]byte(b[12:]))
	}
	for _, r := range g.refused {
		if r.prefix.Contains(check) {
			return &RefusedError{Addr: a, Why: r.why + " (sources.allow may permit it)"}
		}
	}
	if g.strict() {
		return &RefusedError{Addr: a, Why: "not in sources.allow"}
	}
	return nil
}

// Transport returns a new transport whose connections the Guard checks:
// each source owns one, to tune and close.
func (g *Guard) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 g.proxyFor,
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// DialContext connects like net.Dialer.DialContext, refusing every address
// the policy refuses: the check runs on the address actually dialled,
// after name resolution.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	_, viaProxy := g.proxies.Load(addr)
	trusted := viaProxy || g.hostAllowed(normalName(host))
	d := g.dialer
	d.Control = func(_, address string, _ syscall.RawConn) error {
		if trusted {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("outbound: cannot check address %q", address)
		}
		return g.checkAddr(ap.Addr())
	}
	return d.DialContext(ctx, network, addr)
}

// proxyFor is http.ProxyFromEnvironment, which first checks the request's
// target itself, since the connection will go to the proxy.
func (g *Guard) proxyFor(r *http.Request) (*url.URL, error) {
	p, err := g.proxy(r)
	if err != nil || p == nil {
		return p, err
	}
	host := r.URL.Hostname()
	if !g.hostAllowed(normalName(host)) {
		addrs, err := g.resolver.LookupNetIP(r.Context(), "ip", host)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if err := g.checkAddr(a); err != nil {
				return nil, err
			}
		}
	}
	port := p.Port()
	if port == "" {
		port = map[string]string{"https": "443", "socks5": "1080", "socks5h": "1080"}[p.Scheme]
		if port == "" {
			port = "80"
		}
	}
	g.proxies.Store(net.JoinHostPort(p.Hostname(), port), true)
	return p, nil
}

// Refused returns the *RefusedError in err's chain, if any: plugins say
// why in their own message.
func Refused(err error) (*RefusedError, bool) {
	var r *RefusedError
	ok := errors.As(err, &r)
	return r, ok
}

// MaxLoggedBody bounds the part of an answer's body that LogAnswer logs.
const MaxLoggedBody = 4 << 10

// LogAnswer logs what a remote server answered instead of the expected
// answer, for the operator: the API user gets the status and a short
// message only.
func (g *Guard) LogAnswer(source string, status int, body string) {
	if len(body) > MaxLoggedBody {
		body = body[:MaxLoggedBody] + "…"
	}
	g.log.Warn("source answered an error", "source", source, "status", status, "body", body)
}

// normalName is a host name in lower case without its final dot.
func normalName(host string) string {
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func parseIP(s string) netip.Addr {
	a, _ := netip.ParseAddr(s)
	return a
}

// validName reports whether s is a DNS name: labels of letters, digits,
// '-' and '_', 1 to 63 bytes each.
func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// numericTLD reports whether a name's last label is a number (decimal,
// octal or hex): no top-level domain is, and resolvers read such names as
// IPv4 addresses.
func numericTLD(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	if strings.HasPrefix(last, "0x") {
		return true
	}
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return false
		}
	}
	return true
}
