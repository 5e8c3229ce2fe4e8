package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/compute"
	"github.com/labstack/echo/v4"
)

// statisticsRuns bounds the runs a statistics answer reads: a nightly run
// a day and a few backfills fit many times over in a year.
const statisticsRuns = 2000

// statistics answers the original DepC's statistics: per label, how many
// of its nodes have a QoS on the range's last computed day and how many do
// not; the nodes computed each day; and the runs created in the range with
// their durations.
func (s *Server) statistics(c echo.Context) error {
	start, end, err := dayRange(c)
	if err != nil {
		return err
	}
	ctx, team := c.Request().Context(), teamOf(c)
	labels, err := s.deps.Graph.Labels(ctx, team.Name)
	if err != nil {
		return err
	}
	results, err := s.deps.State.TeamQoS(ctx, team.Name, start, end)
	if err != nil {
		return err
	}
	// The last day with results of each label, and the nodes computed per
	// day.
	last := map[string]depc.LabelDayResult{}
	perDay := map[string]int{}
	for _, r := range results {
		if l, ok := last[r.Label]; !ok || r.Day > l.Day {
			last[r.Label] = r
		}
		perDay[r.Day] += r.Nodes
	}
	type labelJSON struct {
		Label      string  `json:"label"`
		Nodes      int     `json:"nodes"`
		WithQoS    int     `json:"with_qos"`
		WithoutQoS int     `json:"without_qos"`
		Day        *string `json:"day"`
	}
	out := struct {
		Start  string      `json:"start"`
		End    string      `json:"end"`
		Labels []labelJSON `json:"labels"`
		Days   []dayCount  `json:"days"`
		Runs   []runStat   `json:"runs"`
	}{Start: start, End: end, Labels: []labelJSON{}, Days: []dayCount{}, Runs: []runStat{}}
	for _, l := range labels {
		lj := labelJSON{Label: l.Label, Nodes: l.Nodes}
		if r, ok := last[l.Label]; ok {
			day := r.Day
			lj.Day = &day
			lj.WithQoS = min(r.Nodes, l.Nodes)
		}
		lj.WithoutQoS = l.Nodes - lj.WithQoS
		out.Labels = append(out.Labels, lj)
	}
	for day, n := range perDay {
		out.Days = append(out.Days, dayCount{Day: day, Nodes: n})
	}
	slices.SortFunc(out.Days, func(a, b dayCount) int { return strings.Compare(a.Day, b.Day) })

	runs, err := s.deps.State.Runs(ctx, team.Name, statisticsRuns)
	if err != nil {
		return err
	}
	first, err := compute.DayWindow(start, team.Timezone)
	if err != nil {
		return err
	}
	lastDay, err := compute.DayWindow(end, team.Timezone)
	if err != nil {
		return err
	}
	from, to := first.Start, lastDay.End
	for _, r := range slices.Backward(runs) {
		if r.CreatedAt < from || r.CreatedAt >= to {
			continue
		}
		rs := runStat{ID: r.ID, Status: r.Status, CreatedAt: r.CreatedAt, Days: len(r.Days), Nodes: r.Nodes}
		if r.StartedAt != nil && r.FinishedAt != nil {
			d := *r.FinishedAt - *r.StartedAt
			rs.Duration = &d
		}
		out.Runs = append(out.Runs, rs)
	}
	return c.JSON(http.StatusOK, out)
}

type dayCount struct {
	Day   string `json:"day"`
	Nodes int    `json:"nodes"`
}

type runStat struct {
	ID        int64          `json:"id"`
	Status    depc.RunStatus `json:"status"`
	CreatedAt int64          `json:"created_at"`
	// Duration is from its start to its end, in seconds; null until it
	// has finished.
	Duration *int64 `json:"duration"`
	Days     int    `json:"days"`
	Nodes    int64  `json:"nodes"`
}
