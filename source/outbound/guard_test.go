package outbound_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/outbound"
)

func TestCheckURLDefault(t *testing.T) {
	g := outbound.Default()
	for _, u := range []string{
		"http://127.0.0.1:9090", "https://prometheus.example.com/prefix", "http://10.0.0.1",
		"http://[::1]:9090", "http://localhost:9090", "https://PROM.example.com.",
		"http://169.254.169.253.example.com", "http://[2001:db8::1]/",
	} {
		if err := g.CheckURL("url", u); err != nil {
			t.Errorf("CheckURL(%s) = %v, want nil", u, err)
		}
	}
	for _, c := range []struct{ url, says string }{
		{"http://169.254.169.254/latest/meta-data", "link-local"},
		{"http://169.254.170.2/v2/credentials", "link-local"},
		{"http://[fe80::1%25eth0]:80/", "link-local"},
		{"http://[fd00:ec2::254]/", "metadata"},
		{"http://[::ffff:169.254.169.254]/", "link-local"},
		{"http://[64:ff9b::a9fe:a9fe]/", "link-local"},
		{"http://100.100.100.200/", "metadata"},
		{"http://0.0.0.0:9090/", "not a destination"},
		{"http://metadata.google.internal/computeMetadata/v1/", "metadata"},
		{"http://Metadata.Google.Internal./", "metadata"},
		{"http://metadata/", "metadata"},
		{"http://2852039166/", "neither"},
		{"http://0xa9.0xfe.0xa9.0xfe/", "neither"},
		{"http://0251.0376.0251.0376/", "neither"},
		{"file:///etc/passwd", "http"},
		{"gopher://127.0.0.1/", "http"},
		{"//127.0.0.1/", "http"},
		{"http:///path", "no host"},
		{"http://user:pw@127.0.0.1/", "credentials"},
		{"http://bad host/", "not a URL"},
	} {
		err := g.CheckURL("configuration.url", c.url)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), "configuration.url: ") || !strings.Contains(depc.ErrorMessage(err), c.says) {
			t.Errorf("CheckURL(%s) = %v, want EINVALID naming configuration.url that says %q", c.url, err, c.says)
		}
	}
}

func TestCheckURLAllowList(t *testing.T) {
	g, err := outbound.New(outbound.Policy{Allow: []string{"prom.internal", "*.metrics.example.com", "10.0.0.0/8", "169.254.169.254", "fd00::/8"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{
		"http://prom.internal:9090", "http://PROM.internal.", "https://a.b.metrics.example.com",
		"http://10.2.3.4/", "http://169.254.169.254/", "http://[fd00:ec2::254]/",
		// A name may resolve into an allowed network: checked when dialling.
		"http://other.example.org/",
	} {
		if err := g.CheckURL("url", u); err != nil {
			t.Errorf("CheckURL(%s) = %v, want nil", u, err)
		}
	}
	for _, u := range []string{"http://11.0.0.1/", "http://169.254.169.253/"} {
		if err := g.CheckURL("url", u); depc.ErrorCode(err) != depc.EINVALID {
			t.Errorf("CheckURL(%s) = %v, want EINVALID", u, err)
		}
	}
	// Names only: a name not listed is refused at once.
	g, err = outbound.New(outbound.Policy{Allow: []string{"prom.internal", "*.metrics.example.com"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"http://other.internal/", "http://metrics.example.com/", "http://10.0.0.1/"} {
		if err := g.CheckURL("url", u); depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), "sources.allow") {
			t.Errorf("CheckURL(%s) = %v, want EINVALID naming sources.allow", u, err)
		}
	}

	for i, bad := range []string{"10.0.0.0/33", "a b", "*.", "http://x", "*.*.x"} {
		_, err := outbound.New(outbound.Policy{Allow: []string{"ok.example", bad}}, nil)
		if depc.ErrorCode(err) != depc.EINVALID || !strings.Contains(err.Error(), "sources.allow[1]") {
			t.Errorf("%d: New(%q) = %v, want EINVALID naming sources.allow[1]", i, bad, err)
		}
	}
}

// TestDialChecksResolvedAddress: the check runs on the address dialled,
// after resolution, so a name that resolves to a refused address (DNS
// rebinding) is refused although its URL passed.
func TestDialChecksResolvedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "inside") }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	byName := "http://localhost:" + u.Port() + "/"

	get := func(g *outbound.Guard, target string) error {
		if err := g.CheckURL("url", target); err != nil {
			t.Fatalf("CheckURL(%s) = %v: the URL itself must pass", target, err)
		}
		c := &http.Client{Transport: g.Transport()}
		resp, err := c.Get(target)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	open, err := outbound.New(outbound.Policy{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := get(open, byName); err != nil {
		t.Fatalf("loopback by name: %v", err)
	}

	closed, _ := outbound.New(outbound.Policy{}, nil)
	closed.RefuseForTest("127.0.0.0/8")
	closed.RefuseForTest("::1/128")
	err = get(closed, byName)
	r, ok := outbound.Refused(err)
	if !ok || !r.Addr.IsLoopback() {
		t.Fatalf("GET %s with loopback refused: %v, want a RefusedError for the loopback address", byName, err)
	}

	// An allow-list of networks: a name resolving outside is refused.
	strict, _ := outbound.New(outbound.Policy{Allow: []string{"10.0.0.0/8"}}, nil)
	if _, ok := outbound.Refused(get(strict, byName)); !ok {
		t.Errorf("GET %s outside the allowed networks: want a RefusedError", byName)
	}
	// Naming the host trusts whatever it resolves to.
	named, _ := outbound.New(outbound.Policy{Allow: []string{"localhost"}}, nil)
	named.RefuseForTest("127.0.0.0/8")
	named.RefuseForTest("::1/128")
	if err := get(named, byName); err != nil {
		t.Errorf("GET %s with localhost allowed: %v", byName, err)
	}

	// Redirects are dialled through the same check.
	redirect := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/latest/meta-data/", http.StatusFound))
	defer redirect.Close()
	c := &http.Client{Transport: open.Transport()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", redirect.URL, nil)
	if _, err := c.Do(req); err == nil {
		t.Fatal("a redirect to the metadata address was followed")
	} else if _, ok := outbound.Refused(err); !ok {
		t.Errorf("redirect to the metadata address: %v, want a RefusedError", err)
	}
}
