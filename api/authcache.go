package api

import (
	"context"
	"sync"
	"time"

	"github.com/depc-dev/depc"
)

// DefaultAuthCacheTTL is how long the API keeps an authentication or role
// decision by default.
const DefaultAuthCacheTTL = 2 * time.Second

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
	admin  cached[*depc.TokenHash] // nil value: no admin token is set
	tokens map[depc.TokenHash]cached[principal]
	roles  map[[2]string]cached[depc.Role] // (team, user)
	teams  map[string]cached[depc.Team]
}

type cached[T any] struct {
	v       T
	expires time.Time
}

func newAuthCache(ttl time.Duration, now func() time.Time) *authCache {
	c := &authCache{ttl: ttl, now: now}
	c.clear()
	return c
}

// clear forgets everything.
func (c *authCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.admin = cached[*depc.TokenHash]{}
	c.tokens = map[depc.TokenHash]cached[principal]{}
	c.roles = map[[2]string]cached[depc.Role]{}
	c.teams = map[string]cached[depc.Team]{}
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

// adminHash returns the admin token's hash, nil when none is set.
func (c *authCache) adminHash(ctx context.Context, st depc.AccountStore) (*depc.TokenHash, error) {
	if c.ttl > 0 {
		c.mu.Lock()
		a := c.admin
		c.mu.Unlock()
		if c.now().Before(a.expires) {
			return a.v, nil
		}
	}
	h, err := st.AdminTokenHash(ctx)
	var v *depc.TokenHash
	switch {
	case err == nil:
		v = &h
	case depc.ErrorCode(err) != depc.ENOTFOUND:
		return nil, err
	}
	if c.ttl > 0 {
		c.mu.Lock()
		c.admin = cached[*depc.TokenHash]{v: v, expires: c.now().Add(c.ttl)}
		c.mu.Unlock()
	}
	return v, nil
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
