package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

var _ depc.StateStore = (*Store)(nil)

// Store is the state store in a PostgreSQL database. It is safe for
// concurrent use, also by several processes on several machines.
type Store struct {
	pool   *pgxpool.Pool
	closed atomic.Bool

	// now is the clock of created_at, started_at and friends.
	now func() time.Time
}

// Open connects to the database at url (a PostgreSQL URL or key=value
// connection string, as libpq takes; pgxpool's pool_max_conns and friends
// size the pool) and brings its schema up to date. The tables live in the
// first schema of the connection's search_path (set search_path in the URL
// to keep depc apart). A database written by a newer depc is refused.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parser's message may quote the URL with its password.
		return nil, depc.Errorf(depc.EINVALID, "state store: the PostgreSQL URL is not valid (postgres://user:password@host:port/database?options)")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, storeError(err, "state store: connect")
	}
	s := &Store{pool: pool, now: time.Now}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.usable(); err != nil {
		return err
	}
	return storeError(s.pool.Ping(ctx), "state store: ping")
}

// Close closes the pool, waiting for the connections in use. The store is
// unusable afterwards: every method answers EUNAVAILABLE.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.pool.Close()
	return nil
}

// usable answers EUNAVAILABLE once the store is closed: pgxpool's own
// answer, a puddle error, would otherwise look like a bug.
func (s *Store) usable() error {
	if s.closed.Load() {
		return depc.Errorf(depc.EUNAVAILABLE, "state store: closed")
	}
	return nil
}

// write runs fn in one transaction and commits it when fn returns nil.
// Errors are translated into depc codes.
func (s *Store) write(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, s.pool, fn)
	return storeError(err, op)
}

// queryRow runs a one-row query outside a transaction. ok is false when
// there is no row.
func (s *Store) queryRow(ctx context.Context, op, sql string, args []any, dest ...any) (ok bool, err error) {
	if err := s.usable(); err != nil {
		return false, err
	}
	err = s.pool.QueryRow(ctx, sql, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, storeError(err, op)
}

// sqlstates maps SQLSTATE codes, or their two-character classes, to depc
// codes; what is not here is a bug (EINTERNAL).
var sqlstates = map[string]string{
	// A uniqueness or reference violation: a race the store's own checks
	// lost (they run under the team's lock, so this is rare).
	"23505": depc.ECONFLICT,
	"23503": depc.ECONFLICT,
	// Data exception: a value the server refuses (a zero byte in text).
	"22": depc.EINVALID,
	// Retry later: connection exception, insufficient resources, operator
	// intervention (shutdown, cancel, statement timeout), serialization
	// failure or deadlock, lock not available, a read-only standby,
	// authentication (a configuration to fix, not a bug).
	"08":    depc.EUNAVAILABLE,
	"53":    depc.EUNAVAILABLE,
	"57":    depc.EUNAVAILABLE,
	"40":    depc.EUNAVAILABLE,
	"55P03": depc.EUNAVAILABLE,
	"25006": depc.EUNAVAILABLE,
	"28000": depc.EUNAVAILABLE,
	"28P01": depc.EUNAVAILABLE,
}

// storeError translates a database error into a depc error: a *depc.Error
// passes through; an ended context, a lost or refused connection and the
// server errors of sqlstates get their code; anything else is a bug
// (EINTERNAL). The driver's error is kept as the cause.
func storeError(err error, op string) error {
	if err == nil {
		return nil
	}
	var de *depc.Error
	if errors.As(err, &de) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		code, ok := sqlstates[pe.Code]
		if !ok && len(pe.Code) == 5 {
			code, ok = sqlstates[pe.Code[:2]]
		}
		switch {
		case !ok:
			return depc.WrapError(depc.EINTERNAL, err, "%s", op)
		case code == depc.EINVALID:
			return depc.WrapError(code, err, "%s: the database refuses a value: %s", op, pe.Message)
		case code == depc.ECONFLICT:
			return depc.WrapError(code, err, "%s: conflicts with a concurrent change, retry", op)
		}
		return depc.WrapError(code, err, "%s: database unavailable", op)
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		// pgconn's error for a connection that broke mid-query.
		strings.Contains(err.Error(), "conn closed") {
		return depc.WrapError(depc.EUNAVAILABLE, err, "%s: database unavailable", op)
	}
	return depc.WrapError(depc.EINTERNAL, err, "%s", op)
}

// collect reads every row with fn; no row gives a nil slice, the
// contract's "none".
func collect[T any](rows pgx.Rows, fn pgx.RowToFunc[T]) ([]T, error) {
	v, err := pgx.CollectRows(rows, fn)
	if len(v) == 0 {
		v = nil
	}
	return v, err
}

// list runs one query and reads its rows with fn.
func list[T any](ctx context.Context, s *Store, op, sql string, args []any, fn pgx.RowToFunc[T]) ([]T, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, sql, args...)
	v, err := collect(rows, fn)
	return v, storeError(err, op)
}

// teamList is list for a query of one team's rows that names the team
// itself (WHERE team_id = (SELECT id FROM team WHERE name = …)): when it
// finds nothing it tells an unknown team (ENOTFOUND) from a team that has
// nothing, so the common case is one round trip.
func teamList[T any](ctx context.Context, s *Store, op, team, sql string, args []any, fn pgx.RowToFunc[T]) ([]T, error) {
	v, err := list(ctx, s, op, sql, args, fn)
	if err == nil && v == nil {
		err = s.teamFirst(ctx, team, nil)
	}
	return v, err
}

func notFoundTeam(name string) error { return depc.Errorf(depc.ENOTFOUND, "team %q not found", name) }

// Locks on a team's row order the writes that would race: every write of a
// team's catalog, configs, runs and rejections takes it FOR NO KEY UPDATE
// (they queue behind each other, so that ids are max + 1 and reference
// checks hold until commit); a write of results takes it FOR KEY SHARE,
// which does not wait for them; DeleteTeam takes it FOR UPDATE, which waits
// for both kinds and makes them find no team once it commits.
const (
	lockTeamWrite  = "FOR NO KEY UPDATE"
	lockTeamResult = "FOR KEY SHARE"
	lockTeamDelete = "FOR UPDATE"
)

// teamID returns the id of a team, ENOTFOUND if it does not exist, taking
// the lock given (see above; "" for none).
func teamID(ctx context.Context, q pgx.Tx, name, lock string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM team WHERE name = $1 `+lock, name).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, notFoundTeam(name)
	}
	return id, err
}

// teamFirst returns ENOTFOUND if the team does not exist, else err: the
// hot reads look for the team on its own only when their query found
// nothing or their arguments are refused.
func (s *Store) teamFirst(ctx context.Context, team string, err error) error {
	var id int64
	ok, terr := s.queryRow(ctx, "team "+team, `SELECT id FROM team WHERE name = $1`, []any{team}, &id)
	if terr != nil {
		return terr
	}
	if !ok {
		return notFoundTeam(team)
	}
	return err
}

func (s *Store) unix() int64 { return s.now().Unix() }

// Pool returns the store's connection pool, for tools that read and write
// the tables themselves (depc state copy, package state/statecopy).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
