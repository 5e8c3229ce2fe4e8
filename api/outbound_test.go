package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// secretPage is what an internal service answers: no API user may read it
// through a source.
const secretPage = "TOP-SECRET internal page: db password hunter2"

// TestSourceAnswerNotShown is repro 3 of issue 12: a manager points a
// Prometheus source at any URL, and a viewer's rule execute showed the
// target's answer in checks[].error. Now the check's error is a status and
// a short fixed message, whatever the target answers; the body goes only
// to the server log.
func TestSourceAnswerNotShown(t *testing.T) {
	for _, c := range []struct {
		name        string
		status      int
		contentType string
		body        string
	}{
		{"500 text", http.StatusInternalServerError, "text/plain", secretPage},
		{"404 html", http.StatusNotFound, "text/html", "<html>" + secretPage + "</html>"},
		{"400 not json", http.StatusBadRequest, "text/plain", secretPage},
		{"200 not json", http.StatusOK, "text/html", "<" + secretPage},
		{"200 other json", http.StatusOK, "application/json", `{"status": "success", "data": "` + secretPage + `"}`},
		{"503 prometheus shaped", http.StatusServiceUnavailable, "application/json", `{"status": "error", "errorType": "internal", "error": "` + secretPage + `"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", c.contentType)
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer target.Close()
			e := newEnv(t)
			e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
			e.call("POST", "/teams/acme/sources", map[string]any{"name": "Internal", "plugin": "Prometheus",
				"configuration": map[string]any{"url": target.URL}}, http.StatusCreated, nil)
			e.call("POST", "/teams/acme/checks", map[string]any{"name": "Up", "source": "Internal", "type": "Threshold",
				"parameters": map[string]any{"query": "up", "threshold": "1"}}, http.StatusCreated, nil)
			e.call("POST", "/teams/acme/rules", map[string]any{"name": "R", "checks": []string{"Up"}}, http.StatusCreated, nil)
			viewer := e.user("vic", "acme", depc.RoleViewer)

			r := e.do(request{method: "POST", path: "/teams/acme/rules/R/execute", token: tok(viewer),
				body: map[string]any{"name": "a", "start": tutorialStart, "end": tutorialStart + 3600}})
			var out struct {
				Checks []struct {
					Error *string `json:"error"`
				} `json:"checks"`
			}
			mustJSON(t, r, http.StatusOK, &out)
			if len(out.Checks) != 1 || out.Checks[0].Error == nil {
				t.Fatalf("execute: %s, want one check with an error", r.Body)
			}
			msg := *out.Checks[0].Error
			if strings.Contains(msg, "SECRET") || strings.Contains(msg, "hunter2") {
				t.Errorf("checks[0].error shows the target's answer: %q", msg)
			}
			if len(msg) > 300 {
				t.Errorf("checks[0].error is %d bytes, want a short message: %q", len(msg), msg)
			}
		})
	}
}

// TestSourceURLGuard: a source's URL is http or https, and link-local and
// cloud metadata addresses are refused by default, by address or by name.
func TestSourceURLGuard(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/teams", map[string]any{"name": "acme"}, http.StatusCreated, nil)
	for _, u := range []string{
		"http://169.254.169.254/",
		"http://169.254.169.254:80/latest",
		"http://[fe80::1]:9090",
		"http://[fd00:ec2::254]/",
		"http://[::ffff:169.254.169.254]/",
		"http://metadata.google.internal/",
		"http://METADATA.google.internal./computeMetadata",
		"http://100.100.100.200/",
		"file:///etc/passwd",
		"gopher://127.0.0.1:9090",
		"ftp://127.0.0.1/",
	} {
		e.wantError(request{method: "POST", path: "/teams/acme/sources", body: map[string]any{"name": "Meta", "plugin": "Prometheus",
			"configuration": map[string]any{"url": u}}}, http.StatusBadRequest, depc.EINVALID, "configuration.url")
	}
	// An ordinary address is fine (loopback and private networks too: a
	// team's Prometheus is usually on one).
	for i, u := range []string{"http://127.0.0.1:9090", "https://prometheus.example.com", "http://10.1.2.3:9090/prefix"} {
		e.call("POST", "/teams/acme/sources", map[string]any{"name": "P" + itoa(int64(i)), "plugin": "Prometheus",
			"configuration": map[string]any{"url": u}}, http.StatusCreated, nil)
	}
}
