package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// The admin's catalog of shared sources (docs/isolation.md): sources the
// admin configures once (URL, credentials) and grants to teams, each grant
// a team source of plugin depc.PluginShared through which every query of
// the team is kept to the labels the entry and the grant enforce.

// sharedRequest is the body of POST and PUT /shared-sources.
type sharedRequest struct {
	Name          string              `json:"name"`
	Plugin        string              `json:"plugin"`
	Configuration json.RawMessage     `json:"configuration"`
	Description   string              `json:"description"`
	Enforce       []depc.LabelMatcher `json:"enforce"`
}

func (r sharedRequest) entry() depc.SharedSource {
	return depc.SharedSource{
		SourceConfig: depc.SourceConfig{Name: r.Name, Plugin: r.Plugin, Configuration: r.Configuration},
		Description:  r.Description,
		Enforce:      r.Enforce,
	}
}

// checkShared validates an entry: its own rules, a plugin that can
// enforce labels (InfluxDB and OpenTSDB cannot: they are refused), and a
// configuration the plugin opens.
func (s *Server) checkShared(ctx context.Context, e *depc.SharedSource) error {
	if err := e.Validate(); err != nil {
		return err
	}
	p, ok := s.deps.Plugins.Lookup(e.Plugin)
	if ok && p.Enforce == nil {
		return depc.Errorf(depc.EINVALID, "plugin: %s cannot keep a team's queries to its own series (no enforcement of labels in %s), so it cannot be shared", p.Name, p.QueryLanguage)
	}
	return s.checkSource(ctx, &e.SourceConfig)
}

// maskShared masks an entry's secrets as a source's.
func (s *Server) maskShared(e depc.SharedSource) depc.SharedSource {
	e.SourceConfig = s.maskSource(e.SourceConfig)
	if e.Enforce == nil {
		e.Enforce = []depc.LabelMatcher{}
	}
	return e
}

func (s *Server) createShared(c echo.Context) error {
	var req sharedRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	e := req.entry()
	var err error
	if e.Configuration, err = s.unmaskSource(e.SourceConfig, nil); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.checkShared(ctx, &e); err != nil {
		return err
	}
	out, err := s.deps.State.CreateSharedSource(ctx, e)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.maskShared(out))
}

func (s *Server) listShared(c echo.Context) error {
	out, err := s.deps.State.SharedSources(c.Request().Context())
	if err != nil {
		return err
	}
	for i := range out {
		out[i] = s.maskShared(out[i])
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getShared(c echo.Context) error {
	name, err := resourceName(c, "shared")
	if err != nil {
		return err
	}
	out, err := s.deps.State.SharedSource(c.Request().Context(), name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.maskShared(out))
}

func (s *Server) putShared(c echo.Context) error {
	name, err := resourceName(c, "shared")
	if err != nil {
		return err
	}
	var req sharedRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	if req.Name, err = sameName("name", req.Name, name); err != nil {
		return err
	}
	ctx := c.Request().Context()
	stored, err := s.deps.State.SharedSource(ctx, name)
	if err != nil {
		return err
	}
	e := req.entry()
	if e.Configuration, err = s.unmaskSource(e.SourceConfig, &stored.SourceConfig); err != nil {
		return err
	}
	if err := s.checkShared(ctx, &e); err != nil {
		return err
	}
	out, err := s.deps.State.UpdateSharedSource(ctx, e)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.maskShared(out))
}

func (s *Server) deleteShared(c echo.Context) error {
	name, err := resourceName(c, "shared")
	if err != nil {
		return err
	}
	if err := s.deps.State.DeleteSharedSource(c.Request().Context(), name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// grantJSON is a grant of a shared source to a team, as the admin sees it.
type grantJSON struct {
	Team   string `json:"team"`
	Source string `json:"source"`
	// Enforce are the grant's own labels, Effective what holds for the
	// team (the entry's, rendered for it, and the grant's over them).
	Enforce   []depc.LabelMatcher `json:"enforce"`
	Effective []depc.LabelMatcher `json:"effective"`
}

// grantOf returns the grant of entry e to team, from the team's source of
// the entry's name; ENOTFOUND when there is none.
func (s *Server) grantOf(ctx context.Context, e depc.SharedSource, team string) (grantJSON, error) {
	sc, err := s.deps.State.Source(ctx, team, e.Name)
	if err != nil {
		if depc.ErrorCode(err) == depc.ENOTFOUND {
			return grantJSON{}, depc.Errorf(depc.ENOTFOUND, "team %s has no grant of shared source %q", team, e.Name)
		}
		return grantJSON{}, err
	}
	g, err := depc.DecodeSharedGrant(sc.Configuration)
	if sc.Plugin != depc.PluginShared || err != nil || g.Source != e.Name {
		return grantJSON{}, depc.Errorf(depc.ENOTFOUND, "team %s has no grant of shared source %q (its source %q is its own)", team, e.Name, sc.Name)
	}
	return grantView(team, e, g), nil
}

func grantView(team string, e depc.SharedSource, g depc.SharedGrant) grantJSON {
	own := g.Enforce
	if own == nil {
		own = []depc.LabelMatcher{}
	}
	return grantJSON{Team: team, Source: e.Name, Enforce: own, Effective: e.EnforcedFor(team, g)}
}

// listGrants lists the teams granted an entry.
func (s *Server) listSharedGrants(c echo.Context) error {
	name, err := resourceName(c, "shared")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	e, err := s.deps.State.SharedSource(ctx, name)
	if err != nil {
		return err
	}
	teams, err := s.deps.State.Teams(ctx)
	if err != nil {
		return err
	}
	out := []grantJSON{}
	for _, t := range teams {
		g, err := s.grantOf(ctx, e, t.Name)
		if depc.ErrorCode(err) == depc.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		out = append(out, g)
	}
	return c.JSON(http.StatusOK, out)
}

// sharedAndTeam reads the entry and the team of a grant's path.
func (s *Server) sharedAndTeam(c echo.Context) (depc.SharedSource, string, error) {
	name, err := resourceName(c, "shared")
	if err != nil {
		return depc.SharedSource{}, "", err
	}
	team, err := pathParam(c, "team")
	if err != nil {
		return depc.SharedSource{}, "", err
	}
	ctx := c.Request().Context()
	if _, err := s.deps.State.Team(ctx, team); err != nil {
		return depc.SharedSource{}, "", err
	}
	e, err := s.deps.State.SharedSource(ctx, name)
	return e, team, err
}

func (s *Server) getSharedGrant(c echo.Context) error {
	e, team, err := s.sharedAndTeam(c)
	if err != nil {
		return err
	}
	g, err := s.grantOf(c.Request().Context(), e, team)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

// sharedGrantRequest is the body of PUT /shared-sources/{shared}/grants/{team}.
type sharedGrantRequest struct {
	Enforce []depc.LabelMatcher `json:"enforce"`
}

// putSharedGrant grants an entry to a team, or changes the grant's own
// labels: the team gets (or keeps) a source of the entry's name. A team
// source of that name that is its own is a conflict.
func (s *Server) putSharedGrant(c echo.Context) error {
	e, team, err := s.sharedAndTeam(c)
	if err != nil {
		return err
	}
	var req sharedGrantRequest
	if c.Request().ContentLength != 0 {
		if err := s.bind(c, &req); err != nil {
			return err
		}
	}
	sc, err := depc.GrantSource(e.Name, req.Enforce)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	stored, err := s.deps.State.Source(ctx, team, e.Name)
	switch {
	case depc.ErrorCode(err) == depc.ENOTFOUND:
		_, err = s.deps.State.CreateSource(ctx, team, sc)
	case err != nil:
	case stored.Plugin != depc.PluginShared:
		err = depc.Errorf(depc.ECONFLICT, "team %s has a source of its own named %q: it cannot be granted a shared source of the same name", team, e.Name)
	default:
		_, err = s.deps.State.UpdateSource(ctx, team, sc)
	}
	if err != nil {
		return err
	}
	g, err := s.grantOf(ctx, e, team)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, g)
}

// deleteSharedGrant revokes a grant: the team's source goes, which the
// store refuses (ECONFLICT) while a check of the team uses it.
func (s *Server) deleteSharedGrant(c echo.Context) error {
	e, team, err := s.sharedAndTeam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.grantOf(ctx, e, team); err != nil {
		return err
	}
	if err := s.deps.State.DeleteSource(ctx, team, e.Name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// teamSharedJSON is a shared source granted to a team, as the team sees
// it: no configuration (the URL and credentials are the admin's).
type teamSharedJSON struct {
	// Name is the team's source, which checks name.
	Name          string              `json:"name"`
	Plugin        string              `json:"plugin"`
	QueryLanguage string              `json:"query_language"`
	Description   string              `json:"description"`
	Enforce       []depc.LabelMatcher `json:"enforce"`
}

// listTeamShared lists the shared sources granted to the team.
func (s *Server) listTeamShared(c echo.Context) error {
	ctx := c.Request().Context()
	team := teamOf(c).Name
	scs, err := s.deps.State.Sources(ctx, team)
	if err != nil {
		return err
	}
	out := []teamSharedJSON{}
	for _, sc := range scs {
		if sc.Plugin != depc.PluginShared {
			continue
		}
		g, err := depc.DecodeSharedGrant(sc.Configuration)
		if err != nil {
			continue
		}
		e, err := s.deps.State.SharedSource(ctx, g.Source)
		if depc.ErrorCode(err) == depc.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		p, _ := s.deps.Plugins.Lookup(e.Plugin)
		out = append(out, teamSharedJSON{Name: sc.Name, Plugin: e.Plugin, QueryLanguage: p.QueryLanguage, Description: e.Description, Enforce: e.EnforcedFor(team, g)})
	}
	return c.JSON(http.StatusOK, out)
}

// openTeamSource opens a team's source, a grant of a shared source through
// the catalog with its labels enforced; the caller closes it.
func (s *Server) openTeamSource(ctx context.Context, team string, sc depc.SourceConfig) (depc.Source, depc.SourceConfig, error) {
	if sc.Plugin == depc.PluginShared {
		r, err := depc.ResolveShared(ctx, s.deps.State, team, sc)
		if err != nil {
			return nil, sc, err
		}
		sc = r
	}
	src, err := s.deps.Plugins.Open(ctx, sc)
	return src, sc, err
}

// ownSourceWrite refuses a team's own write of a grant (only the admin
// grants, changes and revokes them) and, when the write points a source
// somewhere (a creation, a change, a test of an unsaved configuration), a
// team whose limits keep it to shared sources: otherwise it could point a
// source it has at the shared database and read it unrestricted.
func (s *Server) ownSourceWrite(c echo.Context, plugin string, create bool) error {
	if caller(c).Admin {
		return nil
	}
	if plugin == depc.PluginShared {
		return depc.Errorf(depc.EFORBIDDEN, "a source of plugin %s is a grant of the admin's shared catalog: only an admin grants, changes or revokes it", depc.PluginShared)
	}
	if !create {
		return nil
	}
	l, err := s.limitsOf(c, teamOf(c).Name)
	if err != nil {
		return err
	}
	if !l.Effective.MayCreateSources() {
		return depc.Errorf(depc.EFORBIDDEN, "team %s may only use the shared sources the admin granted it (limits: own_sources is %q): its managers cannot create, change or test sources of their own", teamOf(c).Name, depc.OwnSourcesDeny)
	}
	return nil
}
