package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// The audit log: every successful write through the API is recorded — who,
// when, the route and the path, and the resource before and after as the
// API shows it (secrets masked; tokens and other secret-named values
// replaced by the mask). "Before" is what the route's GET answered just
// before a PUT or DELETE, when the path has a GET; "after" is the write's
// own answer. A team's managers read the team's entries; an admin reads
// every entry, the instance's (users, teams) included.

// routeParam is a parameter of a route's path (:team), written {team} in
// an entry's action, as in the OpenAPI document.
var routeParam = regexp.MustCompile(`:(\w+)`)

// computeOnly are the POST routes that write nothing: they are not
// recorded.
var computeOnly = map[string]bool{
	http.MethodPost + " /teams/:team/rules/:rule/execute": true,
}

// writes reports whether a route writes.
func (r route) writes() bool {
	switch r.method {
	case http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return !computeOnly[r.method+" "+r.path]
	}
	return false
}

// secretKeys are the keys whose string values an entry never holds, at
// any depth: the secrets the API shows once (tokens) and any a future
// answer might carry.
var secretKeys = map[string]bool{"token": true, "secret": true, "password": true, "bearer_token": true}

// redact returns a JSON document with the values of secretKeys masked;
// nil for none.
func redact(doc []byte) json.RawMessage {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return depc.AuditDocument(doc) // not JSON: noted by its size
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if s, ok := val.(string); ok && s != "" && secretKeys[strings.ToLower(k)] {
					x[k] = SecretMask
					continue
				}
				x[k] = walk(val)
			}
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
		}
		return v
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		return nil
	}
	return depc.AuditDocument(out)
}

// teeWriter passes an answer through and keeps its first bytes.
type teeWriter struct {
	http.ResponseWriter
	buf   bytes.Buffer
	total int
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.total += len(p)
	if room := depc.MaxAuditDocument + 1 - w.buf.Len(); room > 0 {
		w.buf.Write(p[:min(room, len(p))])
	}
	return w.ResponseWriter.Write(p)
}

// kept returns what was written, or a note of its size when it was more
// than an entry holds.
func (w *teeWriter) kept() []byte {
	if w.total > depc.MaxAuditDocument {
		b, _ := json.Marshal(map[string]any{"truncated": true, "bytes": w.total})
		return b
	}
	return w.buf.Bytes()
}

// recorder is the http.ResponseWriter of a GET run to read a resource
// before a write.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }

// auditTeam returns the team a write is about: the guard's, or the
// path's for the admin routes of a team.
func auditTeam(c echo.Context) string {
	if t := teamOf(c); t.Name != "" {
		return t.Name
	}
	for _, n := range c.ParamNames() {
		if n == "team" {
			name, _ := pathParam(c, "team")
			return name
		}
	}
	return ""
}

// view runs the GET handler of the write's path for the same caller and
// returns its answer, nil when it has none (a creation, an unknown
// resource).
func (s *Server) view(c echo.Context, get func(*Server, echo.Context) error, team string) []byte {
	req := c.Request().Clone(c.Request().Context())
	req.Method, req.Body, req.ContentLength = http.MethodGet, http.NoBody, 0
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	vc := s.e.NewContext(req, rec)
	vc.SetPath(c.Path())
	vc.SetParamNames(c.ParamNames()...)
	vc.SetParamValues(c.ParamValues()...)
	for _, k := range []string{ctxPrincipal, ctxTeam, ctxRole} {
		vc.Set(k, c.Get(k))
	}
	if teamOf(vc).Name == "" && team != "" {
		t, err := s.auth.team(req.Context(), s.deps.State, team)
		if err != nil {
			return nil
		}
		vc.Set(ctxTeam, t)
	}
	if err := get(s, vc); err != nil || rec.status != http.StatusOK {
		return nil
	}
	return rec.body.Bytes()
}

// audited records the successful writes of a route.
func (s *Server) audited(r route, h echo.HandlerFunc) echo.HandlerFunc {
	var get func(*Server, echo.Context) error
	if r.method == http.MethodPut || r.method == http.MethodDelete {
		for _, g := range apiRoutes {
			if g.method == http.MethodGet && g.path == r.path {
				get = g.handle
			}
		}
	}
	action := r.method + " " + routeParam.ReplaceAllString(r.path, "{$1}")
	return func(c echo.Context) error {
		team := auditTeam(c)
		var before []byte
		if get != nil {
			before = s.view(c, get, team)
		}
		tee := &teeWriter{ResponseWriter: c.Response().Writer}
		c.Response().Writer = tee
		err := h(c)
		c.Response().Writer = tee.ResponseWriter
		status := c.Response().Status
		if err != nil || status < 200 || status > 299 {
			return err
		}
		if t, ok := c.Get(ctxAuditTeam).(string); ok {
			team = t
		}
		var after []byte
		if status != http.StatusNoContent {
			after = tee.kept()
		}
		e := depc.AuditEntry{
			Team: team, User: caller(c).User, Action: action,
			Target: strings.TrimPrefix(c.Request().URL.EscapedPath(), Base),
			Status: status, Before: redact(before), After: redact(after),
		}
		// The write is done: its record must not depend on the client
		// waiting for the answer.
		if _, aerr := s.deps.State.AddAudit(context.WithoutCancel(c.Request().Context()), e); aerr != nil {
			s.log.Error("audit entry not recorded", "action", e.Action, "target", e.Target, "user", e.User, "error", aerr)
		}
		return nil
	}
}

// auditPage reads the paging parameters of an audit listing: before (an
// entry id) and limit.
func auditPage(c echo.Context) (depc.AuditFilter, error) {
	var f depc.AuditFilter
	for _, p := range []struct {
		name string
		to   *int64
	}{{"before", &f.Before}, {"limit", nil}} {
		v := c.QueryParam(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, depc.Errorf(depc.EINVALID, "%s: must be a positive integer, not %q", p.name, v)
		}
		if p.to != nil {
			*p.to = n
		} else {
			f.Limit = int(min(n, depc.MaxAuditListed))
		}
	}
	return f, nil
}

// teamAudit lists a team's audit log, newest first.
func (s *Server) teamAudit(c echo.Context) error {
	f, err := auditPage(c)
	if err != nil {
		return err
	}
	f.Team = teamOf(c).Name
	out, err := s.deps.State.Audit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

// audit lists the whole audit log, or one team's (?team=), newest first:
// the instance's writes, and those of deleted teams, are here only.
func (s *Server) audit(c echo.Context) error {
	f, err := auditPage(c)
	if err != nil {
		return err
	}
	f.Team = c.QueryParam("team")
	out, err := s.deps.State.Audit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(out))
}
