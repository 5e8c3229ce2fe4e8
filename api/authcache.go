package api

import (
	"context"
	"crypto/subtle"
	"sync"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/passhash"
)

// DefaultAuthCacheTTL is how long the API keeps an authentication or role
// decision by default. Replicas sharing a state store refuse a grant
// revoked or a token deleted through another one within 2 s: a decision
// read just before the change is kept at most the TTL after its read, and
// the read takes well under the second left.
const DefaultAuthCacheTTL = time.Second

// maxAuthCacheEntries bounds each map of the cache; when one is full it is
// emptied (the next requests simply ask the store again).
const maxAuthCacheEntries = 10_000

// authCache keeps what the guard learns from the state store (the admin
// token's hash, who a token belongs to, a user's role in a team, a team)
// for a short time, so that a read does not cost four store queries before
// its own: they were a third of the CPU of a cheap read.
//
// Changes made through this server (grants) clear the cache at once.
// Changes made by another process sharing the store (another `depc api`,
// a token rotated elsewhere) take effect within the TTL. Unknown tokens are
// never cached, so a token created a moment ago works at once.
type authCache struct {
	ttl time.Duration
	now func() time.Time

	mu     sync.Mutex
	admin  cached[string] // the admin token's hash; "": none is set
	tokens map[depc.TokenHash]cached[principal]
	// verified is the SHA-256 of the token that last matched the admin
	// token's hash, and that hash: the slow hash runs once per admin
	// token, not once per request.
	verified struct {
		token depc.TokenHash
		hash  string
	}
	// notAdmin are tokens (by SHA-256) known not to match the admin
	// token's hash of the key: a token sent again (a client with a wrong
	// token retrying) costs no second slow hash. Exact, so never stale:
	// the same token and hash always give the same answer.
	notAdmin map[notAdminKey]struct{}
	// slow lets one slow hash run at a time: unknown tokens each cost one,
	// and must not take every core.
	slow  chan struct{}
	roles map[[2]string]cached[depc.Role] // (team, user)
	teams map[string]cached[depc.Team]
	// names are users by name, as a trusted proxy names them (ProxyAuth).
	names map[string]cached[principal]
}

type notAdminKey struct {
	token depc.TokenHash
	hash  string
}

type cached[T any] struct {
	v       T
	expires time.Time
}

func newAuthCache(ttl time.Duration, now func() time.Time) *authCache {
	c := &authCache{ttl: ttl, now: now, slow: make(chan struct{}, 1)}
	c.clear()
	return c
}

// clear forgets everything.
func (c *authCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.admin = cached[string]{}
	c.tokens = map[depc.TokenHash]cached[principal]{}
	c.roles = map[[2]string]cached[depc.Role]{}
	c.teams = map[string]cached[depc.Team]{}
	c.names = map[string]cached[principal]{}
	c.notAdmin = map[notAdminKey]struct{}{}
}

func lookup[K comparable, V any](c *authCache, m map[K]cached[V], k K) (V, bool) {
	if c.ttl <= 0 {
		var zero V
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := m[k]
	if !ok || !c.now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func store[K comparable, V any](c *authCache, m map[K]cached[V], k K, v V) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(m) >= maxAuthCacheEntries {
		clear(m)
	}
	m[k] = cached[V]{v: v, expires: c.now().Add(c.ttl)}
}

// adminHash returns the admin token's hash, "" when none is set.
func (c *authCache) adminHash(ctx context.Context, st depc.AccountStore) (string, error) {
	if c.ttl > 0 {
		c.mu.Lock()
		a := c.admin
		c.mu.Unlock()
		if c.now().Before(a.expires) {
			return a.v, nil
		}
	}
	h, err := st.AdminTokenHash(ctx)
	if err != nil && depc.ErrorCode(err) != depc.ENOTFOUND {
		return "", err
	}
	if c.ttl > 0 {
		c.mu.Lock()
		c.admin = cached[string]{v: h, expires: c.now().Add(c.ttl)}
		c.mu.Unlock()
	}
	return h, nil
}

// knownAdmin reports whether a token (whose SHA-256 is sum) already
// matched hash, the admin token's hash: the fast path of every request
// with the admin token after the first.
func (c *authCache) knownAdmin(hash string, sum depc.TokenHash) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return hash != "" && c.verified.hash == hash && subtle.ConstantTimeCompare(c.verified.token[:], sum[:]) == 1
}

// isAdmin reports whether a token (whose SHA-256 is sum) is the admin
// token, whose hash is hash (passhash). A match is remembered for as long
// as the hash stays the same; a hash to be replaced (the old SHA-256, or
// weaker parameters) is replaced in the store.
func (c *authCache) isAdmin(ctx context.Context, st depc.AccountStore, hash, token string, sum depc.TokenHash) (bool, error) {
	if c.knownAdmin(hash, sum) {
		return true, nil
	}
	key := notAdminKey{sum, hash}
	c.mu.Lock()
	_, refused := c.notAdmin[key]
	c.mu.Unlock()
	if refused {
		return false, nil
	}
	select {
	case c.slow <- struct{}{}:
	case <-ctx.Done():
		return false, depc.WrapError(depc.EUNAVAILABLE, ctx.Err(), "checking the token")
	}
	ok, rehash, err := passhash.Verify(hash, token)
	<-c.slow
	if err != nil {
		return false, depc.WrapError(depc.EINTERNAL, err, "the stored admin token hash")
	}
	if !ok {
		c.mu.Lock()
		if len(c.notAdmin) >= maxAuthCacheEntries {
			clear(c.notAdmin)
		}
		c.notAdmin[key] = struct{}{}
		c.mu.Unlock()
		return false, nil
	}
	if rehash {
		newHash := passhash.Hash(token)
		if err := st.SetAdminTokenHash(ctx, newHash); err != nil {
			return false, err
		}
		hash = newHash
		c.mu.Lock()
		c.admin = cached[string]{}
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.verified.token, c.verified.hash = sum, hash
	c.mu.Unlock()
	return true, nil
}

// user returns the user whose token hashes to h; ENOTFOUND when none has
// it (not cached).
func (c *authCache) user(ctx context.Context, st depc.AccountStore, h depc.TokenHash) (principal, error) {
	if p, ok := lookup(c, c.tokens, h); ok {
		return p, nil
	}
	u, err := st.UserByToken(ctx, h)
	if err != nil {
		return principal{}, err
	}
	p := principal{User: u.Name, Admin: u.Admin}
	store(c, c.tokens, h, p)
	return p, nil
}

// role returns the user's role in the team ("" for none, or an unknown
// team).
func (c *authCache) role(ctx context.Context, st depc.AccountStore, team, user string) (depc.Role, error) {
	k := [2]string{team, user}
	if r, ok := lookup(c, c.roles, k); ok {
		return r, nil
	}
	r, err := st.Role(ctx, team, user)
	if code := depc.ErrorCode(err); code == depc.ENOTFOUND || code == depc.EINVALID {
		// Not cached: the team may be created in a moment.
		return "", nil
	}
	if err != nil {
		return "", err
	}
	store(c, c.roles, k, r)
	return r, nil
}

// team returns a team; ENOTFOUND for an unknown one (not cached).
func (c *authCache) team(ctx context.Context, st depc.TeamStore, name string) (depc.Team, error) {
	if t, ok := lookup(c, c.teams, name); ok {
		return t, nil
	}
	t, err := st.Team(ctx, name)
	if err != nil {
		return depc.Team{}, err
	}
	store(c, c.teams, name, t)
	return t, nil
}
