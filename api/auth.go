package api

import (
	"net/http"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// access is what a route requires of its caller.
type access uint8

const (
	public  access = iota // no token: health, readiness, the UI
	anyUser               // any valid token
	admin                 // an admin
	viewer                // at least viewer of the route's team
	editor                // at least editor of the route's team
	manager               // manager of the route's team
)

func (a access) role() depc.Role {
	switch a {
	case viewer:
		return depc.RoleViewer
	case editor:
		return depc.RoleEditor
	case manager:
		return depc.RoleManager
	}
	return ""
}

func (a access) String() string {
	switch a {
	case public:
		return "public"
	case anyUser:
		return "any user"
	case admin:
		return "admin"
	}
	return string(a.role())
}

// principal is the authenticated caller.
type principal struct {
	User  string
	Admin bool
	// AdminToken: the caller used the admin token, which is no user's.
	AdminToken bool
}

const (
	ctxPrincipal = "depc.principal"
	ctxTeam      = "depc.team"
	ctxRole      = "depc.role"
)

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// adminPrincipal is the caller with the admin token.
var adminPrincipal = principal{User: "admin", Admin: true, AdminToken: true}

// maxTokenLen bounds a bearer token: longer ones are no tokens, and are
// not hashed.
const maxTokenLen = 1024

// authenticate finds the caller of a request from its bearer token: a
// user's token (looked up by its SHA-256: the store never holds tokens,
// and expired ones find no user) or the admin token (checked against its
// slow hash, passhash). Both go through the short-lived authCache.
func (s *Server) authenticate(c echo.Context) (principal, error) {
	token := bearer(c.Request())
	if token == "" {
		// No token: a trusted proxy may name the user (ProxyAuth). A token
		// comes first, so that scripts behind the proxy keep theirs.
		if p, ok, err := s.proxyUser(c); ok || err != nil {
			return p, err
		}
		return principal{}, depc.Errorf(depc.EUNAUTHORIZED, "missing bearer token (Authorization: Bearer <token>)")
	}
	if len(token) > maxTokenLen {
		return principal{}, depc.Errorf(depc.EUNAUTHORIZED, "unknown token")
	}
	h := depc.HashToken(token)
	ctx := c.Request().Context()
	adminHash, err := s.auth.adminHash(ctx, s.deps.State)
	if err != nil {
		return principal{}, err
	}
	if s.auth.knownAdmin(adminHash, h) {
		return adminPrincipal, nil
	}
	p, err := s.auth.user(ctx, s.deps.State, h)
	if err == nil {
		return p, nil
	}
	if depc.ErrorCode(err) != depc.ENOTFOUND {
		return principal{}, err
	}
	if adminHash != "" {
		ok, err := s.auth.isAdmin(ctx, s.deps.State, adminHash, token, h)
		if err != nil {
			return principal{}, err
		}
		if ok {
			return adminPrincipal, nil
		}
	}
	return principal{}, depc.Errorf(depc.EUNAUTHORIZED, "unknown or expired token")
}

// guard returns the middleware that enforces a route's access: 401 without
// a valid token; then, for team routes, 403 when a user lacks the role
// (whether the team exists or not) and 404 for an unknown team (which only
// admins can meet).
func (s *Server) guard(a access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a == public {
				return next(c)
			}
			p, err := s.authenticate(c)
			if err != nil {
				return err
			}
			c.Set(ctxPrincipal, p)
			switch a {
			case anyUser:
				return next(c)
			case admin:
				if !p.Admin {
					return depc.Errorf(depc.EFORBIDDEN, "this needs an admin token")
				}
				return next(c)
			}
			name, err := pathParam(c, "team")
			if err != nil {
				return err
			}
			ctx := c.Request().Context()
			role := depc.RoleManager
			if !p.Admin {
				// The role first: a user without one gets the same 403
				// whether the team exists or not, so that a token of team A
				// cannot even learn which other teams exist.
				role, err = s.auth.role(ctx, s.deps.State, name, p.User)
				if err != nil {
					return err
				}
				if !role.Includes(a.role()) {
					if role == "" {
						return depc.Errorf(depc.EFORBIDDEN, "user %s has no role in team %s", p.User, name)
					}
					return depc.Errorf(depc.EFORBIDDEN, "user %s is %s of team %s; this needs %s", p.User, role, name, a.role())
				}
			}
			team, err := s.auth.team(ctx, s.deps.State, name)
			if err != nil {
				return err
			}
			c.Set(ctxTeam, team)
			c.Set(ctxRole, role)
			return next(c)
		}
	}
}

func caller(c echo.Context) principal {
	p, _ := c.Get(ctxPrincipal).(principal)
	return p
}

func teamOf(c echo.Context) depc.Team {
	t, _ := c.Get(ctxTeam).(depc.Team)
	return t
}
