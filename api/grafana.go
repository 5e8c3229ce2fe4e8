package api

import (
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/deploy/grafana"
	"github.com/labstack/echo/v4"
)

// exportGrafana returns the team's Grafana dashboard, as the original DepC
// did: deploy/grafana/team.json with the team filled in.
func (s *Server) exportGrafana(c echo.Context) error {
	team := c.Param("team")
	d, err := grafana.Team(team)
	if err != nil {
		return depc.Errorf(depc.EINTERNAL, "grafana dashboard: %v", err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="depc-`+team+`.json"`)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, d)
}
