package depc_test

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
)

// TestRenderQueryName: {{ depc.name }} is refused by every network source
// (each fetches many nodes per query), and the error says how the node is
// written instead, for the sources that name it in the query ($name) and
// those that select it by a label.
func TestRenderQueryName(t *testing.T) {
	var tv depc.TeamVariables
	c := depc.Check{Name: "c", Source: "s", Parameters: depc.CheckParameters{Query: "[ $token 'm' { 'host' '{{ depc.name }}' } $start $end ] FETCH"}}
	_, err := tv.RenderQuery(c, "", 0, 60, false)
	msg := depc.ErrorMessage(err)
	if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(msg, "parameters.query: depc.name: ") ||
		!strings.Contains(msg, "$name") || !strings.Contains(msg, "parameters.label") {
		t.Errorf("RenderQuery = %v; want EINVALID naming parameters.query, $name and parameters.label", err)
	}
}
