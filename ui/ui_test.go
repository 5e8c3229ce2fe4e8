package ui_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/depc-dev/depc/ui"
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// built is a dist/ as `npm run build` leaves it: the placeholder, the app's
// page, hashed assets with their .gz, an unhashed public file.
func built(t *testing.T) fstest.MapFS {
	return fstest.MapFS{
		"index.html":              {Data: []byte("<p>placeholder: the UI was not built</p>")},
		"app.html":                {Data: []byte(`<!doctype html><script type="module" src="/assets/app-abc123.js"></script>`)},
		"assets/app-abc123.js":    {Data: []byte("console.log('depc')")},
		"assets/app-abc123.js.gz": {Data: gz(t, "console.log('depc')")},
		"assets/app-def456.css":   {Data: []byte("body{}")},
		"favicon.svg":             {Data: []byte("<svg/>")},
	}
}

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandlerServesTheApp(t *testing.T) {
	h := ui.NewHandler(built(t))
	page := `<!doctype html><script type="module" src="/assets/app-abc123.js"></script>`
	tests := []struct {
		name, target string
		status       int
		body         string
		ctype        string
		cache        string
	}{
		{"root is the app", "/", 200, page, "text/html; charset=utf-8", "no-cache"},
		{"client route falls back to the app", "/t/acme/labels/Website", 200, page, "text/html; charset=utf-8", "no-cache"},
		{"node name with a dot and an encoded slash", "/t/acme/labels/Filer/nodes/filer%2F1.example.com?day=2026-11-20", 200, page, "text/html; charset=utf-8", "no-cache"},
		{"the placeholder's name gives the app too", "/index.html", 200, page, "text/html; charset=utf-8", "no-cache"},
		{"dot segments are cleaned", "/t/../assets/app-abc123.js", 200, "console.log('depc')", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"hashed asset, cached for a year", "/assets/app-def456.css", 200, "body{}", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"unhashed file, revalidated", "/favicon.svg", 200, "<svg/>", "image/svg+xml", "no-cache"},
		{"missing asset is a 404, not the app", "/assets/app-old999.js", 404, "404 page not found\n", "text/plain; charset=utf-8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := get(t, h, http.MethodGet, tt.target, nil)
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if got := body(t, res); got != tt.body {
				t.Errorf("body = %q, want %q", got, tt.body)
			}
			if got := res.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if got := res.Header.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.cache)
			}
		})
	}
}

func TestHandlerServesThePlaceholderWhenNotBuilt(t *testing.T) {
	h := ui.NewHandler(fstest.MapFS{"index.html": {Data: []byte("<p>not built: run make build</p>")}})
	for _, target := range []string{"/", "/t/acme", "/index.html"} {
		res := get(t, h, http.MethodGet, target, nil)
		if res.StatusCode != 200 {
			t.Fatalf("%s: status = %d", target, res.StatusCode)
		}
		if got := body(t, res); got != "<p>not built: run make build</p>" {
			t.Errorf("%s: body = %q", target, got)
		}
	}
	if res := get(t, h, http.MethodGet, "/assets/app.js", nil); res.StatusCode != 404 {
		t.Errorf("/assets/app.js: status = %d, want 404", res.StatusCode)
	}
}

func TestHandlerGzip(t *testing.T) {
	h := ui.NewHandler(built(t))
	tests := []struct {
		accept   string
		encoding string
	}{
		{"gzip, deflate, br", "gzip"},
		{"br;q=1.0, gzip;q=0.8", "gzip"},
		{"gzip;q=0", ""},
		{"", ""},
		{"identity", ""},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			res := get(t, h, http.MethodGet, "/assets/app-abc123.js", map[string]string{"Accept-Encoding": tt.accept})
			if got := res.Header.Get("Content-Encoding"); got != tt.encoding {
				t.Fatalf("Content-Encoding = %q, want %q", got, tt.encoding)
			}
			if res.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("Vary = %q, want Accept-Encoding", res.Header.Get("Vary"))
			}
			var r io.Reader = res.Body
			if tt.encoding == "gzip" {
				zr, err := gzip.NewReader(res.Body)
				if err != nil {
					t.Fatal(err)
				}
				r = zr
			}
			got, _ := io.ReadAll(r)
			if string(got) != "console.log('depc')" {
				t.Errorf("body = %q", got)
			}
		})
	}
	// A file without a .gz is served as is, whatever the client accepts.
	res := get(t, h, http.MethodGet, "/assets/app-def456.css", map[string]string{"Accept-Encoding": "gzip"})
	if res.Header.Get("Content-Encoding") != "" || body(t, res) != "body{}" {
		t.Errorf("css without .gz: encoding %q", res.Header.Get("Content-Encoding"))
	}
}

func TestHandlerRevalidation(t *testing.T) {
	h := ui.NewHandler(built(t))
	first := get(t, h, http.MethodGet, "/t/acme", nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on the page")
	}
	again := get(t, h, http.MethodGet, "/t/acme/runs", map[string]string{"If-None-Match": etag})
	if again.StatusCode != http.StatusNotModified {
		t.Errorf("status with matching If-None-Match = %d, want 304", again.StatusCode)
	}
	zipped := get(t, h, http.MethodGet, "/assets/app-abc123.js", map[string]string{"Accept-Encoding": "gzip"}).Header.Get("ETag")
	plain := get(t, h, http.MethodGet, "/assets/app-abc123.js", nil).Header.Get("ETag")
	if zipped == plain {
		t.Errorf("gzip and identity variants share the ETag %s", plain)
	}
}

func TestHandlerHeadersAndMethods(t *testing.T) {
	h := ui.NewHandler(built(t))
	res := get(t, h, http.MethodGet, "/", nil)
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", res.Header.Get("X-Content-Type-Options"))
	}
	head := get(t, h, http.MethodHead, "/", nil)
	if head.StatusCode != 200 || body(t, head) != "" {
		t.Errorf("HEAD: status %d", head.StatusCode)
	}
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		res := get(t, h, m, "/t/acme", nil)
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: status %d, Allow %q", m, res.StatusCode, res.Header.Get("Allow"))
		}
	}
}

func TestHandlerNeverAnswersAPIPathsWithHTML(t *testing.T) {
	h := ui.NewHandler(built(t))
	for _, target := range []string{"/api", "/api/v2/teams", "/api/v1/nope?x=1"} {
		res := get(t, h, http.MethodGet, target, nil)
		if res.StatusCode != 404 || res.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: status %d, type %q", target, res.StatusCode, res.Header.Get("Content-Type"))
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
		if e.Error.Code != "not_found" || !strings.Contains(e.Error.Message, strings.Split(target, "?")[0]) {
			t.Errorf("%s: error %+v", target, e.Error)
		}
	}
}

// The embedded build works whether or not the UI was built on this machine.
func TestEmbeddedBuild(t *testing.T) {
	h := ui.Handler()
	root := get(t, h, http.MethodGet, "/", nil)
	page := body(t, root)
	if root.StatusCode != 200 || !strings.Contains(root.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: status %d, type %q", root.StatusCode, root.Header.Get("Content-Type"))
	}
	if ui.Built() != strings.Contains(page, `type="module"`) {
		t.Errorf("Built() = %v but the page is %.80q", ui.Built(), page)
	}
	if !ui.Built() && !strings.Contains(page, "make build") {
		t.Errorf("the placeholder does not say how to build the UI: %.200q", page)
	}
	if got := body(t, get(t, h, http.MethodGet, "/t/acme/labels/Website/nodes/foo.com", nil)); got != page {
		t.Error("a client-side route does not get the same page as /")
	}
	if res := get(t, h, http.MethodGet, "/assets/does-not-exist-0000.js", nil); res.StatusCode != 404 {
		t.Errorf("missing asset: status %d, want 404", res.StatusCode)
	}
}
