package outbound_test

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/outbound"
)

// FuzzCheckURL: a URL from a team's source configuration never panics the
// guard, a refusal is EINVALID naming the field, and an accepted URL is
// http or https whose host, when an IP address, is no link-local or
// metadata address.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:9090", "http://169.254.169.254/", "http://[::ffff:a9fe:a9fe]/",
		"http://[fe80::1%25eth0]/", "https://metadata.google.internal./", "http://0x7f.1/", "http://2130706433/",
		"HTTP://EXAMPLE.COM", "http://[64:ff9b::a9fe:a9fe]", "file:///etc/passwd", "http://a@b/", "http://%31%36%39.254.169.254/"} {
		f.Add(s)
	}
	g := outbound.Default()
	f.Fuzz(func(t *testing.T, raw string) {
		err := g.CheckURL("configuration.url", raw)
		if err != nil {
			if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "configuration.url: ") {
				t.Fatalf("CheckURL(%q) = %v: want EINVALID naming the field", raw, err)
			}
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
			t.Fatalf("CheckURL accepted %q", raw)
		}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil {
			a = a.Unmap()
			if a.IsLinkLocalUnicast() || a.IsUnspecified() || netip.MustParsePrefix("169.254.0.0/16").Contains(a) {
				t.Fatalf("CheckURL accepted %q, whose address %s is refused", raw, a)
			}
		}
	})
}
