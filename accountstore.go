package depc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
)

// Role is what a user may do in one team. Roles are ordered: each one
// includes the rights of those before it.
type Role string

const (
	// RoleViewer reads everything of the team.
	RoleViewer Role = "viewer"
	// RoleEditor also sends graph messages and edits checks, rules, the
	// config and runs.
	RoleEditor Role = "editor"
	// RoleManager also edits sources and grants, and deletes.
	RoleManager Role = "manager"
)

func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleEditor:
		return 2
	case RoleManager:
		return 3
	}
	return 0
}

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// Includes reports whether r grants at least the rights of want. An invalid
// role (including "", no grant) includes nothing.
func (r Role) Includes(want Role) bool { return r.Valid() && want.Valid() && r.rank() >= want.rank() }

// User is a person or a program that calls the API with a token.
type User struct {
	Name string `json:"name"`
	// Admin users may do everything, in every team, including managing
	// teams and users.
	Admin bool `json:"admin"`
	// CreatedAt is when the user was created, in Unix seconds.
	CreatedAt int64 `json:"created_at"`
}

// UserPattern is the pattern of user names.
var UserPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.@-]{0,127}$`)

// ValidUser reports whether s is a valid user name.
func ValidUser(s string) bool { return UserPattern.MatchString(s) }

// CheckUser answers EINVALID naming field when s is not a user name.
func CheckUser(field, s string) error {
	if !ValidUser(s) {
		return Errorf(EINVALID, "%s: %q must match %s", field, s, UserPattern)
	}
	return nil
}

// Grant gives a user a role in a team.
type Grant struct {
	Team string `json:"team,omitempty"`
	User string `json:"user"`
	Role Role   `json:"role"`
}

// TokenHash is the SHA-256 of an API token. Stores keep only hashes: a
// token is shown once, when it is created, and can never be read back.
type TokenHash [sha256.Size]byte

// String returns the hash in hex.
func (h TokenHash) String() string { return hex.EncodeToString(h[:]) }

// TokenPrefix starts every token depc creates, so that secret scanners and
// people can recognise one.
const TokenPrefix = "depc_"

// NewToken returns a new random API token holding 256 bits from
// crypto/rand. A hash of a random token this long needs no salt or slow
// hash function: it cannot be guessed, so its SHA-256 is enough to look it
// up without keeping it.
func NewToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken returns the hash under which a token is stored and looked up.
func HashToken(token string) TokenHash { return sha256.Sum256([]byte(token)) }

// Token is one API token of a user, as listed: its secret is shown once,
// when it is created or renewed, and only its hash is stored.
type Token struct {
	// ID names the token among every user's, for renewal and revocation.
	ID int64 `json:"id"`
	// Name says what the token is for, unique among the user's tokens.
	Name string `json:"name"`
	// CreatedAt is when the token was created or last renewed, in Unix
	// seconds.
	CreatedAt int64 `json:"created_at"`
	// ExpiresAt is when the token stops working, in Unix seconds; 0:
	// never.
	ExpiresAt int64 `json:"expires_at"`
}

// DefaultTokenName names the token a user gets when it is created.
const DefaultTokenName = "default"

// CheckTokenName answers EINVALID naming field when s cannot name a token
// (the rule of resource names).
func CheckTokenName(field, s string) error {
	if !ValidResourceName(s) {
		return Errorf(EINVALID, "%s: %q must be 1 to %d bytes without control characters or surrounding spaces", field, s, MaxResourceNameLen)
	}
	return nil
}

// AccountStore keeps who may call the API: users and their tokens (as
// hashes), the admin token's hash, and the users' roles in teams.
//
// The conventions of StateStore hold for every method.
type AccountStore interface {
	// CreateUser creates a user with one token, named DefaultTokenName and
	// not expiring (NewToken), and returns the token: the only time it is
	// ever shown. Only its hash is stored. EINVALID for a bad name
	// (UserPattern), ECONFLICT if taken.
	CreateUser(ctx context.Context, name string, admin bool) (u User, token string, err error)
	// User returns one user. ENOTFOUND if absent.
	User(ctx context.Context, name string) (User, error)
	// Users returns every user, sorted by name.
	Users(ctx context.Context) ([]User, error)
	// DeleteUser removes a user, its tokens and its grants. ENOTFOUND if
	// absent.
	DeleteUser(ctx context.Context, name string) error
	// RotateToken replaces every token of a user by one new token, named
	// DefaultTokenName and not expiring, returned once; the old tokens
	// stop working at once. ENOTFOUND if the user is absent.
	RotateToken(ctx context.Context, name string) (token string, err error)
	// UserByToken returns the user whose token hashes to h
	// (HashToken). ENOTFOUND when no user has it, when it has expired (by
	// the store's clock), and for the admin token: check AdminTokenHash
	// for that.
	UserByToken(ctx context.Context, h TokenHash) (User, error)

	// CreateToken gives a user one more token (NewToken), named name
	// (CheckTokenName; unique among the user's tokens) and expiring at
	// expiresAt (Unix seconds; 0: never), and returns it with the token:
	// the only time it is shown. ENOTFOUND for an unknown user, EINVALID
	// for a bad name or a negative expiresAt, ECONFLICT for a name taken.
	CreateToken(ctx context.Context, user, name string, expiresAt int64) (Token, string, error)
	// Tokens returns a user's tokens, expired ones included, sorted by
	// ID. ENOTFOUND for an unknown user.
	Tokens(ctx context.Context, user string) ([]Token, error)
	// RenewToken gives a user's token a new secret (NewToken) and the
	// expiry expiresAt (0: never), keeping its ID and name, and returns it
	// with the new secret; the old one stops working at once. ENOTFOUND
	// for an unknown user, or a token that is not the user's.
	RenewToken(ctx context.Context, user string, id int64, expiresAt int64) (Token, string, error)
	// DeleteToken revokes a user's token: it stops working at once.
	// ENOTFOUND for an unknown user, or a token that is not the user's.
	DeleteToken(ctx context.Context, user string, id int64) error

	// SetAdminTokenHash sets the hash of the admin token (passhash.Hash of
	// the token: an opaque string to the store), replacing any previous
	// one.
	SetAdminTokenHash(ctx context.Context, hash string) error
	// AdminTokenHash returns the hash of the admin token. ENOTFOUND when
	// none was set. A hash from before the stores kept it as a string is
	// returned as passhash.LegacySHA256 followed by its hex.
	AdminTokenHash(ctx context.Context) (string, error)

	// SetGrant gives the user the role in the team, replacing any previous
	// role, and returns the grant. ENOTFOUND for an unknown team or user,
	// EINVALID for an invalid role.
	SetGrant(ctx context.Context, team, user string, role Role) (Grant, error)
	// DeleteGrant removes the user's role in the team. ENOTFOUND for an
	// unknown team or user, or when the user has no role there.
	DeleteGrant(ctx context.Context, team, user string) error
	// Grants returns the grants of a team, sorted by user.
	Grants(ctx context.Context, team string) ([]Grant, error)
	// UserGrants returns the grants of a user in every team, sorted by
	// team. ENOTFOUND for an unknown user.
	UserGrants(ctx context.Context, user string) ([]Grant, error)
	// Role returns the user's role in the team, "" when it has none.
	// ENOTFOUND for an unknown team or user. The admin flag is not a role:
	// callers check User.Admin first.
	Role(ctx context.Context, team, user string) (Role, error)
}
