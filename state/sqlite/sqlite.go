package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var _ depc.StateStore = (*Store)(nil)

// Store is the state store in one SQLite file. It is safe for concurrent
// use, also by several processes on one machine (SQLite's file locks).
type Store struct {
	// w is the write pool: one connection, every transaction BEGIN
	// IMMEDIATE. Writers queue in Go instead of failing with SQLITE_BUSY
	// when a deferred transaction tries to upgrade its lock.
	w *sql.DB
	// r is the read pool: query-only connections that in WAL mode read a
	// consistent snapshot while a write is in progress.
	r *sql.DB

	// now is the clock of created_at, started_at and friends.
	now func() time.Time

	// Hot read statements, prepared once (database/sql re-prepares them
	// per connection as needed).
	stmtNodeQoS   *sql.Stmt
	stmtWorst     *sql.Stmt
	stmtLabelQoS  *sql.Stmt
	stmtTeamQoS   *sql.Stmt
	stmtTeamID    *sql.Stmt
	stmtDayRes    *sql.Stmt
	stmtUserToken *sql.Stmt
	stmtRole      *sql.Stmt
}

// busyTimeout is how long a connection waits for a lock held by another
// process before giving up with SQLITE_BUSY (EUNAVAILABLE).
const busyTimeout = 30 * time.Second

// readerMmapBytes is how much of the database file a reading connection
// maps (SQLite's own limit is just under 2 GiB).
const readerMmapBytes = 2 << 30

// Open opens (creating it if needed) the SQLite database at path and
// brings its schema up to date. A database written by a newer depc (a
// schema version this one does not know) is refused.
func Open(path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?\x00") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, depc.Errorf(depc.EINVALID, "state store path %q: must be a file path without '?'", path)
	}
	common := url.Values{}
	common.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	common.Add("_pragma", "foreign_keys(1)")
	// FULL: a write that returned is on disk, also after a power loss.
	// Small writes are rare, and the nightly write is one commit, so the
	// cost is one fsync each.
	common.Add("_pragma", "synchronous(FULL)")
	common.Add("_pragma", "temp_store(MEMORY)")

	wq := cloneValues(common)
	// The page size and WAL mode are set by migrate, in that order (the
	// driver would run DSN pragmas in alphabetical order).
	// A big page cache for the connection that writes a million node
	// results at once (negative: KiB).
	wq.Add("_pragma", "cache_size(-131072)")
	// A day's write grows the WAL past 100 MiB; once checkpointed, it is
	// cut back to this size instead of staying that big.
	wq.Add("_pragma", "journal_size_limit(67108864)")
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, depc.WrapError(depc.EUNAVAILABLE, err, "state store: open %s", path)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)

	s := &Store{w: w, now: time.Now}
	ctx := context.Background()
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}

	rq := cloneValues(common)
	rq.Add("_pragma", "query_only(1)")
	rq.Add("_pragma", "cache_size(-16384)")
	// Reads map the file instead of copying its pages in with a system
	// call each: the API's random reads of node results (a node's days,
	// the neighbours of a node on a day) spent a fifth of their CPU in
	// pread and a tenth in the page cache. The pages are the kernel's
	// page cache, shared by every connection and process (SQLite caps the
	// map at 2 GiB; the rest of a larger file is read as before).
	rq.Add("_pragma", fmt.Sprintf("mmap_size(%d)", readerMmapBytes))
	r, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, depc.WrapError(depc.EUNAVAILABLE, err, "state store: open %s", path)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	r.SetConnMaxLifetime(0)
	s.r = r

	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

func (s *Store) prepare(ctx context.Context) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.stmtTeamID, `SELECT id FROM team WHERE name = ?`},
		{&s.stmtDayRes, sqlDayResults},
		{&s.stmtNodeQoS, sqlNodeQoS},
		{&s.stmtWorst, sqlWorst},
		{&s.stmtLabelQoS, sqlLabelQoS},
		{&s.stmtTeamQoS, sqlTeamQoS},
		{&s.stmtUserToken, `SELECT a.name, a.admin, a.created_at FROM api_token t JOIN account a ON a.id = t.account_id
			WHERE t.hash = ? AND (t.expires_at = 0 OR t.expires_at > ?)`},
		{&s.stmtRole, sqlRole},
	} {
		st, err := s.r.PrepareContext(ctx, p.query)
		if err != nil {
			return storeError(err, "state store: prepare")
		}
		*p.dst = st
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return storeError(err, "state store: ping")
	}
	return nil
}

// Close closes both pools. The store is unusable afterwards: every method
// answers EUNAVAILABLE.
func (s *Store) Close() error {
	var errs []error
	for _, st := range []*sql.Stmt{s.stmtTeamID, s.stmtDayRes, s.stmtNodeQoS, s.stmtWorst, s.stmtLabelQoS, s.stmtTeamQoS, s.stmtUserToken, s.stmtRole} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs fn in one write transaction and commits it when fn returns
// nil. Errors are translated into depc codes.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return storeError(err, op)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return storeError(err, op)
	}
	if err := tx.Commit(); err != nil {
		return storeError(err, op)
	}
	return nil
}

// writeConn is write with the transaction's connection at hand too, for a
// bulk write that goes to the driver directly (sql.Conn.Raw, inside the
// transaction).
func (s *Store) writeConn(ctx context.Context, op string, fn func(conn *sql.Conn, tx *sql.Tx) error) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return storeError(err, op)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return storeError(err, op)
	}
	defer tx.Rollback()
	if err := fn(conn, tx); err != nil {
		return storeError(err, op)
	}
	if err := tx.Commit(); err != nil {
		return storeError(err, op)
	}
	return nil
}

// read runs fn in one read transaction, so that its queries see one
// snapshot of the database.
func (s *Store) read(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return storeError(err, op)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return storeError(err, op)
	}
	return storeError(tx.Commit(), op)
}

// storeError translates a database error into a depc error: a *depc.Error
// passes through, a locked or unreachable database (or an ended context)
// becomes EUNAVAILABLE, a uniqueness violation ECONFLICT, anything else is
// a bug (EINTERNAL) that keeps the driver's error as its cause.
func storeError(err error, op string) error {
	if err == nil {
		return nil
	}
	var de *depc.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone) ||
		// database/sql does not export these two.
		strings.Contains(err.Error(), "sql: database is closed") || strings.Contains(err.Error(), "sql: statement is closed") {
		return depc.WrapError(depc.EUNAVAILABLE, err, "%s: database unavailable", op)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_INTERRUPT, sqlite3.SQLITE_PROTOCOL:
			return depc.WrapError(depc.EUNAVAILABLE, err, "%s: database unavailable", op)
		}
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return depc.WrapError(depc.ECONFLICT, err, "%s: already exists", op)
		}
	}
	return depc.WrapError(depc.EINTERNAL, err, "%s", op)
}

// teamID returns the id of a team, ENOTFOUND if it does not exist.
func teamID(ctx context.Context, q querier, name string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM team WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFoundTeam(name)
	}
	return id, err
}

// teamIDFast is teamID on the prepared read statement.
func (s *Store) teamIDFast(ctx context.Context, name string) (int64, error) {
	var id int64
	err := s.stmtTeamID.QueryRowContext(ctx, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFoundTeam(name)
	}
	if err != nil {
		return 0, storeError(err, "team "+name)
	}
	return id, nil
}

// teamFirst returns ENOTFOUND if the team does not exist, else err.
func (s *Store) teamFirst(ctx context.Context, team string, err error) error {
	if _, terr := s.teamIDFast(ctx, team); terr != nil {
		return terr
	}
	return err
}

func notFoundTeam(name string) error { return depc.Errorf(depc.ENOTFOUND, "team %q not found", name) }

func (s *Store) unix() int64 { return s.now().Unix() }

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
