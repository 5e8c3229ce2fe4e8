package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// FS returns the embedded build: the app, or only the placeholder page when
// the UI was not built.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid directory name; "dist" is valid.
		panic(err)
	}
	return sub
}

// Built reports whether the embedded build holds the app rather than the
// placeholder page.
func Built() bool {
	_, err := fs.Stat(FS(), appPage)
	return err == nil
}

// Handler serves the embedded app at the root of a server. Mount it after the
// API: every GET that is not a file gets the app's page (see the package
// documentation).
func Handler() http.Handler {
	return NewHandler(FS())
}

const (
	appPage         = "app.html"
	placeholderPage = "index.html"
	assetsDir       = "assets/"
	// Hashed asset names change with their content: cache them for a year.
	immutable = "public, max-age=31536000, immutable"
	// The page and unhashed files (favicon) are revalidated on every load so
	// that a new deployment is picked up at once; their ETag makes that cheap.
	revalidate = "no-cache"
	// The app loads only its own scripts and talks only to its own origin.
	// Inline styles stay allowed: the charts set element styles.
	contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

type file struct {
	name string
	body []byte
	gz   []byte // the precompressed variant written by the build, if any
	etag string
}

type handler struct {
	files map[string]*file
	index *file
}

// NewHandler serves the single-page app held in fsys: app.html (or
// index.html) as the page, the other files as they are, and a .gz variant of
// a file instead of it to clients that accept gzip. fsys is read once, here.
func NewHandler(fsys fs.FS) http.Handler {
	h := &handler{files: map[string]*file{}}
	_ = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".gz") {
			return nil
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(body)
		f := &file{name: name, body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		if gz, err := fs.ReadFile(fsys, name+".gz"); err == nil {
			f.gz = gz
		}
		h.files[name] = f
		return nil
	})
	if f, ok := h.files[appPage]; ok {
		h.index = f
	} else if f, ok := h.files[placeholderPage]; ok {
		h.index = f
	} else {
		body := []byte("<!doctype html><title>depc</title><p>The depc web UI is missing from this build.</p>\n")
		h.index = &file{name: placeholderPage, body: body, etag: `"empty"`}
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "api" || strings.HasPrefix(name, "api/") {
		// API clients must never get the app's HTML for a mistyped path.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		var body struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		body.Error.Code = "not_found"
		body.Error.Message = "no API route " + r.Method + " " + r.URL.Path
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	f, ok := h.files[name]
	switch {
	case name == "" || name == appPage || name == placeholderPage:
		f = h.index
	case ok:
	case strings.HasPrefix(name, assetsDir):
		http.NotFound(w, r)
		return
	default:
		f = h.index // a client-side route
	}
	h.serve(w, r, f)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, f *file) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	ctype := mime.TypeByExtension(path.Ext(f.name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	hdr.Set("Content-Type", ctype)
	if f == h.index {
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("Referrer-Policy", "same-origin")
	}
	if strings.HasPrefix(f.name, assetsDir) {
		hdr.Set("Cache-Control", immutable)
	} else {
		hdr.Set("Cache-Control", revalidate)
	}
	body, etag := f.body, f.etag
	if f.gz != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			hdr.Set("Content-Encoding", "gzip")
			body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (present and not refused with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
