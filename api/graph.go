package api

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sort"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/message"
	"github.com/depc-dev/depc/qos"
	"github.com/labstack/echo/v4"
)

type rejectedJSON struct {
	Index int    `json:"index"`
	Error string `json:"error"`
}

type messagesResponse struct {
	Accepted int            `json:"accepted"`
	Rejected []rejectedJSON `json:"rejected"`
}

// postMessages applies graph messages (spec/messages.md §5): the valid ones
// in one transaction, the invalid ones answered by index and kept as the
// team's recent rejections. With Deps.Limits, a team over its messages
// per second gets 429 (nothing applied), and a message over the team's
// size limit or that would add a label or node beyond its limits is
// rejected like an invalid one, naming the limit.
func (s *Server) postMessages(c echo.Context) error {
	body, err := readBody(c, s.cfg.MessagesBodyLimit)
	if err != nil {
		return err
	}
	now := s.now()
	batch, err := message.DecodeBody(body, c.Request().Header.Get(echo.HeaderContentType), now.Unix())
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	team := teamOf(c).Name
	written, err := s.limit(c, team, &batch)
	if err != nil {
		return err
	}
	if len(batch.Events) > 0 {
		err := s.deps.Graph.Apply(ctx, team, batch.Events)
		written()
		if err != nil {
			return err
		}
	}
	resp := messagesResponse{Accepted: batch.Accepted, Rejected: make([]rejectedJSON, len(batch.Rejected))}
	if len(batch.Rejected) > 0 {
		rs := make([]depc.Rejection, len(batch.Rejected))
		for i, r := range batch.Rejected {
			rs[i] = message.NewRejection("http", now.Unix(), r.Err, r.Message)
			resp.Rejected[i] = rejectedJSON{Index: r.Index, Error: rs[i].Error}
		}
		// The valid messages are applied whatever happens here: failing
		// to keep the rejections for later reading must not fail them.
		if err := s.deps.State.AddRejections(ctx, team, rs); err != nil {
			s.log.Warn("rejections not recorded", "team", team, "error", err)
		}
	}
	return c.JSON(http.StatusOK, resp)
}

func (s *Server) listRejected(c echo.Context) error {
	limit, err := queryInt(c, "limit", 100, 1, depc.MaxRejections)
	if err != nil {
		return err
	}
	rs, err := s.deps.State.Rejections(c.Request().Context(), teamOf(c).Name, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(rs))
}

type labelJSON struct {
	Name  string  `json:"name"`
	Nodes int     `json:"nodes"`
	QoS   *string `json:"qos"`
}

// currentConfig returns the team's current config, nil when it has none.
func (s *Server) currentConfig(c echo.Context) (qos.Config, *depc.ConfigVersion, error) {
	v, err := s.deps.State.Config(c.Request().Context(), teamOf(c).Name)
	if depc.ErrorCode(err) == depc.ENOTFOUND {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	cfg, err := qos.DecodeConfig(v.Config)
	if err != nil {
		return nil, nil, depc.Errorf(depc.EINTERNAL, "stored config %d does not decode: %v", v.ID, err)
	}
	return cfg, &v, nil
}

// listLabels lists the labels in the graph or in the config.
func (s *Server) listLabels(c echo.Context) error {
	counts, err := s.deps.Graph.Labels(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	cfg, _, err := s.currentConfig(c)
	if err != nil {
		return err
	}
	byName := map[string]*labelJSON{}
	out := make([]*labelJSON, 0, len(counts)+len(cfg))
	for _, lc := range counts {
		l := &labelJSON{Name: lc.Label, Nodes: lc.Nodes}
		byName[lc.Label] = l
		out = append(out, l)
	}
	for label, lc := range cfg {
		l := byName[label]
		if l == nil {
			l = &labelJSON{Name: label}
			out = append(out, l)
		}
		expr := lc.QoS.String()
		l.QoS = &expr
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return c.JSON(http.StatusOK, out)
}

type nodeName struct {
	Name string `json:"name"`
}

type nodesResponse struct {
	Nodes []nodeName `json:"nodes"`
	Next  *string    `json:"next"`
}

func nextJSON(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

func (s *Server) listNodes(c echo.Context) error {
	label, err := labelParam(c)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	names, next, err := s.deps.Graph.Nodes(c.Request().Context(), teamOf(c).Name, label, c.QueryParam("q"), limit, c.QueryParam("after"))
	if err != nil {
		return err
	}
	resp := nodesResponse{Nodes: make([]nodeName, len(names)), Next: nextJSON(next)}
	for i, n := range names {
		resp.Nodes[i] = nodeName{n}
	}
	return c.JSON(http.StatusOK, resp)
}

type nodeJSON struct {
	Label   string       `json:"label"`
	Name    string       `json:"name"`
	Periods []periodJSON `json:"periods"`
}

func toNodeJSON(n depc.Node) nodeJSON {
	return nodeJSON{Label: n.Key.Label, Name: n.Key.Name, Periods: periodsJSON(n.Periods)}
}

func (s *Server) getNode(c echo.Context) error {
	key, err := nodeKey(c)
	if err != nil {
		return err
	}
	n, err := s.deps.Graph.Node(c.Request().Context(), teamOf(c).Name, key)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toNodeJSON(n))
}

func (s *Server) deleteNode(c echo.Context) error {
	key, err := nodeKey(c)
	if err != nil {
		return err
	}
	if err := s.deps.Graph.DeleteNode(c.Request().Context(), teamOf(c).Name, key); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// activity reads `day` or `at` (default: now) in the team's time zone.
func (s *Server) activity(c echo.Context) (depc.Activity, error) {
	day := c.QueryParam("day")
	at, hasAt, err := queryInstant(c, "at")
	if err != nil {
		return depc.Activity{}, err
	}
	switch {
	case day != "" && hasAt:
		return depc.Activity{}, depc.Errorf(depc.EINVALID, "day and at: give one, not both")
	case day != "":
		if _, err := depc.ParseDay("day", day); err != nil {
			return depc.Activity{}, err
		}
		w, err := compute.DayWindow(day, teamOf(c).Timezone)
		if err != nil {
			return depc.Activity{}, depc.Errorf(depc.EINVALID, "day: %v", err)
		}
		return depc.During(w), nil
	case hasAt:
		return depc.AtInstant(at), nil
	}
	return depc.AtInstant(s.now().Unix()), nil
}

type relationJSON struct {
	Periods []periodJSON `json:"periods"`
}

type dependencyJSON struct {
	Label    string       `json:"label"`
	Name     string       `json:"name"`
	Periods  []periodJSON `json:"periods"`
	Relation relationJSON `json:"relation"`
	Active   bool         `json:"active"`
	// QoS is the neighbour's stored QoS of the day, given only with day.
	QoS *dayQoSJSON `json:"qos,omitempty"`
}

// dayQoSJSON is a QoS that is present but may be null (not computed or
// nothing known): written as a number or null.
type dayQoSJSON struct{ v *float64 }

func (q dayQoSJSON) MarshalJSON() ([]byte, error) { return json.Marshal(q.v) }

func (s *Server) dependencies(c echo.Context) error { return s.neighbours(c, "dependencies") }
func (s *Server) dependents(c echo.Context) error   { return s.neighbours(c, "dependents") }

// neighbours answers /dependencies and /dependents: every one of them
// (never truncated), the inactive ones only when asked.
func (s *Server) neighbours(c echo.Context, field string) error {
	key, err := nodeKey(c)
	if err != nil {
		return err
	}
	when, err := s.activity(c)
	if err != nil {
		return err
	}
	inactive, err := queryBool(c, "inactive")
	if err != nil {
		return err
	}
	day := c.QueryParam("day")
	sortBy := c.QueryParam("sort")
	switch {
	case sortBy != "" && sortBy != "name" && sortBy != "qos":
		return depc.Errorf(depc.EINVALID, "sort: %q is not name or qos", sortBy)
	case sortBy == "qos" && day == "":
		return depc.Errorf(depc.EINVALID, "sort: qos needs a day")
	}
	ctx := c.Request().Context()
	team := teamOf(c).Name
	node, err := s.deps.Graph.Node(ctx, team, key)
	if err != nil {
		return err
	}
	var deps []depc.Dependency
	if field == "dependencies" {
		deps, err = s.deps.Graph.Dependencies(ctx, team, key, when)
	} else {
		deps, err = s.deps.Graph.Dependents(ctx, team, key, when)
	}
	if err != nil {
		return err
	}
	list := make([]dependencyJSON, 0, len(deps))
	for _, d := range deps {
		if !d.Active && !inactive {
			continue
		}
		list = append(list, dependencyJSON{
			Label: d.Node.Key.Label, Name: d.Node.Key.Name, Periods: periodsJSON(d.Node.Periods),
			Relation: relationJSON{Periods: periodsJSON(d.Relation)}, Active: d.Active,
		})
	}
	if day != "" {
		if err := s.neighboursQoS(ctx, team, day, list, sortBy == "qos"); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"node": toNodeJSON(node), field: list})
}

// neighboursQoS sets each neighbour's stored QoS of the day (one read),
// and with worst sorts them worst first: lowest QoS first, null last, then
// by label and name, so that the neighbours that cost a node QoS are at
// the top of a long list (issue 13).
func (s *Server) neighboursQoS(ctx context.Context, team, day string, list []dependencyJSON, worst bool) error {
	keys := make([]depc.NodeKey, len(list))
	for i, d := range list {
		keys[i] = depc.NodeKey{Label: d.Label, Name: d.Name}
	}
	results, err := s.deps.State.DayResults(ctx, team, day, keys)
	if err != nil {
		return err
	}
	byKey := make(map[depc.NodeKey]*float64, len(results))
	for _, r := range results {
		byKey[depc.NodeKey{Label: r.Label, Name: r.Name}] = r.QoS
	}
	for i := range list {
		list[i].QoS = &dayQoSJSON{s.round(byKey[keys[i]])}
	}
	if worst {
		slices.SortStableFunc(list, func(a, b dependencyJSON) int {
			qa, qb := a.QoS.v, b.QoS.v
			switch {
			case qa == nil && qb == nil:
				return 0
			case qa == nil:
				return 1
			case qb == nil:
				return -1
			}
			return cmp.Compare(*qa, *qb)
		})
	}
	return nil
}

type keyJSON struct {
	Label string `json:"label"`
	Name  string `json:"name"`
}

type impactedResponse struct {
	Nodes []keyJSON `json:"nodes"`
	Next  *string   `json:"next"`
}

func (s *Server) impacted(c echo.Context) error {
	key, err := nodeKey(c)
	if err != nil {
		return err
	}
	ancestor := c.QueryParam("label")
	if ancestor == "" {
		return depc.Errorf(depc.EINVALID, "label: required (the label of the ancestors to list)")
	}
	if err := depc.CheckLabel("label", ancestor); err != nil {
		return err
	}
	at, hasAt, err := queryInstant(c, "at")
	if err != nil {
		return err
	}
	if !hasAt {
		at = s.now().Unix()
	}
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	nodes, next, err := s.deps.Graph.Impacted(c.Request().Context(), teamOf(c).Name, key, ancestor, at, limit, c.QueryParam("after"))
	if err != nil {
		return err
	}
	resp := impactedResponse{Nodes: make([]keyJSON, len(nodes)), Next: nextJSON(next)}
	for i, n := range nodes {
		resp.Nodes[i] = keyJSON{n.Label, n.Name}
	}
	return c.JSON(http.StatusOK, resp)
}
