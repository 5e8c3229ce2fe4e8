package postgres

import (
	"context"
	"errors"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

func notFoundUser(name string) error { return depc.Errorf(depc.ENOTFOUND, "user %q not found", name) }

// CreateUser creates a user and returns its token, the only time it is
// shown; the database keeps its SHA-256 only.
func (s *Store) CreateUser(ctx context.Context, name string, admin bool) (depc.User, string, error) {
	if err := depc.CheckUser("name", name); err != nil {
		return depc.User{}, "", err
	}
	u := depc.User{Name: name, Admin: admin, CreatedAt: s.unix()}
	token := depc.NewToken()
	h := depc.HashToken(token)
	err := s.write(ctx, "create user", func(tx pgx.Tx) error {
		var uid int64
		err := tx.QueryRow(ctx, `INSERT INTO account (name, admin, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING RETURNING id`, name, admin, u.CreatedAt).Scan(&uid)
		if errors.Is(err, pgx.ErrNoRows) {
			return depc.Errorf(depc.ECONFLICT, "user %q already exists", name)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO api_token (account_id, name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, 0)`,
			uid, depc.DefaultTokenName, h[:], u.CreatedAt)
		return err
	})
	if err != nil {
		return depc.User{}, "", err
	}
	return u, token, nil
}

// User returns one user.
func (s *Store) User(ctx context.Context, name string) (depc.User, error) {
	u := depc.User{Name: name}
	ok, err := s.queryRow(ctx, "user", `SELECT admin, created_at FROM account WHERE name = $1`, []any{name}, &u.Admin, &u.CreatedAt)
	if err != nil {
		return depc.User{}, err
	}
	if !ok {
		return depc.User{}, notFoundUser(name)
	}
	return u, nil
}

// Users returns every user, sorted by name.
func (s *Store) Users(ctx context.Context) ([]depc.User, error) {
	return list(ctx, s, "users", `SELECT name, admin, created_at FROM account ORDER BY name`, nil,
		func(r pgx.CollectableRow) (depc.User, error) {
			var u depc.User
			return u, r.Scan(&u.Name, &u.Admin, &u.CreatedAt)
		})
}

// DeleteUser removes a user with its tokens and grants.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.write(ctx, "delete user", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM account WHERE name = $1`, name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFoundUser(name)
		}
		return nil
	})
}

// accountID returns a user's id, ENOTFOUND naming it when absent; the row
// is locked, so that a token is not added to a user being deleted.
func accountID(ctx context.Context, tx pgx.Tx, user string) (int64, error) {
	var uid int64
	err := tx.QueryRow(ctx, `SELECT id FROM account WHERE name = $1 FOR UPDATE`, user).Scan(&uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, notFoundUser(user)
	}
	return uid, err
}

// RotateToken replaces a user's tokens by one new token.
func (s *Store) RotateToken(ctx context.Context, name string) (string, error) {
	token := depc.NewToken()
	h := depc.HashToken(token)
	err := s.write(ctx, "rotate token", func(tx pgx.Tx) error {
		uid, err := accountID(ctx, tx, name)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM api_token WHERE account_id = $1`, uid); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO api_token (account_id, name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, 0)`,
			uid, depc.DefaultTokenName, h[:], s.unix())
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// UserByToken returns the user whose unexpired token hashes to h.
func (s *Store) UserByToken(ctx context.Context, h depc.TokenHash) (depc.User, error) {
	var u depc.User
	ok, err := s.queryRow(ctx, "user by token", `SELECT a.name, a.admin, a.created_at FROM api_token t JOIN account a ON a.id = t.account_id
		WHERE t.hash = $1 AND (t.expires_at = 0 OR t.expires_at > $2)`,
		[]any{h[:], s.unix()}, &u.Name, &u.Admin, &u.CreatedAt)
	if err != nil {
		return depc.User{}, err
	}
	if !ok {
		return depc.User{}, depc.Errorf(depc.ENOTFOUND, "no user has this token, or it expired")
	}
	return u, nil
}

// CreateToken gives a user one more token.
func (s *Store) CreateToken(ctx context.Context, user, name string, expiresAt int64) (depc.Token, string, error) {
	if err := depc.CheckTokenName("name", name); err != nil {
		return depc.Token{}, "", err
	}
	if expiresAt < 0 {
		return depc.Token{}, "", depc.Errorf(depc.EINVALID, "expires_at: must not be negative")
	}
	token := depc.NewToken()
	h := depc.HashToken(token)
	t := depc.Token{Name: name, CreatedAt: s.unix(), ExpiresAt: expiresAt}
	err := s.write(ctx, "create token", func(tx pgx.Tx) error {
		uid, err := accountID(ctx, tx, user)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO api_token (account_id, name, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (account_id, name) DO NOTHING RETURNING id`, uid, name, h[:], t.CreatedAt, expiresAt).Scan(&t.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return depc.Errorf(depc.ECONFLICT, "user %q already has a token named %q", user, name)
		}
		return err
	})
	if err != nil {
		return depc.Token{}, "", err
	}
	return t, token, nil
}

// Tokens returns a user's tokens, sorted by id.
func (s *Store) Tokens(ctx context.Context, user string) ([]depc.Token, error) {
	ts, err := list(ctx, s, "tokens", `SELECT id, name, created_at, expires_at FROM api_token
		WHERE account_id = (SELECT id FROM account WHERE name = $1) ORDER BY id`, []any{user},
		func(r pgx.CollectableRow) (depc.Token, error) {
			var t depc.Token
			return t, r.Scan(&t.ID, &t.Name, &t.CreatedAt, &t.ExpiresAt)
		})
	if err == nil && ts == nil {
		if _, err = s.User(ctx, user); err != nil {
			return nil, err
		}
	}
	return ts, err
}

func notFoundToken(user string, id int64) error {
	return depc.Errorf(depc.ENOTFOUND, "user %q has no token %d", user, id)
}

// RenewToken gives a user's token a new secret and expiry.
func (s *Store) RenewToken(ctx context.Context, user string, id int64, expiresAt int64) (depc.Token, string, error) {
	if expiresAt < 0 {
		return depc.Token{}, "", depc.Errorf(depc.EINVALID, "expires_at: must not be negative")
	}
	token := depc.NewToken()
	h := depc.HashToken(token)
	t := depc.Token{ID: id, CreatedAt: s.unix(), ExpiresAt: expiresAt}
	err := s.write(ctx, "renew token", func(tx pgx.Tx) error {
		uid, err := accountID(ctx, tx, user)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `UPDATE api_token SET hash = $1, created_at = $2, expires_at = $3 WHERE id = $4 AND account_id = $5 RETURNING name`,
			h[:], t.CreatedAt, expiresAt, id, uid).Scan(&t.Name)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFoundToken(user, id)
		}
		return err
	})
	if err != nil {
		return depc.Token{}, "", err
	}
	return t, token, nil
}

// DeleteToken revokes a user's token.
func (s *Store) DeleteToken(ctx context.Context, user string, id int64) error {
	return s.write(ctx, "delete token", func(tx pgx.Tx) error {
		uid, err := accountID(ctx, tx, user)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM api_token WHERE id = $1 AND account_id = $2`, id, uid)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFoundToken(user, id)
		}
		return nil
	})
}

const adminTokenKey = "admin_token"

// SetAdminTokenHash sets the hash of the admin token.
func (s *Store) SetAdminTokenHash(ctx context.Context, hash string) error {
	if hash == "" {
		return depc.Errorf(depc.EINVALID, "admin token hash: must not be empty")
	}
	return s.write(ctx, "set admin token", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO setting (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, adminTokenKey, []byte(hash))
		return err
	})
}

// AdminTokenHash returns the hash of the admin token.
func (s *Store) AdminTokenHash(ctx context.Context) (string, error) {
	var b []byte
	ok, err := s.queryRow(ctx, "admin token", `SELECT value FROM setting WHERE key = $1`, []any{adminTokenKey}, &b)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", depc.Errorf(depc.ENOTFOUND, "no admin token is set")
	}
	return string(b), nil
}

// teamAndUser returns the ids of a team and a user, ENOTFOUND naming the
// first that does not exist; the team's row is locked as given.
func teamAndUser(ctx context.Context, tx pgx.Tx, team, user, lock string) (tid, uid int64, err error) {
	if tid, err = teamID(ctx, tx, team, lock); err != nil {
		return 0, 0, err
	}
	err = tx.QueryRow(ctx, `SELECT id FROM account WHERE name = $1`, user).Scan(&uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, notFoundUser(user)
	}
	return tid, uid, err
}

// SetGrant gives a user a role in a team.
func (s *Store) SetGrant(ctx context.Context, team, user string, role depc.Role) (depc.Grant, error) {
	err := s.write(ctx, "set grant", func(tx pgx.Tx) error {
		tid, uid, err := teamAndUser(ctx, tx, team, user, lockTeamWrite)
		if err != nil {
			return err
		}
		if !role.Valid() {
			return depc.Errorf(depc.EINVALID, "role: %q must be viewer, editor or manager", role)
		}
		_, err = tx.Exec(ctx, `INSERT INTO team_grant (team_id, user_id, role) VALUES ($1, $2, $3)
			ON CONFLICT (team_id, user_id) DO UPDATE SET role = excluded.role`, tid, uid, string(role))
		return err
	})
	if err != nil {
		return depc.Grant{}, err
	}
	return depc.Grant{Team: team, User: user, Role: role}, nil
}

// DeleteGrant removes a user's role in a team.
func (s *Store) DeleteGrant(ctx context.Context, team, user string) error {
	return s.write(ctx, "delete grant", func(tx pgx.Tx) error {
		tid, uid, err := teamAndUser(ctx, tx, team, user, lockTeamWrite)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM team_grant WHERE team_id = $1 AND user_id = $2`, tid, uid)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return depc.Errorf(depc.ENOTFOUND, "user %q has no role in team %q", user, team)
		}
		return nil
	})
}

// Grants returns a team's grants, sorted by user.
func (s *Store) Grants(ctx context.Context, team string) ([]depc.Grant, error) {
	return teamList(ctx, s, "grants", team, `SELECT a.name, g.role FROM team_grant g JOIN account a ON a.id = g.user_id
		WHERE g.team_id = (SELECT id FROM team WHERE name = $1) ORDER BY a.name`, []any{team},
		func(r pgx.CollectableRow) (depc.Grant, error) {
			g := depc.Grant{Team: team}
			return g, r.Scan(&g.User, &g.Role)
		})
}

// UserGrants returns a user's grants in every team, sorted by team.
func (s *Store) UserGrants(ctx context.Context, user string) ([]depc.Grant, error) {
	gs, err := list(ctx, s, "user grants", `SELECT t.name, g.role FROM team_grant g JOIN team t ON t.id = g.team_id
		WHERE g.user_id = (SELECT id FROM account WHERE name = $1) ORDER BY t.name`, []any{user},
		func(r pgx.CollectableRow) (depc.Grant, error) {
			g := depc.Grant{User: user}
			return g, r.Scan(&g.Team, &g.Role)
		})
	if err == nil && gs == nil {
		if _, err = s.User(ctx, user); err != nil {
			return nil, err
		}
	}
	return gs, err
}

// sqlRole finds the team, the user and the grant in one query: it runs on
// every API request.
const sqlRole = `SELECT
	(SELECT id FROM team WHERE name = $1),
	(SELECT id FROM account WHERE name = $2),
	(SELECT g.role FROM team_grant g JOIN team t ON t.id = g.team_id JOIN account a ON a.id = g.user_id
		WHERE t.name = $1 AND a.name = $2)`

// Role returns a user's role in a team, "" when it has none.
func (s *Store) Role(ctx context.Context, team, user string) (depc.Role, error) {
	var tid, uid *int64
	var role *string
	if _, err := s.queryRow(ctx, "role", sqlRole, []any{team, user}, &tid, &uid, &role); err != nil {
		return "", err
	}
	if tid == nil {
		return "", notFoundTeam(team)
	}
	if uid == nil {
		return "", notFoundUser(user)
	}
	if role == nil {
		return "", nil
	}
	return depc.Role(*role), nil
}
