package api

import (
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/objective"
	"github.com/depc-dev/depc/qos"
	"github.com/depc-dev/depc/qos/budget"
	"github.com/labstack/echo/v4"
)

// --- objectives (issue 14, docs/objectives.md)

type objectiveRequest struct {
	Target *float64    `json:"target"`
	Window budget.Kind `json:"window"`
}

func (s *Server) listObjectives(c echo.Context) error {
	objs, err := s.deps.State.Objectives(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(objs))
}

// objectiveKey reads the label, and for a node's objective its name.
func objectiveKey(c echo.Context, node bool) (depc.NodeKey, error) {
	if node {
		return nodeKey(c)
	}
	label, err := labelParam(c)
	return depc.NodeKey{Label: label}, err
}

func (s *Server) getObjective(c echo.Context, node bool) error {
	key, err := objectiveKey(c, node)
	if err != nil {
		return err
	}
	o, err := s.deps.State.Objective(c.Request().Context(), teamOf(c).Name, key.Label, key.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Server) putObjective(c echo.Context, node bool) error {
	key, err := objectiveKey(c, node)
	if err != nil {
		return err
	}
	var req objectiveRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	if req.Target == nil {
		return depc.Errorf(depc.EINVALID, "target: required (a percentage, e.g. 99.9)")
	}
	o := depc.Objective{Label: key.Label, Name: key.Name, Target: *req.Target, Window: req.Window}
	if err := o.Validate(); err != nil {
		return err
	}
	o, err = s.deps.State.SetObjective(c.Request().Context(), teamOf(c).Name, o)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, o)
}

func (s *Server) deleteObjective(c echo.Context, node bool) error {
	key, err := objectiveKey(c, node)
	if err != nil {
		return err
	}
	if err := s.deps.State.DeleteObjective(c.Request().Context(), teamOf(c).Name, key.Label, key.Name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) getLabelObjective(c echo.Context) error    { return s.getObjective(c, false) }
func (s *Server) putLabelObjective(c echo.Context) error    { return s.putObjective(c, false) }
func (s *Server) deleteLabelObjective(c echo.Context) error { return s.deleteObjective(c, false) }
func (s *Server) getNodeObjective(c echo.Context) error     { return s.getObjective(c, true) }
func (s *Server) putNodeObjective(c echo.Context) error     { return s.putObjective(c, true) }
func (s *Server) deleteNodeObjective(c echo.Context) error  { return s.deleteObjective(c, true) }

// --- budgets

type burnRatesJSON struct {
	H1 *float64 `json:"1h"`
	H6 *float64 `json:"6h"`
	D1 *float64 `json:"1d"`
	D3 *float64 `json:"3d"`
}

type budgetDayJSON struct {
	Day       string  `json:"day"`
	Spent     int64   `json:"spent"`
	Remaining float64 `json:"remaining"`
}

type budgetJSON struct {
	Label     string         `json:"label"`
	Name      string         `json:"name"`
	Objective depc.Objective `json:"objective"`
	// From and To are the window's days; Live whether today was measured;
	// BurnAt the instant burn rates look back from.
	From   string `json:"from"`
	To     string `json:"to"`
	Live   bool   `json:"live"`
	BurnAt int64  `json:"burn_at"`

	Measured       int64           `json:"measured"`
	Counted        int64           `json:"counted"`
	Pending        int64           `json:"pending"`
	Allowed        float64         `json:"allowed"`
	Spent          int64           `json:"spent"`
	Remaining      float64         `json:"remaining"`
	RemainingRatio *float64        `json:"remaining_ratio"`
	Exhausted      bool            `json:"exhausted"`
	QoS            *float64        `json:"qos"`
	BurnRates      burnRatesJSON   `json:"burn_rates"`
	Days           []budgetDayJSON `json:"days,omitempty"`
}

// rounded rounds a figure as QoS values are.
func (s *Server) rounded(x float64) float64 { return qos.Round(x, s.cfg.Decimals) }

func (s *Server) roundedOK(x float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	r := s.rounded(x)
	return &r
}

func (s *Server) budgetJSON(nb objective.NodeBudget, days bool) budgetJSON {
	b := nb.Budget
	out := budgetJSON{
		Label: nb.Key.Label, Name: nb.Key.Name, Objective: nb.Objective,
		From: nb.First, To: nb.Last, Live: nb.Live, BurnAt: nb.BurnAt,
		Measured: b.Measured, Counted: b.Counted, Pending: b.Pending,
		Allowed: s.rounded(b.Allowed), Spent: b.Spent, Remaining: s.rounded(b.Remaining),
		RemainingRatio: s.roundedOK(b.RemainingRatio()),
		Exhausted:      b.Exhausted(),
	}
	if b.QoS.Valid {
		out.QoS = s.round(&b.QoS.Value)
	}
	rates := make([]*float64, len(b.Burn))
	for i, br := range b.Burn {
		rates[i] = s.roundedOK(br.Rate, br.Valid)
	}
	out.BurnRates = burnRatesJSON{H1: rates[0], H6: rates[1], D1: rates[2], D3: rates[3]}
	if days {
		out.Days = make([]budgetDayJSON, len(b.Days))
		for i, d := range b.Days {
			out.Days[i] = budgetDayJSON{Day: d.Day, Spent: d.Spent, Remaining: s.rounded(d.Remaining)}
		}
	}
	return out
}

type nodeBudgetJSON struct {
	budgetJSON
	// Errors are the failures of today's measurement.
	Errors []depc.RunError `json:"errors"`
}

func (s *Server) nodeBudget(c echo.Context) error {
	key, err := nodeKey(c)
	if err != nil {
		return err
	}
	nb, errs, err := s.budgets.Node(c.Request().Context(), teamOf(c).Name, key)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nodeBudgetJSON{budgetJSON: s.budgetJSON(nb, true), Errors: nonNil(errs)})
}

type labelBudgetJSON struct {
	Label          string          `json:"label"`
	Objective      *depc.Objective `json:"objective"`
	Nodes          int             `json:"nodes"`
	Exhausted      int             `json:"exhausted"`
	Allowed        float64         `json:"allowed"`
	Spent          int64           `json:"spent"`
	Remaining      float64         `json:"remaining"`
	RemainingRatio *float64        `json:"remaining_ratio"`
	WorstRatio     *float64        `json:"worst_ratio"`
}

func (s *Server) labelBudgetJSON(l objective.LabelBudget) labelBudgetJSON {
	out := labelBudgetJSON{Label: l.Label, Objective: l.Objective, Nodes: l.Nodes, Exhausted: l.Exhausted,
		Allowed: s.rounded(l.Allowed), Spent: l.Spent, Remaining: s.rounded(l.Remaining),
		RemainingRatio: s.roundedOK(l.RemainingRatio())}
	if l.Worst != nil {
		out.WorstRatio = s.roundedOK(*l.Worst, true)
	}
	return out
}

type teamBudgetsJSON struct {
	Today  string            `json:"today"`
	Live   bool              `json:"live"`
	BurnAt int64             `json:"burn_at"`
	Labels []labelBudgetJSON `json:"labels"`
	// Worst are the budgets with the least remaining, lowest first.
	Worst  []budgetJSON    `json:"worst"`
	Errors []depc.RunError `json:"errors"`
}

// budgetsOf reads `limit` (worst budgets, default 15) and `live`, and
// answers the team's budgets, limited to labels when given.
func (s *Server) budgetsOf(c echo.Context, labels []string) (teamBudgetsJSON, error) {
	limit, err := queryInt(c, "limit", 15, 1, 1000)
	if err != nil {
		return teamBudgetsJSON{}, err
	}
	live, err := queryBool(c, "live")
	if err != nil {
		return teamBudgetsJSON{}, err
	}
	tb, err := s.budgets.Team(c.Request().Context(), teamOf(c).Name, objective.Options{Live: live, Labels: labels})
	if err != nil {
		return teamBudgetsJSON{}, err
	}
	out := teamBudgetsJSON{Today: tb.Today, Live: tb.Live, BurnAt: tb.BurnAt,
		Labels: make([]labelBudgetJSON, len(tb.Labels)), Worst: []budgetJSON{}, Errors: nonNil(tb.Errors)}
	for i, l := range tb.Labels {
		out.Labels[i] = s.labelBudgetJSON(l)
	}
	for _, nb := range objective.Worst(tb.Nodes, limit) {
		out.Worst = append(out.Worst, s.budgetJSON(nb, false))
	}
	return out, nil
}

func (s *Server) teamBudgets(c echo.Context) error {
	out, err := s.budgetsOf(c, nil)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) labelBudget(c echo.Context) error {
	label, err := labelParam(c)
	if err != nil {
		return err
	}
	out, err := s.budgetsOf(c, []string{label})
	if err != nil {
		return err
	}
	if len(out.Labels) == 0 {
		return depc.Errorf(depc.ENOTFOUND, "label %s has no objective, nor has any of its nodes", label)
	}
	return c.JSON(http.StatusOK, struct {
		labelBudgetJSON
		Today  string          `json:"today"`
		Live   bool            `json:"live"`
		BurnAt int64           `json:"burn_at"`
		Worst  []budgetJSON    `json:"worst"`
		Errors []depc.RunError `json:"errors"`
	}{out.Labels[0], out.Today, out.Live, out.BurnAt, out.Worst, out.Errors})
}
