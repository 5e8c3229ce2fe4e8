package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/labstack/echo/v4"
)

// --- maintenance windows (issue 14, docs/objectives.md)

type maintenanceRequest struct {
	Label  string `json:"label"`
	Name   string `json:"name"`
	From   *int64 `json:"from"`
	To     *int64 `json:"to"`
	Reason string `json:"reason"`
}

func (s *Server) bindMaintenance(c echo.Context) (depc.Maintenance, error) {
	var req maintenanceRequest
	if err := s.bind(c, &req); err != nil {
		return depc.Maintenance{}, err
	}
	if req.From == nil || req.To == nil {
		return depc.Maintenance{}, depc.Errorf(depc.EINVALID, "from and to: both are required (Unix seconds, [from, to))")
	}
	m := depc.Maintenance{Label: req.Label, Name: req.Name, From: *req.From, To: *req.To, Reason: req.Reason}
	return m, m.Validate()
}

// maintenanceChange is a window written, with the runs queued to
// recompute the days of the past it changes.
type maintenanceChange struct {
	depc.Maintenance
	Runs []depc.Run `json:"runs"`
}

func maintenanceID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, depc.Errorf(depc.EINVALID, "id: must be a maintenance window number, not %q", c.Param("id"))
	}
	return id, nil
}

// recompute queues runs of the days of the past that the windows touch
// and that have results: their results counted time the windows now
// change. Today's live QoS sees the windows at once; days not computed
// yet will see them when they are.
func (s *Server) recompute(c echo.Context, ms ...depc.Maintenance) ([]depc.Run, error) {
	team := teamOf(c)
	today, tw, err := compute.Today(s.now(), team.Timezone)
	if err != nil {
		return nil, err
	}
	var first, last string
	for _, m := range ms {
		if m.From >= tw.Start {
			continue
		}
		f, _, err := compute.Today(time.Unix(m.From, 0), team.Timezone)
		if err != nil {
			return nil, err
		}
		l, _, err := compute.Today(time.Unix(min(m.To, tw.Start)-1, 0), team.Timezone)
		if err != nil {
			return nil, err
		}
		if first == "" || f < first {
			first = f
		}
		if l > last {
			last = l
		}
	}
	if first == "" || first >= today {
		return []depc.Run{}, nil
	}
	ctx := c.Request().Context()
	labels, err := s.deps.State.TeamQoS(ctx, team.Name, first, last)
	if err != nil {
		return nil, err
	}
	computed := map[string]bool{}
	for _, l := range labels {
		computed[l.Day] = true
	}
	days, err := compute.DayRange("from", first, "to", last, depc.MaxMaintenanceLen/86400+2)
	if err != nil {
		return nil, err
	}
	var todo []string
	for _, d := range days {
		if computed[d] {
			todo = append(todo, d)
		}
	}
	runs := []depc.Run{}
	for len(todo) > 0 {
		n := min(len(todo), MaxDayRange)
		run, err := s.deps.Runs.Enqueue(ctx, team.Name, todo[:n])
		if err != nil {
			return runs, err
		}
		runs = append(runs, runJSON(run))
		todo = todo[n:]
	}
	return runs, nil
}

func (s *Server) createMaintenance(c echo.Context) error {
	m, err := s.bindMaintenance(c)
	if err != nil {
		return err
	}
	m, err = s.deps.State.CreateMaintenance(c.Request().Context(), teamOf(c).Name, m)
	if err != nil {
		return err
	}
	runs, err := s.recompute(c, m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, maintenanceChange{m, runs})
}

func (s *Server) listMaintenance(c echo.Context) error {
	now := s.now().Unix()
	from, hasFrom, err := queryInstant(c, "from")
	if err != nil {
		return err
	}
	to, hasTo, err := queryInstant(c, "to")
	if err != nil {
		return err
	}
	if !hasFrom {
		from = max(0, now-35*86400)
	}
	if !hasTo {
		to = now + depc.MaxMaintenanceLen
	}
	label, name := c.QueryParam("label"), c.QueryParam("name")
	if label != "" {
		if err := depc.CheckLabel("label", label); err != nil {
			return err
		}
	}
	if name != "" {
		if label == "" {
			return depc.Errorf(depc.EINVALID, "label: required with name")
		}
		if err := depc.CheckName("name", name); err != nil {
			return err
		}
	}
	ms, err := s.deps.State.Maintenances(c.Request().Context(), teamOf(c).Name, from, to)
	if err != nil {
		return err
	}
	out := []depc.Maintenance{}
	for _, m := range ms {
		switch {
		case label == "":
		case name != "" && !m.AppliesTo(depc.NodeKey{Label: label, Name: name}):
			continue
		case name == "" && m.Label != "" && m.Label != label:
			continue
		}
		out = append(out, m)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getMaintenance(c echo.Context) error {
	id, err := maintenanceID(c)
	if err != nil {
		return err
	}
	m, err := s.deps.State.Maintenance(c.Request().Context(), teamOf(c).Name, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) putMaintenance(c echo.Context) error {
	id, err := maintenanceID(c)
	if err != nil {
		return err
	}
	m, err := s.bindMaintenance(c)
	if err != nil {
		return err
	}
	m.ID = id
	ctx := c.Request().Context()
	old, err := s.deps.State.Maintenance(ctx, teamOf(c).Name, id)
	if err != nil {
		return err
	}
	if m, err = s.deps.State.UpdateMaintenance(ctx, teamOf(c).Name, m); err != nil {
		return err
	}
	runs, err := s.recompute(c, old, m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, maintenanceChange{m, runs})
}

func (s *Server) deleteMaintenance(c echo.Context) error {
	id, err := maintenanceID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	old, err := s.deps.State.Maintenance(ctx, teamOf(c).Name, id)
	if err != nil {
		return err
	}
	if err := s.deps.State.DeleteMaintenance(ctx, teamOf(c).Name, id); err != nil {
		return err
	}
	runs, err := s.recompute(c, old)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, maintenanceChange{old, runs})
}
