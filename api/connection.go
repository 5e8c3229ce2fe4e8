package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// "Test connection" of a source (issue 15 item 6): open it, then run one
// sample query over the last hour through the source itself — so through
// the outbound guard, with the source's own errors, which name the HTTP
// status and never carry the remote server's body.

// connectionTimeout bounds a test, whatever the source's own timeout.
const connectionTimeout = 15 * time.Second

// connectionName is the node name the sample query is restricted to: the
// test is about the connection, not about a node's data.
const connectionName = "depc-connection-test"

// connectionRequest is the optional body of POST …/sources/:source/test.
type connectionRequest struct {
	// Query is the sample query (default: the plugin's first suggested
	// check, else "up").
	Query string `json:"query"`
}

// ConnectionStep is one step of a test: configuration, reachability,
// authentication or query.
type ConnectionStep struct {
	Name  string  `json:"name"`
	OK    bool    `json:"ok"`
	Error *string `json:"error"`
}

// ConnectionReport is the answer of a test.
type ConnectionReport struct {
	OK    bool             `json:"ok"`
	Steps []ConnectionStep `json:"steps"`
	// Query is the sample query run, Series how many series it answered
	// (0 is fine: the test name has no data).
	Query      string `json:"query"`
	Series     int    `json:"series"`
	DurationMS int64  `json:"duration_ms"`
}

// testConnection runs the test of a configuration.
func (s *Server) testConnection(ctx context.Context, sc depc.SourceConfig, query string) ConnectionReport {
	start := time.Now()
	rep := ConnectionReport{Steps: []ConnectionStep{}}
	fail := func(step string, err error) ConnectionReport {
		msg := depc.ErrorMessage(err)
		rep.Steps = append(rep.Steps, ConnectionStep{Name: step, Error: &msg})
		rep.DurationMS = time.Since(start).Milliseconds()
		return rep
	}
	if err := sc.Validate(); err != nil {
		return fail("configuration", err)
	}
	p, _ := s.deps.Plugins.Lookup(sc.Plugin)
	if query == "" {
		query = "up"
		if len(p.Checks) > 0 {
			query = p.Checks[0].Query
		}
	}
	rep.Query = query
	ctx, cancel := context.WithTimeout(ctx, connectionTimeout)
	defer cancel()
	src, err := s.deps.Plugins.Open(ctx, sc)
	if err != nil {
		return fail("configuration", err)
	}
	defer s.closeSource(sc, src)
	rep.Steps = append(rep.Steps, ConnectionStep{Name: "configuration", OK: true})
	params := depc.CheckParameters{Query: query, Threshold: "0"}
	if err := src.ValidateCheck(params); err != nil {
		return fail("query", err)
	}
	now := time.Now().Unix() / 60 * 60
	var res depc.SourceResult
	err = src.Fetch(ctx, params, depc.Window{Start: now - 3600, End: now}, []string{connectionName}, func(r depc.SourceResult) {
		if r.Name == connectionName {
			res = r
		}
	})
	if err == nil {
		err = res.Err
	}
	if err != nil {
		return fail(connectionStep(err), err)
	}
	for _, step := range []string{"reachability", "authentication", "query"} {
		rep.Steps = append(rep.Steps, ConnectionStep{Name: step, OK: true})
	}
	rep.OK, rep.Series = true, len(res.Series)
	rep.DurationMS = time.Since(start).Milliseconds()
	return rep
}

// connectionStep says which step an error of the sample query fails: the
// sources name the HTTP status (401, 403) of a refused credential, and
// answer EINVALID for a query the database refuses.
func connectionStep(err error) string {
	msg := depc.ErrorMessage(err)
	switch {
	case strings.Contains(msg, "HTTP 401") || strings.Contains(msg, "HTTP 403"):
		return "authentication"
	case depc.ErrorCode(err) == depc.EINVALID:
		return "query"
	}
	return "reachability"
}

// testSource tests a saved source (its stored secrets included).
func (s *Server) testSource(c echo.Context) error {
	name, err := resourceName(c, "source")
	if err != nil {
		return err
	}
	var req connectionRequest
	if c.Request().ContentLength != 0 {
		if err := s.bind(c, &req); err != nil {
			return err
		}
	}
	ctx := c.Request().Context()
	sc, err := s.deps.State.Source(ctx, teamOf(c).Name, name)
	if err != nil {
		return err
	}
	if sc.Plugin == depc.PluginShared {
		// The catalog's source, with the team's labels enforced.
		if sc, err = depc.ResolveShared(ctx, s.deps.State, teamOf(c).Name, sc); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, s.testConnection(ctx, sc, req.Query))
}

// unsavedSourceTest is the body of POST …/sources/test: a configuration
// as POST …/sources takes it, and the optional sample query.
type unsavedSourceTest struct {
	sourceRequest
	Query string `json:"query"`
}

// testUnsavedSource tests a configuration before it is saved. A secret
// sent as the mask is not filled in: an unsaved source has none stored.
func (s *Server) testUnsavedSource(c echo.Context) error {
	var req unsavedSourceTest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	sc := req.config()
	if err := s.ownSourceWrite(c, sc.Plugin, true); err != nil {
		return err
	}
	if sc.Name == "" {
		sc.Name = "test"
	}
	conf, err := s.unmaskSource(sc, nil)
	if err != nil {
		return err
	}
	sc.Configuration = conf
	return c.JSON(http.StatusOK, s.testConnection(c.Request().Context(), sc, req.Query))
}
