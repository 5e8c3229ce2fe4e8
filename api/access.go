package api

import (
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

type createUserRequest struct {
	Name  string `json:"name"`
	Admin bool   `json:"admin"`
}

type createdUser struct {
	Name  string `json:"name"`
	Admin bool   `json:"admin"`
	// Token is shown once; only its hash is stored.
	Token string `json:"token"`
}

func (s *Server) createUser(c echo.Context) error {
	var req createUserRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	if err := depc.CheckUser("name", req.Name); err != nil {
		return err
	}
	u, token, err := s.deps.State.CreateUser(c.Request().Context(), req.Name, req.Admin)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, createdUser{Name: u.Name, Admin: u.Admin, Token: token})
}

func (s *Server) listUsers(c echo.Context) error {
	users, err := s.deps.State.Users(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNil(users))
}

type meResponse struct {
	Name   string       `json:"name"`
	Admin  bool         `json:"admin"`
	Grants []depc.Grant `json:"grants"`
}

// me tells the caller who they are and their roles (for the UI).
func (s *Server) me(c echo.Context) error {
	p := caller(c)
	resp := meResponse{Name: p.User, Admin: p.Admin, Grants: []depc.Grant{}}
	if !p.AdminToken {
		grants, err := s.deps.State.UserGrants(c.Request().Context(), p.User)
		if err != nil && depc.ErrorCode(err) != depc.ENOTFOUND {
			return err
		}
		resp.Grants = nonNil(grants)
	}
	return c.JSON(http.StatusOK, resp)
}

type grantRequest struct {
	Role depc.Role `json:"role"`
}

type grantResponse struct {
	User string    `json:"user"`
	Role depc.Role `json:"role"`
}

func (s *Server) putGrant(c echo.Context) error {
	user, err := pathParam(c, "user")
	if err != nil {
		return err
	}
	var req grantRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	if !req.Role.Valid() {
		return depc.Errorf(depc.EINVALID, "role: must be viewer, editor or manager, not %q", req.Role)
	}
	// Only a manager may grant; nobody grants more than they hold.
	if r, _ := c.Get(ctxRole).(depc.Role); !caller(c).Admin && !r.Includes(req.Role) {
		return depc.Errorf(depc.EFORBIDDEN, "you cannot grant %s", req.Role)
	}
	g, err := s.deps.State.SetGrant(c.Request().Context(), teamOf(c).Name, user, req.Role)
	s.auth.clear()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, grantResponse{User: g.User, Role: g.Role})
}

func (s *Server) deleteGrant(c echo.Context) error {
	user, err := pathParam(c, "user")
	if err != nil {
		return err
	}
	err = s.deps.State.DeleteGrant(c.Request().Context(), teamOf(c).Name, user)
	s.auth.clear()
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listGrants(c echo.Context) error {
	grants, err := s.deps.State.Grants(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	out := make([]grantResponse, len(grants))
	for i, g := range grants {
		out[i] = grantResponse{User: g.User, Role: g.Role}
	}
	return c.JSON(http.StatusOK, out)
}

type teamRequest struct {
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
}

func (s *Server) createTeam(c echo.Context) error {
	var req teamRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	if req.Timezone == "" {
		req.Timezone = "UTC"
	}
	if err := (depc.Team{Name: req.Name, Timezone: req.Timezone}).Validate(); err != nil {
		return err
	}
	t, err := s.deps.State.CreateTeam(c.Request().Context(), depc.Team{Name: req.Name, Timezone: req.Timezone})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

// listTeams lists the teams the caller may read: all for an admin, the
// teams of their grants otherwise.
func (s *Server) listTeams(c echo.Context) error {
	ctx := c.Request().Context()
	teams, err := s.deps.State.Teams(ctx)
	if err != nil {
		return err
	}
	p := caller(c)
	if p.Admin {
		return c.JSON(http.StatusOK, nonNil(teams))
	}
	grants, err := s.deps.State.UserGrants(ctx, p.User)
	if err != nil {
		return err
	}
	mine := make(map[string]bool, len(grants))
	for _, g := range grants {
		mine[g.Team] = true
	}
	out := []depc.Team{}
	for _, t := range teams {
		if mine[t.Name] {
			out = append(out, t)
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getTeam(c echo.Context) error {
	return c.JSON(http.StatusOK, teamOf(c))
}

// nonNil turns a nil slice into an empty one, so that JSON says [] and
// not null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
