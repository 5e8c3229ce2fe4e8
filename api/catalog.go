package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/querytemplate"
	"github.com/labstack/echo/v4"
)

// resourceName reads and checks the name of a source, check or rule from
// the path.
func resourceName(c echo.Context, param string) (string, error) {
	name, err := pathParam(c, param)
	if err != nil {
		return "", err
	}
	if err := depc.CheckResourceName(param, name); err != nil {
		return "", err
	}
	return name, nil
}

// sameName checks that a PUT body names the resource of its path, or
// nothing (renaming is not supported: references would break).
func sameName(field, body, path string) (string, error) {
	if body != "" && body != path {
		return "", depc.Errorf(depc.EINVALID, "%s: %q differs from the name in the path %q (renaming is not supported)", field, body, path)
	}
	return path, nil
}

// --- sources ---

type sourceRequest struct {
	Name          string          `json:"name"`
	Plugin        string          `json:"plugin"`
	Configuration json.RawMessage `json:"configuration"`
}

func (r sourceRequest) config() depc.SourceConfig {
	return depc.SourceConfig{Name: r.Name, Plugin: r.Plugin, Configuration: r.Configuration}
}

// checkSource validates a source by opening it with its plugin, and
// closes it.
func (s *Server) checkSource(ctx context.Context, sc *depc.SourceConfig) error {
	if err := sc.Validate(); err != nil {
		return err
	}
	if len(bytes.TrimSpace(sc.Configuration)) == 0 || string(bytes.TrimSpace(sc.Configuration)) == "null" {
		sc.Configuration = json.RawMessage("{}")
	}
	src, err := s.deps.Plugins.Open(ctx, *sc)
	if err != nil {
		if depc.ErrorCode(err) == depc.EINTERNAL {
			return depc.Errorf(depc.EINVALID, "configuration: %v", err)
		}
		return err
	}
	s.closeSource(*sc, src)
	return nil
}

// closeSource closes a source opened to validate: a failure to release it
// is the server's to log, not the request's.
func (s *Server) closeSource(sc depc.SourceConfig, src depc.Source) {
	if err := src.Close(); err != nil {
		s.log.Warn("closing a source opened for validation", "plugin", sc.Plugin, "source", sc.Name, "error", err)
	}
}

func (s *Server) createSource(c echo.Context) error {
	var req sourceRequest
	err := s.bind(c, &req)
	if err != nil {
		return err
	}
	sc := req.config()
	if err := s.ownSourceWrite(c, sc.Plugin, true); err != nil {
		return err
	}
	if sc.Plugin == depc.PluginShared {
		return depc.Errorf(depc.EINVALID, "plugin: a grant of a shared source is made with PUT /shared-sources/{shared}/grants/{team}")
	}
	if sc.Configuration, err = s.unmaskSource(sc, nil); err != nil {
		return err
	}
	if err := s.checkSource(c.Request().Context(), &sc); err != nil {
		return err
	}
	out, err := s.deps.State.CreateSource(c.Request().Context(), teamOf(c).Name, sc)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.maskSource(out))
}

func (s *Server) listSources(c echo.Context) error {
	out, err := s.deps.State.Sources(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.maskSources(out))
}

func (s *Server) getSource(c echo.Context) error {
	name, err := resourceName(c, "source")
	if err != nil {
		return err
	}
	out, err := s.deps.State.Source(c.Request().Context(), teamOf(c).Name, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.maskSource(out))
}

func (s *Server) putSource(c echo.Context) error {
	name, err := resourceName(c, "source")
	if err != nil {
		return err
	}
	var req sourceRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	if req.Name, err = sameName("name", req.Name, name); err != nil {
		return err
	}
	ctx := c.Request().Context()
	stored, err := s.deps.State.Source(ctx, teamOf(c).Name, name)
	if err != nil {
		return err
	}
	sc := req.config()
	if err := s.ownSourceWrite(c, stored.Plugin, false); err != nil {
		return err
	}
	if err := s.ownSourceWrite(c, sc.Plugin, true); err != nil {
		return err
	}
	if stored.Plugin == depc.PluginShared || sc.Plugin == depc.PluginShared {
		return depc.Errorf(depc.EINVALID, "plugin: a grant of a shared source is changed with PUT /shared-sources/{shared}/grants/{team}")
	}
	if sc.Configuration, err = s.unmaskSource(sc, &stored); err != nil {
		return err
	}
	if err := s.checkSource(ctx, &sc); err != nil {
		return err
	}
	out, err := s.deps.State.UpdateSource(ctx, teamOf(c).Name, sc)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.maskSource(out))
}

func (s *Server) deleteSource(c echo.Context) error {
	name, err := resourceName(c, "source")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	stored, err := s.deps.State.Source(ctx, teamOf(c).Name, name)
	if err != nil {
		return err
	}
	if err := s.ownSourceWrite(c, stored.Plugin, false); err != nil {
		return err
	}
	if err := s.deps.State.DeleteSource(ctx, teamOf(c).Name, name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// --- checks ---

// checkCheck validates a check: its name, type and bound, that its source
// exists, and its query through the source's plugin.
func (s *Server) checkCheck(c echo.Context, ch *depc.Check) error {
	if err := ch.Validate(); err != nil {
		return err
	}
	sc, err := s.deps.State.Source(c.Request().Context(), teamOf(c).Name, ch.Source)
	if depc.ErrorCode(err) == depc.ENOTFOUND {
		return depc.Errorf(depc.EINVALID, "source: team %s has no source %q", teamOf(c).Name, ch.Source)
	}
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	src, sc, err := s.openTeamSource(ctx, teamOf(c).Name, sc)
	if err != nil {
		return err
	}
	defer s.closeSource(sc, src)
	// The query is rendered with the team's variables, as each rule that
	// uses the check renders it, and the source validates the rendering.
	sets, err := s.deps.State.Variables(ctx, teamOf(c).Name)
	if err != nil {
		return err
	}
	rules, err := s.deps.State.Rules(ctx, teamOf(c).Name)
	if err != nil {
		return err
	}
	return renderCheck(src, depc.CollectVariables(sets), *ch, rulesOf(rules, ch.Name))
}

func (s *Server) createCheck(c echo.Context) error {
	var ch depc.Check
	if err := s.bind(c, &ch); err != nil {
		return err
	}
	if err := s.checkCheck(c, &ch); err != nil {
		return err
	}
	out, err := s.deps.State.CreateCheck(c.Request().Context(), teamOf(c).Name, ch)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) listChecks(c echo.Context) error {
	out, err := s.deps.State.Checks(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

func (s *Server) getCheck(c echo.Context) error {
	name, err := resourceName(c, "check")
	if err != nil {
		return err
	}
	out, err := s.deps.State.Check(c.Request().Context(), teamOf(c).Name, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) putCheck(c echo.Context) error {
	name, err := resourceName(c, "check")
	if err != nil {
		return err
	}
	var ch depc.Check
	if err := s.bind(c, &ch); err != nil {
		return err
	}
	if ch.Name, err = sameName("name", ch.Name, name); err != nil {
		return err
	}
	if err := s.checkCheck(c, &ch); err != nil {
		return err
	}
	out, err := s.deps.State.UpdateCheck(c.Request().Context(), teamOf(c).Name, ch)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) deleteCheck(c echo.Context) error {
	name, err := resourceName(c, "check")
	if err != nil {
		return err
	}
	if err := s.deps.State.DeleteCheck(c.Request().Context(), teamOf(c).Name, name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// --- rules ---

// checkRule validates a rule: its checks exist and render with its
// variables. A rule being created has none yet: its variables are checked
// when they are set.
func (s *Server) checkRule(c echo.Context, r *depc.Rule, creating bool) error {
	if err := r.Validate(); err != nil {
		return err
	}
	checks, err := s.deps.State.Checks(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(checks))
	for _, ch := range checks {
		known[ch.Name] = true
	}
	for i, name := range r.Checks {
		if !known[name] {
			return depc.Errorf(depc.EINVALID, "checks[%d]: team %s has no check %q", i, teamOf(c).Name, name)
		}
	}
	// Each check that uses variables renders with this rule's.
	ctx := c.Request().Context()
	sets, err := s.deps.State.Variables(ctx, teamOf(c).Name)
	if err != nil {
		return err
	}
	tv := depc.CollectVariables(sets)
	byName := make(map[string]depc.Check, len(checks))
	for _, ch := range checks {
		byName[ch.Name] = ch
	}
	for i, name := range r.Checks {
		ch := byName[name]
		t, err := querytemplate.Parse(ch.Parameters.Query)
		if err != nil || !t.HasVariables() {
			continue
		}
		rules := []string{r.Name}
		if creating {
			rules = nil
		}
		if err := s.withSource(ctx, teamOf(c).Name, ch.Source, func(src depc.Source) error {
			return renderCheck(src, tv, ch, rules)
		}); err != nil {
			return depc.Errorf(depc.EINVALID, "checks[%d]: %s", i, depc.ErrorMessage(err))
		}
	}
	return nil
}

func (s *Server) createRule(c echo.Context) error {
	var r depc.Rule
	if err := s.bind(c, &r); err != nil {
		return err
	}
	if err := s.checkRule(c, &r, true); err != nil {
		return err
	}
	out, err := s.deps.State.CreateRule(c.Request().Context(), teamOf(c).Name, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) listRules(c echo.Context) error {
	out, err := s.deps.State.Rules(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(out))
}

func (s *Server) getRule(c echo.Context) error {
	name, err := resourceName(c, "rule")
	if err != nil {
		return err
	}
	out, err := s.deps.State.Rule(c.Request().Context(), teamOf(c).Name, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) putRule(c echo.Context) error {
	name, err := resourceName(c, "rule")
	if err != nil {
		return err
	}
	var r depc.Rule
	if err := s.bind(c, &r); err != nil {
		return err
	}
	if r.Name, err = sameName("name", r.Name, name); err != nil {
		return err
	}
	if err := s.checkRule(c, &r, false); err != nil {
		return err
	}
	out, err := s.deps.State.UpdateRule(c.Request().Context(), teamOf(c).Name, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) deleteRule(c echo.Context) error {
	name, err := resourceName(c, "rule")
	if err != nil {
		return err
	}
	if err := s.deps.State.DeleteRule(c.Request().Context(), teamOf(c).Name, name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type executeRequest struct {
	Name  string `json:"name"`
	Start *int64 `json:"start"`
	End   *int64 `json:"end"`
}

func (s *Server) executeRule(c echo.Context) error {
	rule, err := resourceName(c, "rule")
	if err != nil {
		return err
	}
	var req executeRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	if err := depc.CheckName("name", req.Name); err != nil {
		return err
	}
	if req.Start == nil || req.End == nil {
		return depc.Errorf(depc.EINVALID, "start and end: both are required (Unix seconds)")
	}
	if *req.Start < 0 || *req.End <= *req.Start {
		return depc.Errorf(depc.EINVALID, "end: must be after start")
	}
	out, err := s.deps.Computer.ExecuteRule(c.Request().Context(), teamOf(c).Name, rule, req.Name, depc.Window{Start: *req.Start, End: *req.End})
	if err != nil {
		return err
	}
	out.Round(s.cfg.Decimals)
	return c.JSON(http.StatusOK, out)
}

// --- config ---

type configResponse struct {
	ID        int64           `json:"id"`
	CreatedAt int64           `json:"created_at"`
	Config    json.RawMessage `json:"config"`
}

func configJSON(v depc.ConfigVersion) configResponse {
	return configResponse{ID: v.ID, CreatedAt: v.CreatedAt, Config: v.Config}
}

// saveConfig validates a config document against the team's rules and
// saves it as a new version.
func (s *Server) saveConfig(c echo.Context, doc []byte) (depc.ConfigVersion, error) {
	cfg, err := qos.DecodeConfig(doc)
	if err != nil {
		return depc.ConfigVersion{}, depc.Errorf(depc.EINVALID, "%v", err)
	}
	ctx := c.Request().Context()
	team := teamOf(c).Name
	rules, err := s.deps.State.Rules(ctx, team)
	if err != nil {
		return depc.ConfigVersion{}, err
	}
	known := make(map[string]bool, len(rules))
	for _, r := range rules {
		known[r.Name] = true
	}
	if err := cfg.Validate(func(name string) bool { return known[name] }); err != nil {
		return depc.ConfigVersion{}, depc.Errorf(depc.EINVALID, "%v", err)
	}
	canonical, err := json.Marshal(cfg)
	if err != nil {
		return depc.ConfigVersion{}, err
	}
	return s.deps.State.SaveConfig(ctx, team, canonical, cfg.RuleNames())
}

func (s *Server) putConfig(c echo.Context) error {
	body, err := readBody(c, s.cfg.BodyLimit)
	if err != nil {
		return err
	}
	v, err := s.saveConfig(c, body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, configJSON(v))
}

func (s *Server) getConfig(c echo.Context) error {
	v, err := s.deps.State.Config(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, configJSON(v))
}

func (s *Server) listConfigs(c echo.Context) error {
	vs, err := s.deps.State.Configs(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	out := make([]configResponse, len(vs))
	for i, v := range vs {
		out[i] = configJSON(v)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) restoreConfig(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return depc.Errorf(depc.EINVALID, "id: must be a config version number, not %q", c.Param("id"))
	}
	old, err := s.deps.State.ConfigVersion(c.Request().Context(), teamOf(c).Name, id)
	if err != nil {
		return err
	}
	v, err := s.saveConfig(c, old.Config)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, configJSON(v))
}
