package embedded

import (
	"context"
	"database/sql"
	"sync"
)

// idCache remembers the ids of nodes Apply met recently, so that the nodes
// many relations point to (the filers and servers a thousand websites
// share) are not looked up again batch after batch: lookups were a sixth
// of Apply's CPU on bench-1m.
//
// It is safe because node ids only change by deletion: DeleteNode drops
// its entry, and a write by any other connection (another process on the
// same file) is seen through PRAGMA data_version, which then empties the
// cache. Entries are added only after their transaction committed. Its
// size is bounded by two generations of genSize entries: when the newer
// one fills, the older is dropped, and a hit in the older moves the entry
// to the newer, so nodes in steady use stay.
type idCache struct {
	mu       sync.Mutex
	cur, old map[nodeRef]int64
	version  int64 // data_version of the writer when the cache was last valid
	valid    bool
}

// nodeRef names a node inside the database: its label id and name.
type nodeRef struct {
	label int64
	name  string
}

const genSize = 1 << 17

func newIDCache() *idCache {
	return &idCache{cur: make(map[nodeRef]int64)}
}

// check empties the cache if another connection wrote to the database
// since the writer last looked. It runs inside the writer's transaction.
func (c *idCache) check(ctx context.Context, tx *sql.Tx) error {
	var v int64
	if err := tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || v != c.version {
		c.cur, c.old = make(map[nodeRef]int64), nil
		c.version, c.valid = v, true
	}
	return nil
}

// resolve sets the id of the nodes of one label the cache knows.
func (c *idCache) resolve(label int64, nodes []*batchNode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range nodes {
		r := nodeRef{label, n.key.Name}
		if id, ok := c.cur[r]; ok {
			n.id = id
		} else if id, ok := c.old[r]; ok {
			n.id = id
			c.putLocked(r, id)
		}
	}
}

// learn remembers the nodes of a committed batch that a lookup found: a
// node met in a second batch is likely to be met again (a filer shared by
// many websites), while most new nodes are met once.
func (c *idCache) learn(nodes []*batchNode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range nodes {
		if n.lookedUp {
			c.putLocked(nodeRef{n.label, n.key.Name}, n.id)
		}
	}
}

func (c *idCache) putLocked(r nodeRef, id int64) {
	if len(c.cur) >= genSize {
		c.old, c.cur = c.cur, make(map[nodeRef]int64, genSize/4)
	}
	c.cur[r] = id
}

func (c *idCache) drop(r nodeRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.cur, r)
	delete(c.old, r)
}

// invalidate empties the cache: after a failed transaction whose effect on
// the database is unknown.
func (c *idCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.valid = false
}
