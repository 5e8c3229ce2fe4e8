package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/labstack/echo/v4"
)

// --- runs ---

type runRequest struct {
	Day  string `json:"day"`
	From string `json:"from"`
	To   string `json:"to"`
}

// today is the team's current day.
func (s *Server) today(c echo.Context) (string, error) {
	day, _, err := compute.Today(s.now(), teamOf(c).Timezone)
	return day, err
}

// yesterday is the team's last complete day: the default day of reads.
func (s *Server) yesterday(c echo.Context) (string, error) {
	day, err := s.today(c)
	if err != nil {
		return "", err
	}
	return depc.AddDays(day, -1)
}

func (s *Server) createRun(c echo.Context) error {
	var req runRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	wait, err := queryBool(c, "wait")
	if err != nil {
		return err
	}
	var days []string
	switch {
	case req.Day != "" && (req.From != "" || req.To != ""):
		return depc.Errorf(depc.EINVALID, "day and from/to: give a day or a range, not both")
	case req.Day != "":
		days, err = compute.DayRange("day", req.Day, "day", req.Day, MaxDayRange)
	case req.From != "" && req.To != "":
		days, err = compute.DayRange("from", req.From, "to", req.To, MaxDayRange)
	default:
		return depc.Errorf(depc.EINVALID, "day, or from and to: required (days YYYY-MM-DD)")
	}
	if err != nil {
		return err
	}
	to := days[len(days)-1]
	// A day that has not ended has no final result; /qos/live shows it.
	today, err := s.today(c)
	if err != nil {
		return err
	}
	if to >= today {
		return depc.Errorf(depc.EINVALID, "%s has not ended yet in team %s's time zone (%s); its QoS so far is at …/qos/live", to, teamOf(c).Name, teamOf(c).Timezone)
	}
	ctx := c.Request().Context()
	run, err := s.deps.Runs.Enqueue(ctx, teamOf(c).Name, days)
	if err != nil {
		return err
	}
	if !wait {
		return c.JSON(http.StatusAccepted, runJSON(run))
	}
	run, err = s.deps.Runs.Wait(ctx, teamOf(c).Name, run.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, runJSON(run))
}

func runJSON(r depc.Run) depc.Run {
	r.Errors = nonNil(r.Errors)
	r.Days = nonNil(r.Days)
	return r
}

func (s *Server) listRuns(c echo.Context) error {
	limit, err := queryInt(c, "limit", 50, 1, 1000)
	if err != nil {
		return err
	}
	runs, err := s.deps.State.Runs(c.Request().Context(), teamOf(c).Name, limit)
	if err != nil {
		return err
	}
	for i := range runs {
		runs[i] = runJSON(runs[i])
	}
	return c.JSON(http.StatusOK, nonNil(runs))
}

func (s *Server) getRun(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return depc.Errorf(depc.EINVALID, "id: must be a run number, not %q", c.Param("id"))
	}
	run, err := s.deps.State.Run(c.Request().Context(), teamOf(c).Name, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, runJSON(run))
}

// --- results ---

type dayQoS struct {
	Day string   `json:"day"`
	QoS *float64 `json:"qos"`
}

func (s *Server) teamQoS(c echo.Context) error {
	start, end, err := dayRange(c)
	if err != nil {
		return err
	}
	rs, err := s.deps.State.TeamQoS(c.Request().Context(), teamOf(c).Name, start, end)
	if err != nil {
		return err
	}
	labels := map[string][]dayQoS{}
	for _, r := range rs {
		labels[r.Label] = append(labels[r.Label], dayQoS{Day: r.Day, QoS: s.round(r.QoS)})
	}
	return c.JSON(http.StatusOK, map[string]any{"labels": labels})
}

type labelDayQoS struct {
	Day   string   `json:"day"`
	QoS   *float64 `json:"qos"`
	Nodes int      `json:"nodes"`
}

func (s *Server) labelQoS(c echo.Context) error {
	label, err := labelParam(c)
	if err != nil {
		return err
	}
	start, end, err := dayRange(c)
	if err != nil {
		return err
	}
	rs, err := s.deps.State.LabelQoS(c.Request().Context(), teamOf(c).Name, label, start, end)
	if err != nil {
		return err
	}
	out := make([]labelDayQoS, len(rs))
	for i, r := range rs {
		out[i] = labelDayQoS{Day: r.Day, QoS: s.round(r.QoS), Nodes: r.Nodes}
	}
	return c.JSON(http.StatusOK, out)
}

type worstJSON struct {
	Name string  `json:"name"`
	QoS  float64 `json:"qos"`
}

// dayParam reads `day`, by default the team's yesterday.
func (s *Server) dayParam(c echo.Context) (string, error) {
	day := c.QueryParam("day")
	if day == "" {
		return s.yesterday(c)
	}
	_, err := depc.ParseDay("day", day)
	return day, err
}

func (s *Server) worst(c echo.Context) error {
	label, err := labelParam(c)
	if err != nil {
		return err
	}
	day, err := s.dayParam(c)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 15, 1, depc.MaxWorstNodes)
	if err != nil {
		return err
	}
	ws, err := s.deps.State.Worst(c.Request().Context(), teamOf(c).Name, label, day, limit)
	if err != nil {
		return err
	}
	out := make([]worstJSON, len(ws))
	for i, w := range ws {
		out[i] = worstJSON{Name: w.Name, QoS: w.QoS}
		if q := s.round(&w.QoS); q != nil {
			out[i].QoS = *q
		}
	}
	return c.JSON(http.StatusOK, out)
}

type nodeDayJSON struct {
	Day      string     `json:"day"`
	QoS      *float64   `json:"qos"`
	OK       *int64     `json:"ok"`
	KO       *int64     `json:"ko"`
	Unknown  *int64     `json:"unknown"`
	Downtime []interval `json:"downtime"`
}

func (s *Server) nodeDay(r depc.NodeDayResult) nodeDayJSON {
	return nodeDayJSON{Day: r.Day, QoS: s.round(r.QoS), OK: r.OK, KO: r.KO, Unknown: r.Unknown, Downtime: intervalsJSON(r.Downtime)}
}

func (s *Server) nodeQoS(c echo.Context) error {
	key, err := nodeKey(c)
	if err != nil {
		return err
	}
	start, end, err := dayRange(c)
	if err != nil {
		return err
	}
	rs, err := s.deps.State.NodeQoS(c.Request().Context(), teamOf(c).Name, key, start, end)
	if err != nil {
		return err
	}
	out := make([]nodeDayJSON, len(rs))
	for i, r := range rs {
		out[i] = s.nodeDay(r)
	}
	return c.JSON(http.StatusOK, out)
}

type liveJSON struct {
	nodeDayJSON
	// Errors are the failures of nodes or sources met on the way (an
	// addition to api.md).
	Errors []depc.RunError `json:"errors"`
}

func (s *Server) liveQoS(c echo.Context) error {
	key, err := nodeKey(c)
	if err != nil {
		return err
	}
	r, errs, err := s.deps.Computer.LiveQoS(c.Request().Context(), teamOf(c).Name, key)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, liveJSON{nodeDayJSON: s.nodeDay(r), Errors: nonNil(errs)})
}

// rootCause answers the root cause of a node over a day (?day=, the
// stored results of the day plus the explanation) or over any window
// (?from=&to=, RFC 3339 instants, at most 31 days).
func (s *Server) rootCause(c echo.Context) error {
	key, err := nodeKey(c)
	if err != nil {
		return err
	}
	ctx, team := c.Request().Context(), teamOf(c).Name
	var rc compute.RootCause
	if w, ok, err := windowParams(c); err != nil {
		return err
	} else if ok {
		if rc, err = s.deps.Computer.RootCauseWindow(ctx, team, key, w); err != nil {
			return err
		}
	} else {
		day, err := s.dayParam(c)
		if err != nil {
			return err
		}
		if rc, err = s.deps.Computer.RootCause(ctx, team, key, day); err != nil {
			return err
		}
	}
	rc.Round(s.cfg.Decimals)
	notes, err := s.annotationsOf(ctx, team, rc)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rootCauseAnswer{RootCause: rc, Annotations: notes})
}

// rootCauseAnswer is a root cause with the notes of its subgraph over its
// window (annotationsOf).
type rootCauseAnswer struct {
	compute.RootCause
	Annotations []depc.Annotation `json:"annotations"`
}

// windowParams reads a window [from, to) given as two RFC 3339 instants
// (second resolution): ok is false when neither is given. EINVALID names
// the field that is missing or malformed, or day when it comes with them.
func windowParams(c echo.Context) (depc.Window, bool, error) {
	from, to := c.QueryParam("from"), c.QueryParam("to")
	if from == "" && to == "" {
		return depc.Window{}, false, nil
	}
	if c.QueryParam("day") != "" {
		return depc.Window{}, false, depc.Errorf(depc.EINVALID, "day: give either day or from and to")
	}
	var w depc.Window
	for _, p := range []struct {
		field, value string
		at           *int64
	}{{"from", from, &w.Start}, {"to", to, &w.End}} {
		if p.value == "" {
			return depc.Window{}, false, depc.Errorf(depc.EINVALID, "%s: required with %s", p.field, map[string]string{"from": "to", "to": "from"}[p.field])
		}
		t, err := time.Parse(time.RFC3339, p.value)
		if err != nil {
			return depc.Window{}, false, depc.Errorf(depc.EINVALID, "%s: %q is not an RFC 3339 instant such as 2026-12-01T23:40:00Z", p.field, p.value)
		}
		*p.at = t.Unix()
	}
	return w, true, nil
}
