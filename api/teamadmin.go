package api

import (
	"context"
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// Deleting and renaming a team (admin), across both stores. Both are
// refused while a run of the team is queued or running: a run computes
// and writes under the team's name, and would either fail half-way or
// write under a name that no longer exists. Wait for it, or for its days
// to be taken over and finished, then try again (docs/isolation.md).

// ctxAuditTeam is the team an audit entry is recorded under when the
// write changed it (a rename: the new name, whose managers read it).
const ctxAuditTeam = "depc.auditTeam"

// refuseActiveRuns answers ECONFLICT while the team has a run queued or
// running.
func (s *Server) refuseActiveRuns(ctx context.Context, team, what string) error {
	runs, err := s.deps.State.Runs(ctx, team, 1000)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r.Status == depc.RunQueued || r.Status == depc.RunRunning {
			return depc.Errorf(depc.ECONFLICT, "team %s has run %d %s: %s it once its runs are finished", team, r.ID, r.Status, what)
		}
	}
	return nil
}

// adminTeam reads the team of an admin route's path; ENOTFOUND if absent.
func (s *Server) adminTeam(c echo.Context) (depc.Team, error) {
	name, err := pathParam(c, "team")
	if err != nil {
		return depc.Team{}, err
	}
	if err := depc.CheckTeam("team", name); err != nil {
		return depc.Team{}, depc.Errorf(depc.ENOTFOUND, "team %q not found", name)
	}
	return s.deps.State.Team(c.Request().Context(), name)
}

// deleteTeam removes a team from both stores: its graph first (so that no
// graph outlives its team, which a new team of the name would inherit),
// then everything of the state store, then its graph once more, for the
// events written while it was being deleted (after the team is gone,
// ingestion refuses its messages as an unknown team's).
func (s *Server) deleteTeam(c echo.Context) error {
	t, err := s.adminTeam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.refuseActiveRuns(ctx, t.Name, "delete"); err != nil {
		return err
	}
	if err := s.deps.Graph.DeleteTeam(ctx, t.Name); err != nil {
		return err
	}
	if err := s.deps.State.DeleteTeam(ctx, t.Name); err != nil {
		return err
	}
	s.forgetTeam(t.Name)
	if err := s.deps.Graph.DeleteTeam(ctx, t.Name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// renameRequest is the body of POST /teams/{team}/rename.
type renameRequest struct {
	Name string `json:"name"`
}

// renameTeam gives a team another name in both stores: the graph first,
// then the state store; should the state store refuse, the graph is moved
// back.
func (s *Server) renameTeam(c echo.Context) error {
	t, err := s.adminTeam(c)
	if err != nil {
		return err
	}
	var req renameRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	if err := depc.CheckTeam("name", req.Name); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if req.Name == t.Name {
		return c.JSON(http.StatusOK, t)
	}
	if _, err := s.deps.State.Team(ctx, req.Name); err == nil {
		return depc.Errorf(depc.ECONFLICT, "name: team %s already exists", req.Name)
	} else if depc.ErrorCode(err) != depc.ENOTFOUND {
		return err
	}
	if err := s.refuseActiveRuns(ctx, t.Name, "rename"); err != nil {
		return err
	}
	if err := s.deps.Graph.RenameTeam(ctx, t.Name, req.Name); err != nil {
		return err
	}
	out, err := s.deps.State.RenameTeam(ctx, t.Name, req.Name)
	if err != nil {
		if berr := s.deps.Graph.RenameTeam(context.WithoutCancel(ctx), req.Name, t.Name); berr != nil {
			s.log.Error("renaming a team: the state store refused and the graph could not be moved back", "from", t.Name, "to", req.Name, "error", berr)
		}
		return err
	}
	s.forgetTeam(t.Name)
	c.Set(ctxAuditTeam, out.Name)
	return c.JSON(http.StatusOK, out)
}

// forgetTeam drops what the server remembers of a team (its grants, its
// limits) once it is gone or renamed.
func (s *Server) forgetTeam(name string) {
	s.auth.clear()
	if s.deps.Limits != nil {
		s.deps.Limits.Forget(name)
	}
}
