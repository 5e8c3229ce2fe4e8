package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/incident"
	"github.com/labstack/echo/v4"
)

// incident answers the incident review of a node over a window (?from=&to=,
// RFC 3339, at most 31 days; or ?day=, by default yesterday) as JSON or,
// with ?format=markdown, as a Markdown document for a postmortem.
func (s *Server) incident(c echo.Context) error {
	key, err := nodeKey(c)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	switch format {
	case "", "json", "markdown":
	default:
		return depc.Errorf(depc.EINVALID, "format: must be json or markdown, not %q", format)
	}
	ctx, team := c.Request().Context(), teamOf(c)
	w, ok, err := windowParams(c)
	if err != nil {
		return err
	}
	if !ok {
		day, err := s.dayParam(c)
		if err != nil {
			return err
		}
		if w, err = compute.DayWindow(day, team.Timezone); err != nil {
			return err
		}
	}
	rc, err := s.deps.Computer.RootCauseWindow(ctx, team.Name, key, w)
	if err != nil {
		return err
	}
	rc.Round(s.cfg.Decimals)
	notes, err := s.annotationsOf(ctx, team.Name, rc)
	if err != nil {
		return err
	}
	rep, err := incident.New(incident.Input{Team: team, RootCause: rc, Annotations: notes, Link: incidentLink(c, team.Name, key, w), Now: s.now().Unix()})
	if err != nil {
		return err
	}
	if format == "markdown" {
		return c.Blob(http.StatusOK, "text/markdown; charset=utf-8", []byte(rep.Markdown()))
	}
	return c.JSON(http.StatusOK, rep)
}

// incidentLink is the web app's page of the incident, a permanent URL of
// the node and the window, on the address the request came to.
func incidentLink(c echo.Context, team string, key depc.NodeKey, w depc.Window) string {
	// RFC 3339 instants in UTC need no escaping in a query, and read
	// better as they are.
	at := func(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }
	path := "/t/" + url.PathEscape(team) + "/labels/" + url.PathEscape(key.Label) + "/nodes/" + url.PathEscape(key.Name) +
		"/incident?from=" + at(w.Start) + "&to=" + at(w.End)
	if host := c.Request().Host; host != "" {
		return c.Scheme() + "://" + host + path
	}
	return path
}
