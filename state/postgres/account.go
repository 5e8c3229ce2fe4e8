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
		tag, err := tx.Exec(ctx, `INSERT INTO account (name, admin, token_hash, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO NOTHING`, name, admin, h[:], u.CreatedAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return depc.Errorf(depc.ECONFLICT, "user %q already exists", name)
		}
		return nil
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

// DeleteUser removes a user with its token and grants.
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

// RotateToken gives a user a new token.
func (s *Store) RotateToken(ctx context.Context, name string) (string, error) {
	token := depc.NewToken()
	h := depc.HashToken(token)
	err := s.write(ctx, "rotate token", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE account SET token_hash = $1 WHERE name = $2`, h[:], name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFoundUser(name)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// UserByToken returns the user whose token hashes to h.
func (s *Store) UserByToken(ctx context.Context, h depc.TokenHash) (depc.User, error) {
	var u depc.User
	ok, err := s.queryRow(ctx, "user by token", `SELECT name, admin, created_at FROM account WHERE token_hash = $1`,
		[]any{h[:]}, &u.Name, &u.Admin, &u.CreatedAt)
	if err != nil {
		return depc.User{}, err
	}
	if !ok {
		return depc.User{}, depc.Errorf(depc.ENOTFOUND, "no user has this token")
	}
	return u, nil
}

const adminTokenKey = "admin_token_hash"

// SetAdminTokenHash sets the hash of the admin token.
func (s *Store) SetAdminTokenHash(ctx context.Context, h depc.TokenHash) error {
	return s.write(ctx, "set admin token", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO setting (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, adminTokenKey, h[:])
		return err
	})
}

// AdminTokenHash returns the hash of the admin token.
func (s *Store) AdminTokenHash(ctx context.Context) (depc.TokenHash, error) {
	var b []byte
	ok, err := s.queryRow(ctx, "admin token", `SELECT value FROM setting WHERE key = $1`, []any{adminTokenKey}, &b)
	if err != nil {
		return depc.TokenHash{}, err
	}
	if !ok {
		return depc.TokenHash{}, depc.Errorf(depc.ENOTFOUND, "no admin token is set")
	}
	var h depc.TokenHash
	if len(b) != len(h) {
		return depc.TokenHash{}, depc.Errorf(depc.EINTERNAL, "admin token hash: stored value has %d bytes", len(b))
	}
	copy(h[:], b)
	return h, nil
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
