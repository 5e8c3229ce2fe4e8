package api

import (
	"context"
	"net/netip"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// Proxy-header authentication (the original DepC's X-Remote-User): a
// reverse proxy that has authenticated the person (SSO, mTLS) names them in
// a header, and depc believes it only from the proxy's own addresses. The
// peer is the TCP connection's, never X-Forwarded-For or any other header a
// client can write; a header from any other peer is ignored and logged.

// ProxyAuth configures proxy-header authentication; the zero value is off.
type ProxyAuth struct {
	// Header names the user (X-Remote-User); "" turns it off.
	Header string
	// Trusted are the addresses of the proxies whose header is believed.
	Trusted []netip.Prefix
}

// ParseProxyAuth checks a configuration: a header name that is an HTTP
// token and not one depc or HTTP gives another meaning, and at least one
// trusted address or CIDR. EINVALID names the field under prefix.
func ParseProxyAuth(prefix, header string, trusted []string) (ProxyAuth, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		if len(trusted) > 0 {
			return ProxyAuth{}, depc.Errorf(depc.EINVALID, "%s.header: required when %s.trusted is set", prefix, prefix)
		}
		return ProxyAuth{}, nil
	}
	if !httpToken(header) {
		return ProxyAuth{}, depc.Errorf(depc.EINVALID, "%s.header: %q is not an HTTP header name", prefix, header)
	}
	switch strings.ToLower(header) {
	case "authorization", "cookie", "host", "x-forwarded-for", "forwarded", "x-real-ip":
		return ProxyAuth{}, depc.Errorf(depc.EINVALID, "%s.header: %s means something else in HTTP; use a header of its own such as X-Remote-User", prefix, header)
	}
	if len(trusted) == 0 {
		return ProxyAuth{}, depc.Errorf(depc.EINVALID, "%s.trusted: list the addresses or CIDRs of the proxies whose %s header is believed", prefix, header)
	}
	out := ProxyAuth{Header: header}
	for i, t := range trusted {
		t = strings.TrimSpace(t)
		p, err := netip.ParsePrefix(t)
		if err != nil {
			a, aerr := netip.ParseAddr(t)
			if aerr != nil {
				return ProxyAuth{}, depc.Errorf(depc.EINVALID, "%s.trusted[%d]: %q is neither an IP address nor a CIDR", prefix, i, t)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out.Trusted = append(out.Trusted, p.Masked())
	}
	return out, nil
}

// httpToken reports whether s is an HTTP token (RFC 9110 §5.6.2).
func httpToken(s string) bool {
	for _, r := range s {
		if r >= 0x80 || !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", r)) {
			return false
		}
	}
	return s != ""
}

// trusted reports whether the connection's peer is a trusted proxy.
func (p ProxyAuth) trusted(remoteAddr string) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	a := ap.Addr().Unmap()
	for _, t := range p.Trusted {
		if t.Contains(a) {
			return a, true
		}
	}
	return a, false
}

// maxUserNameLen bounds a user name read from the proxy's header.
const maxUserNameLen = 256

// proxyUser returns the user a trusted proxy names in its header. ok is
// false when the header is off, absent, or sent by a peer that is not a
// trusted proxy (then it is logged and ignored); an error when a trusted
// proxy names no depc user or several.
func (s *Server) proxyUser(c echo.Context) (principal, bool, error) {
	pa := s.cfg.ProxyAuth
	r := c.Request()
	if pa.Header == "" {
		return principal{}, false, nil
	}
	values := r.Header.Values(pa.Header)
	if len(values) == 0 {
		return principal{}, false, nil
	}
	peer, ok := pa.trusted(r.RemoteAddr)
	if !ok {
		s.log.Warn("proxy authentication header ignored: the peer is not a trusted proxy",
			"header", pa.Header, "peer", peer.String(), "path", r.URL.Path, "x_forwarded_for", r.Header.Get("X-Forwarded-For"))
		return principal{}, false, nil
	}
	if len(values) > 1 {
		return principal{}, false, depc.Errorf(depc.EUNAUTHORIZED, "the %s header is sent %d times: the proxy must name one user", pa.Header, len(values))
	}
	name := strings.TrimSpace(values[0])
	if name == "" || len(name) > maxUserNameLen {
		return principal{}, false, depc.Errorf(depc.EUNAUTHORIZED, "the %s header names no user", pa.Header)
	}
	p, err := s.auth.named(r.Context(), s.deps.State, name)
	if depc.ErrorCode(err) == depc.ENOTFOUND || depc.ErrorCode(err) == depc.EINVALID {
		return principal{}, false, depc.Errorf(depc.EUNAUTHORIZED, "user %q (named by the proxy's %s header) is not a depc user: an admin creates it with POST /api/v1/users", name, pa.Header)
	}
	if err != nil {
		return principal{}, false, err
	}
	return p, true, nil
}

// named returns the user of a name, as the proxy names it; ENOTFOUND when
// there is none (not cached).
func (c *authCache) named(ctx context.Context, st depc.AccountStore, name string) (principal, error) {
	if p, ok := lookup(c, c.names, name); ok {
		return p, nil
	}
	u, err := st.User(ctx, name)
	if err != nil {
		return principal{}, err
	}
	p := principal{User: u.Name, Admin: u.Admin}
	store(c, c.names, name, p)
	return p, nil
}
