package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// route is one endpoint: the single place where a path, its method and the
// access it needs are declared. Paths are relative to /api/v1 unless they
// start with "/-" (kept at the root).
type route struct {
	method string
	path   string
	access access
	handle func(s *Server, c echo.Context) error
}

// apiRoutes are every /api/v1 endpoint of spec/api.md, plus additions
// marked as such in openapi.json.
var apiRoutes = []route{
	// Access.
	{http.MethodPost, "/users", admin, (*Server).createUser},
	{http.MethodGet, "/users", admin, (*Server).listUsers},
	{http.MethodGet, "/users/:user", admin, (*Server).getUser},
	{http.MethodDelete, "/users/:user", admin, (*Server).deleteUser},
	{http.MethodGet, "/users/:user/tokens", admin, userTokens((*Server).listTokens)},
	{http.MethodPost, "/users/:user/tokens", admin, userTokens((*Server).createToken)},
	{http.MethodPost, "/users/:user/tokens/:token/rotate", admin, userTokens((*Server).rotateToken)},
	{http.MethodDelete, "/users/:user/tokens/:token", admin, userTokens((*Server).deleteToken)},
	{http.MethodGet, "/audit", admin, (*Server).audit},
	{http.MethodGet, "/teams/:team/audit", manager, (*Server).teamAudit},
	{http.MethodGet, "/me", anyUser, (*Server).me},
	{http.MethodGet, "/me/tokens", anyUser, myTokens((*Server).listTokens)},
	{http.MethodPost, "/me/tokens", anyUser, myTokens((*Server).createToken)},
	{http.MethodPost, "/me/tokens/:token/rotate", anyUser, myTokens((*Server).rotateToken)},
	{http.MethodDelete, "/me/tokens/:token", anyUser, myTokens((*Server).deleteToken)},
	{http.MethodPut, "/teams/:team/grants/:user", manager, (*Server).putGrant},
	{http.MethodDelete, "/teams/:team/grants/:user", manager, (*Server).deleteGrant},
	{http.MethodGet, "/teams/:team/grants", viewer, (*Server).listGrants},

	// Teams.
	{http.MethodPost, "/teams", admin, (*Server).createTeam},
	{http.MethodGet, "/teams", anyUser, (*Server).listTeams},
	{http.MethodGet, "/teams/:team", viewer, (*Server).getTeam},
	{http.MethodGet, "/teams/:team/limits", viewer, (*Server).getLimits},
	{http.MethodDelete, "/teams/:team", admin, (*Server).deleteTeam},
	{http.MethodPost, "/teams/:team/rename", admin, (*Server).renameTeam},

	// News (the admins' announcements).
	{http.MethodGet, "/news", anyUser, (*Server).listNews},
	{http.MethodPost, "/news", admin, (*Server).createNews},
	{http.MethodGet, "/news/:id", anyUser, (*Server).getNews},
	{http.MethodPut, "/news/:id", admin, (*Server).putNews},
	{http.MethodDelete, "/news/:id", admin, (*Server).deleteNews},
	{http.MethodPut, "/teams/:team/limits", admin, (*Server).putLimits},

	// Graph.
	{http.MethodPost, "/teams/:team/messages", editor, (*Server).postMessages},
	{http.MethodGet, "/teams/:team/messages/rejected", viewer, (*Server).listRejected},
	{http.MethodGet, "/teams/:team/labels", viewer, (*Server).listLabels},
	{http.MethodGet, "/teams/:team/labels/:label/nodes", viewer, (*Server).listNodes},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name", viewer, (*Server).getNode},
	{http.MethodDelete, "/teams/:team/labels/:label/nodes/:name", manager, (*Server).deleteNode},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/dependencies", viewer, (*Server).dependencies},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/dependents", viewer, (*Server).dependents},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/impacted", viewer, (*Server).impacted},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/impacted/count", viewer, (*Server).impactedCount},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/impacted/csv", viewer, (*Server).impactedCSV},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/dependencies/count", viewer, (*Server).dependencyCount},

	// The admin's catalog of shared sources and its grants (issue 12).
	{http.MethodGet, "/shared-sources", admin, (*Server).listShared},
	{http.MethodPost, "/shared-sources", admin, (*Server).createShared},
	{http.MethodGet, "/shared-sources/:shared", admin, (*Server).getShared},
	{http.MethodPut, "/shared-sources/:shared", admin, (*Server).putShared},
	{http.MethodDelete, "/shared-sources/:shared", admin, (*Server).deleteShared},
	{http.MethodGet, "/shared-sources/:shared/grants", admin, (*Server).listSharedGrants},
	{http.MethodGet, "/shared-sources/:shared/grants/:team", admin, (*Server).getSharedGrant},
	{http.MethodPut, "/shared-sources/:shared/grants/:team", admin, (*Server).putSharedGrant},
	{http.MethodDelete, "/shared-sources/:shared/grants/:team", admin, (*Server).deleteSharedGrant},
	{http.MethodGet, "/teams/:team/shared-sources", viewer, (*Server).listTeamShared},

	// Sources, checks, rules, config.
	{http.MethodGet, "/plugins", anyUser, (*Server).listPlugins},
	{http.MethodPost, "/teams/:team/sources", manager, (*Server).createSource},
	{http.MethodGet, "/teams/:team/sources", viewer, (*Server).listSources},
	{http.MethodGet, "/teams/:team/sources/:source", viewer, (*Server).getSource},
	{http.MethodPut, "/teams/:team/sources/:source", manager, (*Server).putSource},
	{http.MethodDelete, "/teams/:team/sources/:source", manager, (*Server).deleteSource},
	{http.MethodPost, "/teams/:team/sources/test", manager, (*Server).testUnsavedSource},
	{http.MethodPost, "/teams/:team/sources/:source/test", manager, (*Server).testSource},
	{http.MethodPost, "/teams/:team/checks", editor, (*Server).createCheck},
	{http.MethodGet, "/teams/:team/checks", viewer, (*Server).listChecks},
	{http.MethodGet, "/teams/:team/checks/:check", viewer, (*Server).getCheck},
	{http.MethodPut, "/teams/:team/checks/:check", editor, (*Server).putCheck},
	{http.MethodDelete, "/teams/:team/checks/:check", editor, (*Server).deleteCheck},
	{http.MethodPost, "/teams/:team/rules", editor, (*Server).createRule},
	{http.MethodGet, "/teams/:team/rules", viewer, (*Server).listRules},
	{http.MethodGet, "/teams/:team/rules/:rule", viewer, (*Server).getRule},
	{http.MethodPut, "/teams/:team/rules/:rule", editor, (*Server).putRule},
	{http.MethodDelete, "/teams/:team/rules/:rule", editor, (*Server).deleteRule},
	{http.MethodPost, "/teams/:team/rules/:rule/execute", viewer, (*Server).executeRule},
	{http.MethodGet, "/teams/:team/variables", viewer, (*Server).listVariables},
	{http.MethodGet, "/teams/:team/variables/team", viewer, (*Server).getVariables},
	{http.MethodPut, "/teams/:team/variables/team", editor, (*Server).putVariables},
	{http.MethodGet, "/teams/:team/sources/:source/variables", viewer, (*Server).getVariables},
	{http.MethodPut, "/teams/:team/sources/:source/variables", editor, (*Server).putVariables},
	{http.MethodGet, "/teams/:team/rules/:rule/variables", viewer, (*Server).getVariables},
	{http.MethodPut, "/teams/:team/rules/:rule/variables", editor, (*Server).putVariables},
	{http.MethodGet, "/teams/:team/checks/:check/variables", viewer, (*Server).getVariables},
	{http.MethodPut, "/teams/:team/checks/:check/variables", editor, (*Server).putVariables},
	{http.MethodPut, "/teams/:team/config", editor, (*Server).putConfig},
	{http.MethodGet, "/teams/:team/config", viewer, (*Server).getConfig},
	{http.MethodGet, "/teams/:team/configs", viewer, (*Server).listConfigs},
	{http.MethodPost, "/teams/:team/configs/:id/restore", editor, (*Server).restoreConfig},

	// Runs and results.
	{http.MethodPost, "/teams/:team/runs", editor, (*Server).createRun},
	{http.MethodGet, "/teams/:team/runs", viewer, (*Server).listRuns},
	{http.MethodGet, "/teams/:team/runs/:id", viewer, (*Server).getRun},
	{http.MethodGet, "/teams/:team/qos", viewer, (*Server).teamQoS},
	{http.MethodGet, "/teams/:team/labels/:label/qos", viewer, (*Server).labelQoS},
	{http.MethodGet, "/teams/:team/labels/:label/worst", viewer, (*Server).worst},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/qos", viewer, (*Server).nodeQoS},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/qos/live", viewer, (*Server).liveQoS},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/rootcause", viewer, (*Server).rootCause},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/incident", viewer, (*Server).incident},

	// Objectives, error budgets and maintenance windows (issue 14).
	{http.MethodGet, "/teams/:team/objectives", viewer, (*Server).listObjectives},
	{http.MethodGet, "/teams/:team/labels/:label/objective", viewer, (*Server).getLabelObjective},
	{http.MethodPut, "/teams/:team/labels/:label/objective", editor, (*Server).putLabelObjective},
	{http.MethodDelete, "/teams/:team/labels/:label/objective", editor, (*Server).deleteLabelObjective},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/objective", viewer, (*Server).getNodeObjective},
	{http.MethodPut, "/teams/:team/labels/:label/nodes/:name/objective", editor, (*Server).putNodeObjective},
	{http.MethodDelete, "/teams/:team/labels/:label/nodes/:name/objective", editor, (*Server).deleteNodeObjective},
	{http.MethodGet, "/teams/:team/budgets", viewer, (*Server).teamBudgets},
	{http.MethodGet, "/teams/:team/export/grafana", viewer, (*Server).exportGrafana},
	{http.MethodGet, "/teams/:team/export/labels.csv", viewer, (*Server).exportLabels},
	{http.MethodGet, "/teams/:team/export/nodes.csv", viewer, (*Server).exportNodes},
	{http.MethodGet, "/teams/:team/report", viewer, (*Server).report},
	{http.MethodGet, "/teams/:team/report.csv", viewer, (*Server).reportCSV},
	{http.MethodGet, "/teams/:team/statistics", viewer, (*Server).statistics},
	{http.MethodGet, "/teams/:team/labels/:label/budget", viewer, (*Server).labelBudget},
	{http.MethodGet, "/teams/:team/labels/:label/nodes/:name/budget", viewer, (*Server).nodeBudget},
	{http.MethodPost, "/teams/:team/maintenance", editor, (*Server).createMaintenance},
	{http.MethodGet, "/teams/:team/maintenance", viewer, (*Server).listMaintenance},
	{http.MethodGet, "/teams/:team/maintenance/:id", viewer, (*Server).getMaintenance},
	{http.MethodPut, "/teams/:team/maintenance/:id", editor, (*Server).putMaintenance},
	{http.MethodDelete, "/teams/:team/maintenance/:id", editor, (*Server).deleteMaintenance},

	// Alerts (issue 14).
	{http.MethodGet, "/teams/:team/alerts", viewer, (*Server).listAlerts},
	{http.MethodGet, "/teams/:team/alerts/deliveries", viewer, (*Server).listDeliveries},
	{http.MethodGet, "/teams/:team/alerts/receivers", manager, (*Server).listReceivers},
	{http.MethodGet, "/teams/:team/alerts/receivers/:receiver", manager, (*Server).getReceiver},
	{http.MethodPut, "/teams/:team/alerts/receivers/:receiver", manager, (*Server).putReceiver},
	{http.MethodDelete, "/teams/:team/alerts/receivers/:receiver", manager, (*Server).deleteReceiver},

	// Annotations (issue 13).
	{http.MethodPost, "/teams/:team/annotations", editor, (*Server).createAnnotation},
	{http.MethodGet, "/teams/:team/annotations", viewer, (*Server).listAnnotations},
	{http.MethodGet, "/teams/:team/annotations/:id", viewer, (*Server).getAnnotation},
	{http.MethodPut, "/teams/:team/annotations/:id", editor, (*Server).putAnnotation},
	{http.MethodDelete, "/teams/:team/annotations/:id", editor, (*Server).deleteAnnotation},

	// The API's own description.
	{http.MethodGet, "/openapi.json", public, (*Server).openAPI},
}

// Base is the path prefix of the API.
const Base = "/api/v1"

// registerProbes registers what orchestrators and Prometheus call, which
// needs no user token.
func (s *Server) registerProbes() {
	s.e.GET("/healthz", s.healthz)
	s.e.GET("/readyz", s.readyz)
	s.e.GET("/metrics", s.metricsHandler())
}

func (s *Server) register() {
	g := s.e.Group(Base)
	for _, r := range apiRoutes {
		h := r.handle
		handler := func(c echo.Context) error { return h(s, c) }
		if r.writes() {
			handler = s.audited(r, handler)
		}
		g.Add(r.method, r.path, handler, s.guard(r.access))
	}
	s.registerProbes()
	if s.deps.UI != nil {
		ui := echo.WrapHandler(s.deps.UI)
		s.e.GET("/", ui)
		s.e.GET("/*", func(c echo.Context) error {
			// Unknown API paths stay JSON errors; everything else is the
			// web app (which routes on the client).
			if p := c.Request().URL.Path; len(p) >= len(Base) && p[:len(Base)] == Base {
				return echo.ErrNotFound
			}
			return ui(c)
		})
	}
}
