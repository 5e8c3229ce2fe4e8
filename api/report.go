package api

import (
	"math"
	"net/http"
	"strconv"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/objective"
	"github.com/labstack/echo/v4"
)

// The monthly report of a team (docs/report.md): each node an objective
// applies to, with its month's QoS, its target met or missed, and its
// budget over the month. JSON for the printable page, CSV to hand on.

type reportNodeJSON struct {
	Label     string         `json:"label"`
	Name      string         `json:"name"`
	Objective depc.Objective `json:"objective"`
	QoS       *float64       `json:"qos"`
	// Met is null when the month has no counted time.
	Met            *bool    `json:"met"`
	Counted        int64    `json:"counted"`
	Pending        int64    `json:"pending"`
	Allowed        float64  `json:"allowed"`
	Spent          int64    `json:"spent"`
	Remaining      float64  `json:"remaining"`
	RemainingRatio *float64 `json:"remaining_ratio"`
}

type reportJSON struct {
	Team     string           `json:"team"`
	Month    string           `json:"month"`
	From     string           `json:"from"`
	To       string           `json:"to"`
	Complete bool             `json:"complete"`
	Met      int              `json:"met"`
	Missed   int              `json:"missed"`
	Unknown  int              `json:"unknown"`
	Nodes    []reportNodeJSON `json:"nodes"`
	Errors   []depc.RunError  `json:"errors"`
}

// monthParam reads ?month=YYYY-MM; by default the month of the team's
// yesterday (the previous month on the 1st, complete).
func (s *Server) monthParam(c echo.Context) (string, error) {
	m := c.QueryParam("month")
	if m == "" {
		y, err := s.yesterday(c)
		if err != nil {
			return "", err
		}
		return y[:7], nil
	}
	_, err := objective.ParseMonth("month", m)
	return m, err
}

func (s *Server) monthReport(c echo.Context) (objective.MonthReport, error) {
	month, err := s.monthParam(c)
	if err != nil {
		return objective.MonthReport{}, err
	}
	return s.budgets.Month(c.Request().Context(), teamOf(c).Name, month)
}

func (s *Server) reportNode(n objective.MonthNode) reportNodeJSON {
	b := n.Budget
	out := reportNodeJSON{Label: n.Key.Label, Name: n.Key.Name, Objective: n.Objective,
		Counted: b.Counted, Pending: b.Pending, Allowed: s.rounded(b.Allowed), Spent: b.Spent,
		Remaining: s.rounded(b.Remaining), RemainingRatio: s.roundedOK(b.RemainingRatio())}
	if b.QoS.Valid {
		out.QoS = s.round(&b.QoS.Value)
	}
	if met, known := n.Met(); known {
		out.Met = &met
	}
	return out
}

func (s *Server) report(c echo.Context) error {
	rep, err := s.monthReport(c)
	if err != nil {
		return err
	}
	out := reportJSON{Team: rep.Team, Month: rep.Month, From: rep.First, To: rep.Last, Complete: rep.Complete,
		Nodes: make([]reportNodeJSON, len(rep.Nodes)), Errors: nonNil(rep.Errors)}
	for i, n := range rep.Nodes {
		out.Nodes[i] = s.reportNode(n)
		switch {
		case out.Nodes[i].Met == nil:
			out.Unknown++
		case *out.Nodes[i].Met:
			out.Met++
		default:
			out.Missed++
		}
	}
	return c.JSON(http.StatusOK, out)
}

// reportCSV is the report as CSV, one line per node; seconds are whole
// (allowed and remaining rounded down to the second).
func (s *Server) reportCSV(c echo.Context) error {
	rep, err := s.monthReport(c)
	if err != nil {
		return err
	}
	cw := newCSV(c, "report-"+rep.Team+"-"+rep.Month+".csv", "month", "label", "name", "target", "objective_window",
		"qos", "met", "allowed_seconds", "spent_seconds", "remaining_seconds", "pending_seconds")
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	sec := func(x float64) string { return strconv.FormatInt(int64(math.Floor(x)), 10) }
	for _, n := range rep.Nodes {
		j := s.reportNode(n)
		met := "unknown"
		if j.Met != nil {
			met = map[bool]string{true: "met", false: "missed"}[*j.Met]
		}
		if err = cw.row(rep.Month, j.Label, j.Name, f(j.Objective.Target), string(j.Objective.Window), s.qosCell(j.QoS), met,
			sec(n.Budget.Allowed), strconv.FormatInt(j.Spent, 10), sec(n.Budget.Remaining), strconv.FormatInt(j.Pending, 10)); err != nil {
			break
		}
	}
	return s.endCSV(cw, "report", err)
}
