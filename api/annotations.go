package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/qos"
	"github.com/labstack/echo/v4"
)

// annotationRequest is the body of POST and PUT …/annotations: the node
// (name empty or absent: the label as a whole), the range [from, to) in
// Unix seconds, and the text. The author is the caller.
type annotationRequest struct {
	Label string `json:"label"`
	Name  string `json:"name"`
	From  int64  `json:"from"`
	To    int64  `json:"to"`
	Text  string `json:"text"`
}

func annotationID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, depc.Errorf(depc.EINVALID, "id: must be an annotation number, not %q", c.Param("id"))
	}
	return id, nil
}

// checkAnnotated checks that what a note is about exists in the team's
// graph: the node, or for a note on a whole label, a label of the graph or
// of the config. A note on a typo would never be shown.
func (s *Server) checkAnnotated(ctx context.Context, team string, a depc.Annotation) error {
	if a.Name != "" {
		_, err := s.deps.Graph.Node(ctx, team, a.Key())
		return err
	}
	labels, err := s.deps.Graph.Labels(ctx, team)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(labels, func(l depc.LabelCount) bool { return l.Label == a.Label }) {
		return nil
	}
	if cv, err := s.deps.State.Config(ctx, team); err == nil {
		if cfg, err := qos.DecodeConfig(cv.Config); err == nil {
			if _, ok := cfg[a.Label]; ok {
				return nil
			}
		}
	} else if depc.ErrorCode(err) != depc.ENOTFOUND {
		return err
	}
	return depc.Errorf(depc.ENOTFOUND, "label: team %s has no label %s", team, a.Label)
}

// readAnnotation reads and checks the body of a write.
func (s *Server) readAnnotation(c echo.Context) (depc.Annotation, error) {
	var req annotationRequest
	if err := s.bind(c, &req); err != nil {
		return depc.Annotation{}, err
	}
	a := depc.Annotation{Label: req.Label, Name: req.Name, From: req.From, To: req.To, Text: req.Text, Author: caller(c).User}
	if err := a.Validate(); err != nil {
		return depc.Annotation{}, err
	}
	return a, s.checkAnnotated(c.Request().Context(), teamOf(c).Name, a)
}

func (s *Server) createAnnotation(c echo.Context) error {
	a, err := s.readAnnotation(c)
	if err != nil {
		return err
	}
	a, err = s.deps.State.CreateAnnotation(c.Request().Context(), teamOf(c).Name, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}

func (s *Server) getAnnotation(c echo.Context) error {
	id, err := annotationID(c)
	if err != nil {
		return err
	}
	a, err := s.deps.State.Annotation(c.Request().Context(), teamOf(c).Name, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Server) putAnnotation(c echo.Context) error {
	id, err := annotationID(c)
	if err != nil {
		return err
	}
	// An unknown id is a 404 before the body is looked at.
	ctx, team := c.Request().Context(), teamOf(c).Name
	if _, err := s.deps.State.Annotation(ctx, team, id); err != nil {
		return err
	}
	a, err := s.readAnnotation(c)
	if err != nil {
		return err
	}
	a.ID, a.UpdatedBy = id, caller(c).User
	a, err = s.deps.State.UpdateAnnotation(ctx, team, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Server) deleteAnnotation(c echo.Context) error {
	id, err := annotationID(c)
	if err != nil {
		return err
	}
	if err := s.deps.State.DeleteAnnotation(c.Request().Context(), teamOf(c).Name, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// listAnnotations lists a team's notes: of a label (?label=), of a node
// and its label as a whole (?label=&name=), or all; over a window
// (?from=&to=, RFC 3339) or a day (?day=), or any time.
func (s *Server) listAnnotations(c echo.Context) error {
	var f depc.AnnotationFilter
	label, name := c.QueryParam("label"), c.QueryParam("name")
	switch {
	case name != "" && label == "":
		return depc.Errorf(depc.EINVALID, "label: required with name")
	case name != "":
		k := depc.NodeKey{Label: label, Name: name}
		if err := k.Validate(); err != nil {
			return err
		}
		f.Nodes = []depc.NodeKey{k}
	case label != "":
		if err := depc.CheckLabel("label", label); err != nil {
			return err
		}
		f.Labels = []string{label}
	}
	w, ok, err := windowParams(c)
	if err != nil {
		return err
	}
	if !ok && c.QueryParam("day") != "" {
		day, err := s.dayParam(c)
		if err != nil {
			return err
		}
		if w, err = compute.DayWindow(day, teamOf(c).Timezone); err != nil {
			return err
		}
		ok = true
	}
	if ok {
		if w.End <= w.Start {
			return depc.Errorf(depc.EINVALID, "to: not after from")
		}
		f.From, f.To = w.Start, w.End
	}
	if f.Limit, err = queryInt(c, "limit", depc.MaxAnnotationsListed, 1, depc.MaxAnnotationsListed); err != nil {
		return err
	}
	as, err := s.deps.State.Annotations(c.Request().Context(), teamOf(c).Name, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(as))
}

// annotationsOf returns the notes of a root cause's subgraph over its
// window: of each node, and of each node's label as a whole.
func (s *Server) annotationsOf(ctx context.Context, team string, rc compute.RootCause) ([]depc.Annotation, error) {
	f := depc.AnnotationFilter{From: rc.Window.From, To: rc.Window.To}
	for _, n := range rc.Graph.Nodes {
		f.Nodes = append(f.Nodes, depc.NodeKey{Label: n.Label, Name: n.Name})
	}
	if len(f.Nodes) == 0 {
		f.Nodes = []depc.NodeKey{{Label: rc.Node.Label, Name: rc.Node.Name}}
	}
	as, err := s.deps.State.Annotations(ctx, team, f)
	return nonNil(as), err
}
