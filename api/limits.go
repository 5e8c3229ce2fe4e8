package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/limits"
	"github.com/depc-dev/depc/message"
	"github.com/labstack/echo/v4"
)

// limit applies the team's limits to a decoded body (Deps.Limits; none
// without it): the rate first, for the whole body (ELIMIT, with
// Retry-After), then each valid message's size and graph limits. The
// messages refused join batch.Rejected, their events leave batch.Events.
// written must be called once the events are written (or not).
func (s *Server) limit(c echo.Context, team string, batch *message.BodyResult) (written func(), err error) {
	none := func() {}
	g := s.deps.Limits
	if g == nil {
		return none, nil
	}
	ctx := c.Request().Context()
	l, err := g.Limits(ctx, team)
	if err != nil {
		return none, err
	}
	if wait := g.Take(team, l, len(batch.Valid)+len(batch.Rejected)); wait > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return none, limits.RateError(team, l, wait)
	}
	var ok []message.Valid
	for _, v := range batch.Valid {
		if err := limits.CheckSize(team, l, len(v.Message)); err != nil {
			batch.Rejected = append(batch.Rejected, message.Rejected{Index: v.Index, Err: err, Message: v.Message})
			continue
		}
		ok = append(ok, v)
	}
	msgs := make([][]depc.Event, len(ok))
	for i, v := range ok {
		msgs[i] = batch.Events[v.Start:v.End:v.End]
	}
	errs, written, err := g.Admit(ctx, team, l, msgs)
	if err != nil {
		return none, err
	}
	events := make([]depc.Event, 0, len(batch.Events))
	var valid []message.Valid
	for i, v := range ok {
		if errs[i] != nil {
			batch.Rejected = append(batch.Rejected, message.Rejected{Index: v.Index, Err: errs[i], Message: v.Message})
			continue
		}
		start := len(events)
		events = append(events, msgs[i]...)
		valid = append(valid, message.Valid{Index: v.Index, Message: v.Message, Start: start, End: len(events)})
	}
	batch.Events, batch.Valid, batch.Accepted = events, valid, len(valid)
	slices.SortFunc(batch.Rejected, func(a, b message.Rejected) int { return a.Index - b.Index })
	return written, nil
}

// limitsJSON is the answer of GET and PUT /teams/{team}/limits.
type limitsJSON struct {
	// Effective are the limits that hold: Overrides over Defaults.
	Effective depc.Limits `json:"effective"`
	// Overrides are the admin's for the team (absent: the default).
	Overrides depc.Limits `json:"overrides"`
	// Defaults are the server's (absent: no limit).
	Defaults depc.Limits `json:"defaults"`
}

func (s *Server) limitsOf(c echo.Context, team string) (limitsJSON, error) {
	o, err := s.deps.State.TeamLimits(c.Request().Context(), team)
	if err != nil {
		return limitsJSON{}, err
	}
	var d depc.Limits
	if s.deps.Limits != nil {
		d = s.deps.Limits.Defaults()
	}
	return limitsJSON{Effective: o.Over(d), Overrides: o, Defaults: d}, nil
}

func (s *Server) getLimits(c echo.Context) error {
	l, err := s.limitsOf(c, teamOf(c).Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

// putLimits replaces the team's overrides (admin): a field absent or 0
// goes back to the default.
func (s *Server) putLimits(c echo.Context) error {
	if err := depc.CheckTeam("team", c.Param("team")); err != nil {
		return depc.Errorf(depc.ENOTFOUND, "team %q not found", c.Param("team"))
	}
	var o depc.Limits
	if err := s.bind(c, &o); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	// An admin route: the team is not looked up before; the store says
	// whether it exists.
	team := c.Param("team")
	if err := s.deps.State.SetTeamLimits(c.Request().Context(), team, o); err != nil {
		return err
	}
	if s.deps.Limits != nil {
		s.deps.Limits.Forget(team)
	}
	l, err := s.limitsOf(c, team)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}
