package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/qos"
)

// FileName is the database file inside the store's directory.
const FileName = "graph.db"

// schemaVersion is kept in PRAGMA user_version: Open creates the schema in
// a new database, upgrades one of an older version and refuses one written
// by a newer depc. Version 2 added node.adj (adj.go), version 3 the table
// team_version (version.go).
const schemaVersion = 3

// The schema. Labels are rows of their own so that a node row holds a small
// integer instead of its team and label, and a team's labels (with their
// node counts, kept by Apply and DeleteNode) are one small index range.
// Nodes have integer ids; relations are keyed by (src, dst), clustered
// (WITHOUT ROWID) so that a node's dependencies are one range, with an index
// on (dst, src) for its dependents. Each entity keeps its event set (for
// read-modify-write in Apply) and the periods derived from it (for reads),
// both as blobs (codec.go).
var schema = []string{
	`CREATE TABLE label (
		id    INTEGER PRIMARY KEY,
		team  TEXT NOT NULL,
		name  TEXT NOT NULL,
		nodes INTEGER NOT NULL DEFAULT 0
	)`,
	`CREATE UNIQUE INDEX label_key ON label (team, name)`,
	`CREATE TABLE node (
		id      INTEGER PRIMARY KEY,
		label   INTEGER NOT NULL,
		name    TEXT NOT NULL,
		events  BLOB,
		periods BLOB,
		adj     BLOB
	)`,
	`CREATE UNIQUE INDEX node_key ON node (label, name)`,
	`CREATE TABLE rel (
		src     INTEGER NOT NULL,
		dst     INTEGER NOT NULL,
		events  BLOB,
		periods BLOB,
		PRIMARY KEY (src, dst)
	) WITHOUT ROWID`,
	`CREATE INDEX rel_dst ON rel (dst, src)`,
	createTeamVersion,
}

// Pragmas of every connection. WAL lets readers run while a batch is being
// written; synchronous=NORMAL is durable across process crashes (a power
// loss may lose the last transactions, never corrupt the file); the
// statement journals of multi-row inserts stay in memory.
//
// The WAL is checkpointed into the database every 10 000 pages (40 MiB)
// instead of SQLite's 1 000: bulk loads rewrite the same index pages batch
// after batch, and a checkpoint writes each page once however many times
// the WAL holds it; at 1 000 pages checkpoints took a tenth of Apply's CPU.
// After a checkpoint the WAL file is cut back to 64 MiB.
var pragmas = []string{
	"busy_timeout(10000)",
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
	"temp_store(MEMORY)",
	"foreign_keys(OFF)",
	"wal_autocheckpoint(10000)",
	"journal_size_limit(67108864)",
}

const (
	writerCacheKiB = 256 << 10 // page cache of the one writing connection
	readerCacheKiB = 64 << 10  // page cache of each reading connection
	maxReaders     = 4
)

var always = depc.Period{From: qos.NegInf, To: qos.PosInf}

// Store is the embedded graph store: one SQLite database in a directory.
// It is safe for concurrent use; writes are serialized on one connection
// while reads go on in parallel on others.
type Store struct {
	path   string
	writer *sql.DB // one connection: SQLite has one writer at a time
	reader *sql.DB // query-only connections

	mu     sync.RWMutex // held for reading by every call, for writing by Close
	closed bool

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // statements of the writer, prepared once
	rs     readStmts            // statements of the readers (read.go)

	writeMu sync.Mutex // held by Apply and DeleteNode
	ids     *idCache

	modeMu    sync.Mutex
	mostlyNew map[int64]bool // label id -> most nodes of its last batch were new
}

var (
	_ depc.GraphStore     = (*Store)(nil)
	_ depc.GraphVersioner = (*Store)(nil)
)

// Open opens the store kept in dir, creating the directory and the
// database if needed. It answers EUNAVAILABLE when the directory or the
// database cannot be created, opened or written.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, depc.Errorf(depc.EINVALID, "graph store: directory: empty path")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, depc.WrapError(depc.EUNAVAILABLE, err, "graph store: cannot create directory %s", dir)
	}
	abs, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, depc.WrapError(depc.EUNAVAILABLE, err, "graph store: directory %s", dir)
	}
	s := &Store{path: abs, stmts: map[string]*sql.Stmt{}, mostlyNew: map[int64]bool{}, ids: newIDCache()}
	if s.writer, err = openDB(abs, writerCacheKiB, false); err != nil {
		return nil, err
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)
	if err := s.migrate(); err != nil {
		s.writer.Close()
		return nil, err
	}
	if err := s.prepare(context.Background()); err != nil {
		s.Close()
		return nil, err
	}
	if s.reader, err = openDB(abs, readerCacheKiB, true); err != nil {
		s.writer.Close()
		return nil, err
	}
	s.reader.SetMaxOpenConns(maxReaders)
	s.reader.SetMaxIdleConns(maxReaders)
	if err := s.reader.Ping(); err != nil {
		s.Close()
		return nil, s.fail(err, "open %s", abs)
	}
	if err := s.prepareReads(context.Background()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openDB opens a pool on the database file. The DSN is a file: URI whose
// path is escaped, so that a directory name may hold '?', '#' or '%'.
func openDB(path string, cacheKiB int, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheKiB))
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate") // take the write lock at BEGIN: no deadlock on upgrade
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), OmitHost: true, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, depc.WrapError(depc.EUNAVAILABLE, err, "graph store: cannot open %s", path)
	}
	return db, nil
}

// migrate creates the schema in a new database and checks the version of
// an existing one.
func (s *Store) migrate() error {
	ctx := context.Background()
	var version int
	if err := s.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return s.fail(err, "open %s", s.path)
	}
	switch version {
	case schemaVersion:
		return nil
	case 0, 1, 2:
	default:
		return depc.Errorf(depc.EINTERNAL, "graph store: %s has schema version %d, this depc knows %d: upgrade depc", s.path, version, schemaVersion)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(err, "create schema in %s", s.path)
	}
	defer tx.Rollback()
	switch version {
	case 0: // a new database
		for _, q := range schema {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return s.fail(err, "create schema in %s", s.path)
			}
		}
	case 1:
		if err := upgradeAdjacency(ctx, tx); err != nil {
			return s.fail(err, "upgrade %s to schema version %d", s.path, schemaVersion)
		}
		fallthrough
	case 2:
		if _, err := tx.ExecContext(ctx, createTeamVersion); err != nil {
			return s.fail(err, "upgrade %s to schema version %d", s.path, schemaVersion)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return s.fail(err, "create schema in %s", s.path)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(err, "create schema in %s", s.path)
	}
	return nil
}

// Close closes the store. It waits for calls in progress.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var errs []error
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.stmts = nil
	s.stmtMu.Unlock()
	for _, st := range []*sql.Stmt{s.rs.node, s.rs.dependencies, s.rs.dependents} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	if s.writer != nil {
		// Closing the last connection checkpoints the WAL into the file.
		errs = append(errs, s.writer.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return s.fail(err, "close %s", s.path)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	var one int
	if err := s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return s.fail(err, "ping")
	}
	return nil
}

// prepare prepares the writer's fixed statements (writerStatements), once:
// Apply runs the same few statements for every chunk of every batch, and
// parsing them each time cost an eighth of its CPU. They are prepared at
// Open, while the writer's one connection is free; a transaction then runs
// them on that connection (sql.Tx.StmtContext), and database/sql prepares
// them again by itself if the connection was replaced.
func (s *Store) prepare(ctx context.Context) error {
	for _, q := range writerStatements {
		st, err := s.writer.PrepareContext(ctx, q)
		if err != nil {
			return s.fail(err, "prepare statements")
		}
		s.stmts[q] = st
	}
	return nil
}

// prepared returns the prepared statement for q, or nil.
func (s *Store) prepared(q string) *sql.Stmt {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	return s.stmts[q]
}

// insertFirst reports whether Apply should insert a label's nodes before
// looking them up (see writer.nodes).
func (s *Store) insertFirst(label int64) bool {
	s.modeMu.Lock()
	defer s.modeMu.Unlock()
	return s.mostlyNew[label]
}

// learnMode records how many of a batch's nodes of a label were new.
func (s *Store) learnMode(label int64, added, total int) {
	s.modeMu.Lock()
	defer s.modeMu.Unlock()
	s.mostlyNew[label] = 2*added > total
}

// enter marks the start of a call; the returned func marks its end. It
// answers EUNAVAILABLE once the store is closed.
func (s *Store) enter() (func(), error) {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return nil, depc.Errorf(depc.EUNAVAILABLE, "graph store: %s is closed", s.path)
	}
	return s.mu.RUnlock, nil
}

// fail translates an error of the database into a depc error: what a retry
// may cure (busy, full disk, I/O, cancelled) is EUNAVAILABLE, the rest is
// EINTERNAL. depc errors pass unchanged.
func (s *Store) fail(err error, format string, args ...any) error {
	var de *depc.Error
	if errors.As(err, &de) {
		return err
	}
	what := "graph store: " + fmt.Sprintf(format, args...)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return depc.WrapError(depc.EUNAVAILABLE, err, "%s: %v", what, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PROTOCOL,
			sqlite3.SQLITE_INTERRUPT:
			return depc.WrapError(depc.EUNAVAILABLE, err, "%s: %s", what, sqlite.ErrorCodeString[se.Code()])
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return depc.WrapError(depc.EINTERNAL, err, "%s: %s is not a valid graph database", what, s.path)
		}
	}
	if errors.Is(err, errCorrupt) {
		return depc.WrapError(depc.EINTERNAL, err, "%s: %s holds a corrupt row", what, s.path)
	}
	if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "database is closed") {
		return depc.WrapError(depc.EUNAVAILABLE, err, "%s: closed", what)
	}
	return depc.WrapError(depc.EINTERNAL, err, "%s", what)
}

func checkKey(team string, k depc.NodeKey) error {
	if err := depc.CheckTeam("team", team); err != nil {
		return err
	}
	return k.Validate()
}

func checkWindow(w depc.Window) error {
	if w.Start >= w.End {
		return depc.Errorf(depc.EINVALID, "window: start %d is not before end %d", w.Start, w.End)
	}
	return nil
}

func checkLimit(limit int) error {
	if limit < 1 {
		return depc.Errorf(depc.EINVALID, "limit: %d is below 1", limit)
	}
	return nil
}

func checkActivity(a depc.Activity) error {
	switch a.Kind {
	case depc.ActiveAny, depc.ActiveAt:
		return nil
	case depc.ActiveDuring:
		return checkWindow(a.Window)
	}
	return depc.Errorf(depc.EINVALID, "activity: unknown kind %d", a.Kind)
}
