package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// openAPIDocument describes every route of apiRoutes; TestOpenAPIMatchesRoutes
// holds the two together.
//
//go:embed openapi.json
var openAPIDocument []byte

// pluginEnumMarker stands in openapi.json where the served document lists
// the source plugins (Source.plugin): the list is the server's, so the
// document cannot drift from it, and api/openapi.json names no plugin.
const pluginEnumMarker = `"x-depc-enum": "source plugins"`

// document returns the OpenAPI document with the plugins' names in the
// enum of Source.plugin.
func document(plugins depc.SourcePlugins) []byte {
	if len(plugins) == 0 {
		return openAPIDocument
	}
	names, err := json.Marshal(plugins.Names())
	if err != nil {
		return openAPIDocument // strings always encode
	}
	return bytes.Replace(openAPIDocument, []byte(pluginEnumMarker), append([]byte(`"enum": `), names...), 1)
}

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, s.openAPIDoc)
}
