package api

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/depc-dev/depc/qos"
	"github.com/labstack/echo/v4"
)

// CSV exports of QoS over a range of days (docs/overview.md), for the
// spreadsheets managers hand on: label averages, and every node of a
// label. Parameters are checked before the first byte, so that a bad one
// is still a JSON error naming it; after that, a failure cuts the body
// short (logged).

// MaxNodeExportDays bounds the days of a node export: each day of each
// page of nodes is one read.
const MaxNodeExportDays = 31

// exportRange reads from and to (days, inclusive, both required) and
// returns the days, at most max.
func exportRange(c echo.Context, max int) ([]string, error) {
	from, to := c.QueryParam("from"), c.QueryParam("to")
	switch {
	case from == "":
		return nil, depc.Errorf(depc.EINVALID, "from: required (a day YYYY-MM-DD, the first of the export)")
	case to == "":
		return nil, depc.Errorf(depc.EINVALID, "to: required (a day YYYY-MM-DD, the last of the export)")
	}
	return compute.DayRange("from", from, "to", to, max)
}

// csvWriter writes a CSV answer, its header line sent with the first row.
type csvWriter struct {
	c       echo.Context
	w       *csv.Writer
	header  []string
	started bool
}

func newCSV(c echo.Context, filename string, header ...string) *csvWriter {
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	return &csvWriter{c: c, w: csv.NewWriter(res), header: header}
}

func (cw *csvWriter) start() error {
	if cw.started {
		return nil
	}
	cw.started = true
	cw.c.Response().WriteHeader(http.StatusOK)
	return cw.w.Write(cw.header)
}

func (cw *csvWriter) row(fields ...string) error {
	if err := cw.start(); err != nil {
		return err
	}
	return cw.w.Write(fields)
}

// flush sends what was written; called after each batch.
func (cw *csvWriter) flush() error {
	cw.w.Flush()
	return cw.w.Error()
}

// end finishes the answer: err before the first byte is the answer (a JSON
// error); after, too late for one, the body stops short.
func (s *Server) endCSV(cw *csvWriter, what string, err error) error {
	if err != nil && !cw.started {
		return err
	}
	if err != nil {
		s.log.Warn(what+" csv cut", "error", err)
		return nil
	}
	if err := cw.start(); err != nil {
		return nil
	}
	if err := cw.flush(); err != nil {
		s.log.Warn(what+" csv cut", "error", err)
	}
	return nil
}

// qosCell writes a QoS rounded as JSON answers are; empty when unknown.
func (s *Server) qosCell(q *float64) string {
	r := s.round(q)
	if r == nil {
		return ""
	}
	return strconv.FormatFloat(*r, 'f', -1, 64)
}

func secondsCell(x *int64) string {
	if x == nil {
		return ""
	}
	return strconv.FormatInt(*x, 10)
}

// exportLabels answers the daily averages of every label (or of ?label=)
// over from..to: label,day,qos,nodes, sorted by label then day.
func (s *Server) exportLabels(c echo.Context) error {
	days, err := exportRange(c, MaxDayRange)
	if err != nil {
		return err
	}
	label := c.QueryParam("label")
	if label != "" {
		if err := depc.CheckLabel("label", label); err != nil {
			return err
		}
	}
	ctx, team := c.Request().Context(), teamOf(c).Name
	from, to := days[0], days[len(days)-1]
	var rs []depc.LabelDayResult
	if label != "" {
		rs, err = s.deps.State.LabelQoS(ctx, team, label, from, to)
	} else {
		rs, err = s.deps.State.TeamQoS(ctx, team, from, to)
	}
	if err != nil {
		return err
	}
	cw := newCSV(c, "qos-labels-"+from+"-"+to+".csv", "label", "day", "qos", "nodes")
	for _, r := range rs {
		if err = cw.row(r.Label, r.Day, s.qosCell(r.QoS), strconv.Itoa(r.Nodes)); err != nil {
			break
		}
	}
	return s.endCSV(cw, "label export", err)
}

// exportNodes answers the daily results of every node of ?label= over
// from..to (at most MaxNodeExportDays): label,name,day,qos,ok,ko,unknown,
// sorted by day then name; a node without a result on a day has no line
// for it. A day of a label whose nodes have timelines is read whole, as
// budgets read it (ObjectiveStore.LabelSeconds: one read, QoS from its OK
// and KO seconds as semantics §2 defines it); a day of an aggregation label
// (no timelines) reads the results of the graph's nodes a page at a time.
// Each day is read before it is written, so a slow client holds no read.
func (s *Server) exportNodes(c echo.Context) error {
	label := c.QueryParam("label")
	if label == "" {
		return depc.Errorf(depc.EINVALID, "label: required (the label whose nodes to export)")
	}
	if err := depc.CheckLabel("label", label); err != nil {
		return err
	}
	days, err := exportRange(c, MaxNodeExportDays)
	if err != nil {
		return err
	}
	ctx, team := c.Request().Context(), teamOf(c).Name
	cw := newCSV(c, "qos-"+label+"-"+days[0]+"-"+days[len(days)-1]+".csv", "label", "name", "day", "qos", "ok", "ko", "unknown")
	var rows []depc.NodeSeconds
	for _, day := range days {
		has := false
		rows = rows[:0]
		err = s.deps.State.LabelSeconds(ctx, team, label, day, day, func(_ string, ns []depc.NodeSeconds) error {
			has = true
			for _, n := range ns {
				rows = append(rows, depc.NodeSeconds{Name: n.Name, OK: n.OK, KO: n.KO, Unknown: n.Unknown})
			}
			return nil
		})
		if err != nil {
			break
		}
		switch {
		case !has:
			// Nothing computed that day.
		case len(rows) == 0:
			err = s.exportDayResults(c, cw, label, day)
		default:
			for _, n := range rows {
				var q *float64
				if v := (qos.Seconds{OK: n.OK, KO: n.KO}).QoS(); v.Valid {
					q = &v.Value
				}
				if err = cw.row(label, n.Name, day, s.qosCell(q), strconv.FormatInt(n.OK, 10), strconv.FormatInt(n.KO, 10), strconv.FormatInt(n.Unknown, 10)); err != nil {
					break
				}
			}
		}
		if err == nil && cw.started {
			err = cw.flush()
		}
		if err != nil {
			break
		}
	}
	return s.endCSV(cw, "node export", err)
}

// exportDayResults writes the day's results of the label's nodes in the
// graph, a page of names at a time (aggregation nodes, which have no
// seconds: ok, ko and unknown are empty).
func (s *Server) exportDayResults(c echo.Context, cw *csvWriter, label, day string) error {
	ctx, team := c.Request().Context(), teamOf(c).Name
	after := ""
	for {
		names, next, err := s.deps.Graph.Nodes(ctx, team, label, "", impactedPage, after)
		if err != nil {
			return err
		}
		keys := make([]depc.NodeKey, len(names))
		for i, n := range names {
			keys[i] = depc.NodeKey{Label: label, Name: n}
		}
		rs, err := s.deps.State.DayResults(ctx, team, day, keys)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := cw.row(label, r.Name, day, s.qosCell(r.QoS), secondsCell(r.OK), secondsCell(r.KO), secondsCell(r.Unknown)); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		after = next
	}
}
