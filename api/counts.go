package api

import (
	"encoding/csv"
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// The original DepC's counts and downloads of a node's graph: how many
// ancestors of a label it impacts (and their list as CSV), and how many
// dependencies and dependents it has.

// impactedPage is how many ancestors each graph read returns while a
// count or a download walks them all.
const impactedPage = 1000

// impactedParams reads the label and at of the impacted endpoints.
func (s *Server) impactedParams(c echo.Context) (key depc.NodeKey, ancestor string, at int64, err error) {
	if key, err = nodeKey(c); err != nil {
		return
	}
	ancestor = c.QueryParam("label")
	if ancestor == "" {
		err = depc.Errorf(depc.EINVALID, "label: required (the label of the ancestors to count)")
		return
	}
	if err = depc.CheckLabel("label", ancestor); err != nil {
		return
	}
	at, hasAt, err := queryInstant(c, "at")
	if err != nil {
		return
	}
	if !hasAt {
		at = s.now().Unix()
	}
	return key, ancestor, at, nil
}

// eachImpacted calls fn with every page of the node's impacted ancestors.
func (s *Server) eachImpacted(c echo.Context, fn func([]depc.NodeKey) error) error {
	key, ancestor, at, err := s.impactedParams(c)
	if err != nil {
		return err
	}
	ctx, team := c.Request().Context(), teamOf(c).Name
	after := ""
	for {
		nodes, next, err := s.deps.Graph.Impacted(ctx, team, key, ancestor, at, impactedPage, after)
		if err != nil {
			return err
		}
		if err := fn(nodes); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

func (s *Server) impactedCount(c echo.Context) error {
	n := 0
	if err := s.eachImpacted(c, func(nodes []depc.NodeKey) error { n += len(nodes); return nil }); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]int{"count": n})
}

// impactedCSV streams the impacted ancestors as CSV (label,name), every one
// of them: the list a manager hands on when a node goes down.
func (s *Server) impactedCSV(c echo.Context) error {
	// Parameters are checked before the first byte, so that an error is
	// still a JSON error.
	if _, _, _, err := s.impactedParams(c); err != nil {
		return err
	}
	if _, err := s.deps.Graph.Node(c.Request().Context(), teamOf(c).Name, depc.NodeKey{Label: c.Param("label"), Name: c.Param("name")}); err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="impacted.csv"`)
	w := csv.NewWriter(res)
	started := false
	err := s.eachImpacted(c, func(nodes []depc.NodeKey) error {
		if !started {
			res.WriteHeader(http.StatusOK)
			started = true
			if err := w.Write([]string{"label", "name"}); err != nil {
				return err
			}
		}
		for _, n := range nodes {
			if err := w.Write([]string{n.Label, n.Name}); err != nil {
				return err
			}
		}
		w.Flush()
		return w.Error()
	})
	if err != nil && !started {
		return err
	}
	if err != nil {
		// Too late for an error answer: the body stops short.
		s.log.Warn("impacted csv cut", "error", err)
	}
	return nil
}

// dependencyCount counts a node's dependencies and dependents active at
// the instant or during the day asked (now by default).
func (s *Server) dependencyCount(c echo.Context) error {
	key, err := nodeKey(c)
	if err != nil {
		return err
	}
	when, err := s.activity(c)
	if err != nil {
		return err
	}
	ctx, team := c.Request().Context(), teamOf(c).Name
	if _, err := s.deps.Graph.Node(ctx, team, key); err != nil {
		return err
	}
	deps, err := s.deps.Graph.Dependencies(ctx, team, key, when)
	if err != nil {
		return err
	}
	dependents, err := s.deps.Graph.Dependents(ctx, team, key, when)
	if err != nil {
		return err
	}
	active := func(ds []depc.Dependency) int {
		n := 0
		for _, d := range ds {
			if d.Active {
				n++
			}
		}
		return n
	}
	return c.JSON(http.StatusOK, map[string]int{"dependencies": active(deps), "dependents": active(dependents)})
}
