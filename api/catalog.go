package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
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

// SecretMask replaces every secret of a source configuration in answers:
// the bearer_token, basic_auth.password and every value of headers (which
// often carry an API key). A PUT that sends the mask back for one of them
// keeps the stored value, so a client can edit a source it read without
// knowing its secrets.
const SecretMask = "********"

// secretPaths calls fn for each secret of a configuration object: its
// place (for messages), the object holding it and its key there. Objects
// that are not JSON objects have no secret.
func secretPaths(conf map[string]json.RawMessage, fn func(path string, obj map[string]json.RawMessage, key string)) {
	if _, ok := conf["bearer_token"]; ok {
		fn("configuration.bearer_token", conf, "bearer_token")
	}
	if ba, ok := jsonObject(conf["basic_auth"]); ok {
		if _, ok := ba["password"]; ok {
			fn("configuration.basic_auth.password", ba, "password")
		}
	}
	if hs, ok := jsonObject(conf["headers"]); ok {
		for k := range hs {
			fn("configuration.headers."+k, hs, k)
		}
	}
}

// jsonObject decodes raw as an object, keeping its values raw.
func jsonObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	if len(raw) == 0 {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// rebuild writes conf back with the nested objects of secretPaths, which
// were decoded separately.
func rebuild(conf map[string]json.RawMessage, nested map[string]map[string]json.RawMessage) (json.RawMessage, error) {
	for k, obj := range nested {
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, err
		}
		conf[k] = b
	}
	return json.Marshal(conf)
}

// walkSecrets decodes a configuration, lets fn change its secrets (fn
// returns the new value, or nil to keep it), and encodes it again. A
// configuration that is not an object is returned as it is.
func walkSecrets(raw json.RawMessage, fn func(path string, value json.RawMessage) (json.RawMessage, error)) (json.RawMessage, error) {
	conf, ok := jsonObject(raw)
	if !ok {
		return raw, nil
	}
	nested := map[string]map[string]json.RawMessage{}
	changed := false
	var ferr error
	secretPaths(conf, func(path string, obj map[string]json.RawMessage, key string) {
		if ferr != nil {
			return
		}
		v, err := fn(path, obj[key])
		if err != nil {
			ferr = err
			return
		}
		if v == nil {
			return
		}
		obj[key] = v
		changed = true
		switch {
		case strings.HasPrefix(path, "configuration.basic_auth."):
			nested["basic_auth"] = obj
		case strings.HasPrefix(path, "configuration.headers."):
			nested["headers"] = obj
		}
	})
	if ferr != nil || !changed {
		return raw, ferr
	}
	return rebuild(conf, nested)
}

var maskJSON = json.RawMessage(strconv.Quote(SecretMask))

// isMask reports whether a JSON value is the string SecretMask.
func isMask(v json.RawMessage) bool {
	var s string
	return json.Unmarshal(v, &s) == nil && s == SecretMask
}

// maskSource returns sc with its secrets replaced by SecretMask. Empty
// secrets stay empty, so that a reader sees there is none.
func maskSource(sc depc.SourceConfig) depc.SourceConfig {
	masked, err := walkSecrets(sc.Configuration, func(_ string, v json.RawMessage) (json.RawMessage, error) {
		var s string
		if json.Unmarshal(v, &s) == nil && s == "" {
			return nil, nil
		}
		return maskJSON, nil
	})
	if err != nil {
		// walkSecrets fails only when fn does; never here. Show nothing
		// rather than a secret.
		masked = json.RawMessage("{}")
	}
	sc.Configuration = masked
	return sc
}

func maskSources(scs []depc.SourceConfig) []depc.SourceConfig {
	out := make([]depc.SourceConfig, len(scs))
	for i, sc := range scs {
		out[i] = maskSource(sc)
	}
	return out
}

// unmaskSource puts back, in a configuration sent by a client, the stored
// value of every secret sent as SecretMask. stored is nil on create: a
// mask there is an error, as is one for a secret that is not stored.
func unmaskSource(conf json.RawMessage, stored json.RawMessage) (json.RawMessage, error) {
	old := map[string]json.RawMessage{}
	if stored != nil {
		_, _ = walkSecrets(stored, func(path string, v json.RawMessage) (json.RawMessage, error) {
			old[path] = v
			return nil, nil
		})
	}
	return walkSecrets(conf, func(path string, v json.RawMessage) (json.RawMessage, error) {
		if !isMask(v) {
			return nil, nil
		}
		if prev, ok := old[path]; ok && !isMask(prev) {
			return prev, nil
		}
		return nil, depc.Errorf(depc.EINVALID, "%s: %q is the mask shown in place of a secret; send the secret itself (no value is stored to keep)", path, SecretMask)
	})
}

type sourceRequest struct {
	Name          string          `json:"name"`
	Plugin        string          `json:"plugin"`
	Configuration json.RawMessage `json:"configuration"`
}

// checkSource validates a source by opening it with its plugin.
func (s *Server) checkSource(sc *depc.SourceConfig) error {
	if err := sc.Validate(); err != nil {
		return err
	}
	switch sc.Plugin {
	case depc.PluginPrometheus, depc.PluginFake:
	default:
		return depc.Errorf(depc.EINVALID, "plugin: must be %s or %s, not %q", depc.PluginPrometheus, depc.PluginFake, sc.Plugin)
	}
	if len(bytes.TrimSpace(sc.Configuration)) == 0 || string(bytes.TrimSpace(sc.Configuration)) == "null" {
		sc.Configuration = json.RawMessage("{}")
	}
	if _, err := s.deps.OpenSource(*sc); err != nil {
		if depc.ErrorCode(err) == depc.EINTERNAL {
			return depc.Errorf(depc.EINVALID, "configuration: %v", err)
		}
		return err
	}
	return nil
}

func (s *Server) createSource(c echo.Context) error {
	var req sourceRequest
	err := s.bind(c, &req)
	if err != nil {
		return err
	}
	sc := depc.SourceConfig(req)
	if sc.Configuration, err = unmaskSource(sc.Configuration, nil); err != nil {
		return err
	}
	if err := s.checkSource(&sc); err != nil {
		return err
	}
	out, err := s.deps.State.CreateSource(c.Request().Context(), teamOf(c).Name, sc)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, maskSource(out))
}

func (s *Server) listSources(c echo.Context) error {
	out, err := s.deps.State.Sources(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, maskSources(out))
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
	return c.JSON(http.StatusOK, maskSource(out))
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
	sc := depc.SourceConfig(req)
	if sc.Configuration, err = unmaskSource(sc.Configuration, stored.Configuration); err != nil {
		return err
	}
	if err := s.checkSource(&sc); err != nil {
		return err
	}
	out, err := s.deps.State.UpdateSource(ctx, teamOf(c).Name, sc)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, maskSource(out))
}

func (s *Server) deleteSource(c echo.Context) error {
	name, err := resourceName(c, "source")
	if err != nil {
		return err
	}
	if err := s.deps.State.DeleteSource(c.Request().Context(), teamOf(c).Name, name); err != nil {
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
	src, err := s.deps.OpenSource(sc)
	if err != nil {
		return err
	}
	if err := src.ValidateCheck(ch.Parameters); err != nil {
		if depc.ErrorCode(err) == depc.EINTERNAL {
			return depc.Errorf(depc.EINVALID, "parameters: %v", err)
		}
		return err
	}
	return nil
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

func (s *Server) checkRule(c echo.Context, r *depc.Rule) error {
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
	return nil
}

func (s *Server) createRule(c echo.Context) error {
	var r depc.Rule
	if err := s.bind(c, &r); err != nil {
		return err
	}
	if err := s.checkRule(c, &r); err != nil {
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
	if err := s.checkRule(c, &r); err != nil {
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
