package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/depc-dev/depc"
)

func notFoundUser(name string) error { return depc.Errorf(depc.ENOTFOUND, "user %q not found", name) }

func userID(ctx context.Context, q querier, name string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM account WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFoundUser(name)
	}
	return id, err
}

// CreateUser creates a user and returns its token, the only time it is
// shown; the database keeps its SHA-256 only.
func (s *Store) CreateUser(ctx context.Context, name string, admin bool) (depc.User, string, error) {
	if err := depc.CheckUser("name", name); err != nil {
		return depc.User{}, "", err
	}
	u := depc.User{Name: name, Admin: admin, CreatedAt: s.unix()}
	token := depc.NewToken()
	h := depc.HashToken(token)
	err := s.write(ctx, "create user", func(tx *sql.Tx) error {
		if _, err := userID(ctx, tx, name); err == nil {
			return depc.Errorf(depc.ECONFLICT, "user %q already exists", name)
		} else if depc.ErrorCode(err) != depc.ENOTFOUND {
			return err
		}
		// token_hash is unused since schema 2 (api_token holds the
		// tokens); it is UNIQUE and NOT NULL, hence random bytes.
		res, err := tx.ExecContext(ctx, `INSERT INTO account (name, admin, token_hash, created_at) VALUES (?, ?, randomblob(32), ?)`,
			name, boolInt(admin), u.CreatedAt)
		if err != nil {
			return err
		}
		uid, err := res.LastInsertId()
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO api_token (account_id, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, 0)`,
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
	err := s.r.QueryRowContext(ctx, `SELECT admin, created_at FROM account WHERE name = ?`, name).Scan(&u.Admin, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return depc.User{}, notFoundUser(name)
	}
	if err != nil {
		return depc.User{}, storeError(err, "user")
	}
	return u, nil
}

// Users returns every user, sorted by name.
func (s *Store) Users(ctx context.Context) ([]depc.User, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, admin, created_at FROM account ORDER BY name`)
	if err != nil {
		return nil, storeError(err, "users")
	}
	defer rows.Close()
	var us []depc.User
	for rows.Next() {
		var u depc.User
		if err := rows.Scan(&u.Name, &u.Admin, &u.CreatedAt); err != nil {
			return nil, storeError(err, "users")
		}
		us = append(us, u)
	}
	return us, storeError(rows.Err(), "users")
}

// DeleteUser removes a user with its tokens and grants.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.write(ctx, "delete user", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM account WHERE name = ?`, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFoundUser(name)
		}
		return nil
	})
}

// RotateToken replaces a user's tokens by one new token.
func (s *Store) RotateToken(ctx context.Context, name string) (string, error) {
	token := depc.NewToken()
	h := depc.HashToken(token)
	err := s.write(ctx, "rotate token", func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM api_token WHERE account_id = ?`, uid); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO api_token (account_id, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, 0)`,
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
	err := s.stmtUserToken.QueryRowContext(ctx, h[:], s.unix()).Scan(&u.Name, &u.Admin, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return depc.User{}, depc.Errorf(depc.ENOTFOUND, "no user has this token, or it expired")
	}
	if err != nil {
		return depc.User{}, storeError(err, "user by token")
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
	err := s.write(ctx, "create token", func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM api_token WHERE account_id = ? AND name = ?`, uid, name).Scan(&taken); err != nil {
			return err
		}
		if taken > 0 {
			return depc.Errorf(depc.ECONFLICT, "user %q already has a token named %q", user, name)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO api_token (account_id, name, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			uid, name, h[:], t.CreatedAt, expiresAt)
		if err != nil {
			return err
		}
		t.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return depc.Token{}, "", err
	}
	return t, token, nil
}

// Tokens returns a user's tokens, sorted by id.
func (s *Store) Tokens(ctx context.Context, user string) ([]depc.Token, error) {
	var ts []depc.Token
	err := s.read(ctx, "tokens", func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, name, created_at, expires_at FROM api_token WHERE account_id = ? ORDER BY id`, uid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t depc.Token
			if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &t.ExpiresAt); err != nil {
				return err
			}
			ts = append(ts, t)
		}
		return rows.Err()
	})
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
	err := s.write(ctx, "renew token", func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `UPDATE api_token SET hash = ?, created_at = ?, expires_at = ? WHERE id = ? AND account_id = ? RETURNING name`,
			h[:], t.CreatedAt, expiresAt, id, uid).Scan(&t.Name)
		if errors.Is(err, sql.ErrNoRows) {
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
	return s.write(ctx, "delete token", func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM api_token WHERE id = ? AND account_id = ?`, id, uid)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
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
	return s.write(ctx, "set admin token", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
			adminTokenKey, []byte(hash))
		return err
	})
}

// AdminTokenHash returns the hash of the admin token.
func (s *Store) AdminTokenHash(ctx context.Context) (string, error) {
	var b []byte
	err := s.r.QueryRowContext(ctx, `SELECT value FROM setting WHERE key = ?`, adminTokenKey).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return "", depc.Errorf(depc.ENOTFOUND, "no admin token is set")
	}
	if err != nil {
		return "", storeError(err, "admin token")
	}
	return string(b), nil
}

// SetGrant gives a user a role in a team.
func (s *Store) SetGrant(ctx context.Context, team, user string, role depc.Role) (depc.Grant, error) {
	err := s.write(ctx, "set grant", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		if !role.Valid() {
			return depc.Errorf(depc.EINVALID, "role: %q must be viewer, editor or manager", role)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO team_grant (team_id, user_id, role) VALUES (?, ?, ?)
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
	return s.write(ctx, "delete grant", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM team_grant WHERE team_id = ? AND user_id = ?`, tid, uid)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return depc.Errorf(depc.ENOTFOUND, "user %q has no role in team %q", user, team)
		}
		return nil
	})
}

// Grants returns a team's grants, sorted by user.
func (s *Store) Grants(ctx context.Context, team string) ([]depc.Grant, error) {
	var gs []depc.Grant
	err := s.read(ctx, "grants", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT a.name, g.role FROM team_grant g JOIN account a ON a.id = g.user_id
			WHERE g.team_id = ? ORDER BY a.name`, tid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			g := depc.Grant{Team: team}
			if err := rows.Scan(&g.User, &g.Role); err != nil {
				return err
			}
			gs = append(gs, g)
		}
		return rows.Err()
	})
	return gs, err
}

// UserGrants returns a user's grants in every team, sorted by team.
func (s *Store) UserGrants(ctx context.Context, user string) ([]depc.Grant, error) {
	var gs []depc.Grant
	err := s.read(ctx, "user grants", func(tx *sql.Tx) error {
		uid, err := userID(ctx, tx, user)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT t.name, g.role FROM team_grant g JOIN team t ON t.id = g.team_id
			WHERE g.user_id = ? ORDER BY t.name`, uid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			g := depc.Grant{User: user}
			if err := rows.Scan(&g.Team, &g.Role); err != nil {
				return err
			}
			gs = append(gs, g)
		}
		return rows.Err()
	})
	return gs, err
}

// sqlRole finds the team, the user and the grant in one query: it runs on
// every API request.
const sqlRole = `SELECT
	(SELECT id FROM team WHERE name = ?1),
	(SELECT id FROM account WHERE name = ?2),
	(SELECT g.role FROM team_grant g JOIN team t ON t.id = g.team_id JOIN account a ON a.id = g.user_id
		WHERE t.name = ?1 AND a.name = ?2)`

// Role returns a user's role in a team, "" when it has none.
func (s *Store) Role(ctx context.Context, team, user string) (depc.Role, error) {
	var tid, uid sql.NullInt64
	var role sql.NullString
	if err := s.stmtRole.QueryRowContext(ctx, team, user).Scan(&tid, &uid, &role); err != nil {
		return "", storeError(err, "role")
	}
	if !tid.Valid {
		return "", notFoundTeam(team)
	}
	if !uid.Valid {
		return "", notFoundUser(user)
	}
	return depc.Role(role.String), nil
}
