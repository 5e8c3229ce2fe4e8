package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The schema changes, applied in order at Open: migrations/NNNN_what.sql,
// numbered from 1 without gaps. Version n of the schema is the result of the
// first n. Never edit a migration that has been released: add one.
//
// A plain loop applies them rather than a migration library (goose,
// golang-migrate): PostgreSQL runs DDL in transactions, so the whole upgrade
// (every missing migration and the new version number) is one transaction
// under one advisory lock, which is all such a library would add here; and
// both libraries' modules require every database driver they support, which
// would raise shared dependencies of the rest of depc (modernc.org/sqlite
// among them, the embedded default's engine). It is the loop state/sqlite
// uses, with the same rules: a database from a newer depc is refused.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the migrations' SQL in order.
func migrations() ([]string, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]string, 0, len(names))
	for i, name := range names {
		num, _, _ := strings.Cut(path.Base(name), "_")
		if n, err := strconv.Atoi(num); err != nil || n != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", name, i+1)
		}
		b, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	return out, nil
}

// SchemaVersion is the schema version this package writes.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		panic(err) // the embedded files are checked by the tests
	}
	return len(ms)
}

// migrateLock is the first key of the advisory lock that serializes
// migrations; the second is the hash of the schema migrated, so that
// databases and schemas migrate independently.
const migrateLock = 0x64657063 // "depc"

// migrate brings the schema to the newest version in one transaction,
// holding an advisory lock so that processes starting together migrate one
// after the other (the later ones find the schema up to date).
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	const op = "state store: migrate"
	ms, err := migrations()
	if err != nil {
		return depc.WrapError(depc.EINTERNAL, err, "%s", op)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var schema *string
		if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return err
		}
		if schema == nil {
			return depc.Errorf(depc.EINVALID, "state store: the connection's search_path names no schema that exists (create it, or fix search_path)")
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, migrateLock, *schema); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`); err != nil {
			return err
		}
		var version int
		err := tx.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&version)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if version > len(ms) {
			return depc.Errorf(depc.EINVALID, "state store: schema version %d is newer than this depc knows (%d): upgrade depc", version, len(ms))
		}
		for i := version; i < len(ms); i++ {
			// No arguments: pgx sends it with the simple protocol, which
			// runs several statements.
			if _, err := tx.Exec(ctx, ms[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		if version == len(ms) {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE schema_version SET version = $1`, len(ms))
		return err
	})
	return storeError(err, op)
}
