package api

import (
	"encoding/json"
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// listPlugins answers the source plugins the server knows, for the UI's
// source and check forms.
func (s *Server) listPlugins(c echo.Context) error {
	out := make([]depc.SourcePlugin, len(s.deps.Plugins))
	for i, p := range s.deps.Plugins {
		// Lists and objects are never null in answers.
		p.SecretKeys = nonNil(p.SecretKeys)
		p.Checks = nonNil(p.Checks)
		if len(p.Example) == 0 {
			p.Example = json.RawMessage("{}")
		}
		out[i] = p
	}
	return c.JSON(http.StatusOK, out)
}
