package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// Users and their tokens: an admin manages every user's (/users/{user}/…),
// each user their own (/me/tokens/…). A token is shown once, when it is
// created or rotated; lists show its name and dates only.

// tokenJSON is a token as the API shows it: expires_at is null for a token
// that does not expire.
type tokenJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	CreatedAt int64  `json:"created_at"`
	ExpiresAt *int64 `json:"expires_at"`
	// Expired says whether the token has stopped working.
	Expired bool `json:"expired"`
	// Token is the secret, in the answers of create and rotate only.
	Token string `json:"token,omitempty"`
}

func (s *Server) tokenJSON(t depc.Token, secret string) tokenJSON {
	out := tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, Token: secret}
	if t.ExpiresAt != 0 {
		exp := t.ExpiresAt
		out.ExpiresAt = &exp
		out.Expired = exp <= s.now().Unix()
	}
	return out
}

type createTokenRequest struct {
	Name      string `json:"name"`
	ExpiresAt *int64 `json:"expires_at"`
}

// rotateTokenRequest is the optional body of a rotation. ExpiresAt is raw
// to tell an absent expires_at (keep the lifetime) from null (never).
type rotateTokenRequest struct {
	ExpiresAt json.RawMessage `json:"expires_at"`
}

// expiry checks an expires_at of a request: absent or null is "never"
// (0), otherwise a time in the future, in Unix seconds.
func (s *Server) expiry(at *int64) (int64, error) {
	if at == nil {
		return 0, nil
	}
	if *at <= s.now().Unix() {
		return 0, depc.Errorf(depc.EINVALID, "expires_at: must be in the future (Unix seconds), or null for a token that does not expire")
	}
	return *at, nil
}

// userParam returns the user of the path, which must exist.
func (s *Server) userParam(c echo.Context) (depc.User, error) {
	name, err := pathParam(c, "user")
	if err != nil {
		return depc.User{}, err
	}
	if err := depc.CheckUser("user", name); err != nil {
		return depc.User{}, err
	}
	return s.deps.State.User(c.Request().Context(), name)
}

// tokenParam returns the token id of the path.
func tokenParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("token"), 10, 64)
	if err != nil || id < 1 {
		return 0, depc.Errorf(depc.EINVALID, "token: must be a token id, not %q", c.Param("token"))
	}
	return id, nil
}

// me returns the user the caller is, for /me/tokens: the admin token is
// no user's and has no tokens.
func (s *Server) meUser(c echo.Context) (string, error) {
	p := caller(c)
	if p.AdminToken {
		return "", depc.Errorf(depc.EINVALID, "the admin token belongs to no user and has no tokens; replace it with `depc admin-token` or DEPC_ADMIN_TOKEN")
	}
	return p.User, nil
}

type userResponse struct {
	depc.User
	Grants []depc.Grant `json:"grants"`
	Tokens []tokenJSON  `json:"tokens"`
}

func (s *Server) getUser(c echo.Context) error {
	u, err := s.userParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	grants, err := s.deps.State.UserGrants(ctx, u.Name)
	if err != nil {
		return err
	}
	tokens, err := s.deps.State.Tokens(ctx, u.Name)
	if err != nil {
		return err
	}
	out := userResponse{User: u, Grants: nonNil(grants), Tokens: make([]tokenJSON, len(tokens))}
	for i, t := range tokens {
		out.Tokens[i] = s.tokenJSON(t, "")
	}
	return c.JSON(http.StatusOK, out)
}

// deleteUser removes a user with its tokens and grants: they stop working
// at once.
func (s *Server) deleteUser(c echo.Context) error {
	u, err := s.userParam(c)
	if err != nil {
		return err
	}
	err = s.deps.State.DeleteUser(c.Request().Context(), u.Name)
	s.auth.clear()
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listTokens(c echo.Context, user string) error {
	tokens, err := s.deps.State.Tokens(c.Request().Context(), user)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, len(tokens))
	for i, t := range tokens {
		out[i] = s.tokenJSON(t, "")
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) createToken(c echo.Context, user string) error {
	var req createTokenRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	if err := depc.CheckTokenName("name", req.Name); err != nil {
		return err
	}
	exp, err := s.expiry(req.ExpiresAt)
	if err != nil {
		return err
	}
	t, secret, err := s.deps.State.CreateToken(c.Request().Context(), user, req.Name, exp)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.tokenJSON(t, secret))
}

// rotateToken gives a token a new secret; the old one stops working at
// once. Without expires_at, a token that expired keeps its lifetime from
// now on (it was valid for 30 days: 30 days again), and one that did not
// still does not.
func (s *Server) rotateToken(c echo.Context, user string) error {
	id, err := tokenParam(c)
	if err != nil {
		return err
	}
	var req rotateTokenRequest
	if b, err := readBody(c, s.cfg.BodyLimit); err != nil {
		return err
	} else if len(b) > 0 {
		if err := decodeStrict(b, &req); err != nil {
			return err
		}
	}
	var at *int64
	if len(req.ExpiresAt) > 0 {
		if err := json.Unmarshal(req.ExpiresAt, &at); err != nil {
			return depc.Errorf(depc.EINVALID, "expires_at: must be Unix seconds, or null for a token that does not expire")
		}
	}
	exp, err := s.expiry(at)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if len(req.ExpiresAt) == 0 {
		tokens, err := s.deps.State.Tokens(ctx, user)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			if t.ID == id && t.ExpiresAt != 0 {
				exp = s.now().Unix() + max(t.ExpiresAt-t.CreatedAt, 1)
			}
		}
	}
	t, secret, err := s.deps.State.RenewToken(ctx, user, id, exp)
	s.auth.clear()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.tokenJSON(t, secret))
}

func (s *Server) deleteToken(c echo.Context, user string) error {
	id, err := tokenParam(c)
	if err != nil {
		return err
	}
	err = s.deps.State.DeleteToken(c.Request().Context(), user, id)
	s.auth.clear()
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// The routes: the same handlers for a user named in the path (admin) and
// for the caller (/me).

func userTokens(fn func(*Server, echo.Context, string) error) func(*Server, echo.Context) error {
	return func(s *Server, c echo.Context) error {
		u, err := s.userParam(c)
		if err != nil {
			return err
		}
		return fn(s, c, u.Name)
	}
}

func myTokens(fn func(*Server, echo.Context, string) error) func(*Server, echo.Context) error {
	return func(s *Server, c echo.Context) error {
		user, err := s.meUser(c)
		if err != nil {
			return err
		}
		return fn(s, c, user)
	}
}
