package statecopy

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/state/postgres"
	"github.com/depc-dev/depc/state/sqlite"
)

// StateFile is the state store's file in a data directory.
const StateFile = "state.db"

// Store is one end of a copy: a state store opened by its location, its
// schema brought up to date.
type Store struct {
	where string
	end   end
	close func() error
}

// Open opens the state store at location: a PostgreSQL URL
// (postgres://… or postgresql://…), or the path of a SQLite state file or
// of a data directory holding one (state.db). With create false a missing
// file is ENOTFOUND (the source of a copy); with create true it is created
// (a target).
func Open(ctx context.Context, location string, create bool) (*Store, error) {
	if strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://") {
		s, err := postgres.Open(ctx, location)
		if err != nil {
			return nil, err
		}
		return &Store{where: "PostgreSQL " + redact(location), end: &pgEnd{s.Pool()}, close: s.Close}, nil
	}
	path := location
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, StateFile)
	}
	if _, err := os.Stat(path); err != nil {
		if !create || !errors.Is(err, os.ErrNotExist) {
			return nil, depc.WrapError(depc.ENOTFOUND, err, "state store %s: %v", path, err)
		}
	}
	s, err := sqlite.Open(path)
	if err != nil {
		return nil, err
	}
	return &Store{where: "SQLite " + path, end: &sqliteEnd{s.DB()}, close: s.Close}, nil
}

// redact returns a URL without its password.
func redact(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return u
	}
	if user, _, ok := strings.Cut(rest[:at], ":"); ok {
		return scheme + "://" + user + ":xxxxx" + rest[at:]
	}
	return u
}

// String says where the store is (without a password).
func (s *Store) String() string { return s.where }

// Close closes the store.
func (s *Store) Close() error { return s.close() }

// Options change what Copy does.
type Options struct {
	// Force empties a target that holds data before the copy; without it
	// such a target is refused (ECONFLICT).
	Force bool
	// Progress, when set, is told of each table once it is copied.
	Progress func(t TableReport)
}

// TableReport is what was copied of one table, and verified.
type TableReport struct {
	Table string
	Rows  int64
	// Checksum is the sum of the SHA-256 of every row's values (an order
	// free checksum, 128 bits) as read from the source and, again, from
	// the target after the copy.
	Checksum string
}

// Copy copies every table of from into to, in one transaction of each,
// then reads the target again and compares each table's row count and
// checksum with the source's. The target must be empty (ECONFLICT
// otherwise) unless o.Force. A table or column that one of the stores has
// and Copy does not know is refused (EINVALID): an unknown table would be
// left behind.
//
// The copy is consistent when nothing writes the source meanwhile (stop
// the depc processes first). Secrets of sources and alert receivers are
// copied sealed: the target's processes need the same secret key.
func Copy(ctx context.Context, from, to *Store, o Options) ([]TableReport, error) {
	if from.where == to.where {
		return nil, depc.Errorf(depc.EINVALID, "to: the same store as from (%s)", from.where)
	}
	for _, s := range []*Store{from, to} {
		if err := checkSchema(ctx, s); err != nil {
			return nil, err
		}
	}
	if !o.Force {
		for _, t := range tables {
			n, err := to.end.count(ctx, t.name)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				return nil, depc.Errorf(depc.ECONFLICT, "to: %s is not empty (table %s has %d rows); empty it first, or copy with --force to replace its data", to.where, t.name, n)
			}
		}
	}
	src, err := from.end.read(ctx)
	if err != nil {
		return nil, err
	}
	defer src.close()
	dst, err := to.end.write(ctx)
	if err != nil {
		return nil, err
	}
	defer dst.rollback()
	if o.Force {
		if err := dst.clear(ctx); err != nil {
			return nil, err
		}
	}
	reports := make([]TableReport, 0, len(tables))
	for _, t := range tables {
		c, err := src.rows(ctx, t)
		if err != nil {
			return nil, err
		}
		d := &digest{}
		err = dst.load(ctx, t, func() ([]any, error) {
			row, err := c.next()
			if row != nil {
				d.add(t, row)
			}
			return row, err
		})
		c.close()
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.name, err)
		}
		counter, err := src.counter(ctx, t)
		if err != nil {
			return nil, err
		}
		if err := dst.setCounter(ctx, t, max(counter, d.maxID)); err != nil {
			return nil, err
		}
		reports = append(reports, TableReport{Table: t.name, Rows: d.n, Checksum: d.sum()})
	}
	if err := dst.commit(ctx); err != nil {
		return nil, err
	}
	// The target as it is now, read afresh.
	check, err := to.end.read(ctx)
	if err != nil {
		return nil, err
	}
	defer check.close()
	for i, t := range tables {
		c, err := check.rows(ctx, t)
		if err != nil {
			return nil, err
		}
		d := &digest{}
		for {
			row, err := c.next()
			if err != nil {
				c.close()
				return nil, fmt.Errorf("table %s: %w", t.name, err)
			}
			if row == nil {
				break
			}
			d.add(t, row)
		}
		c.close()
		want := reports[i]
		if d.n != want.Rows || d.sum() != want.Checksum {
			return nil, depc.Errorf(depc.EINTERNAL, "table %s: the target holds %d rows (checksum %s), the source %d (checksum %s)", t.name, d.n, d.sum(), want.Rows, want.Checksum)
		}
		if o.Progress != nil {
			o.Progress(want)
		}
	}
	return reports, nil
}

// checkSchema refuses a store with a table or column Copy does not know,
// or without one it knows (a schema of another version).
func checkSchema(ctx context.Context, s *Store) error {
	have, err := s.end.columns(ctx)
	if err != nil {
		return err
	}
	extra := postgresOnly
	if _, ok := s.end.(*sqliteEnd); ok {
		extra = sqliteOnly
	}
	known := map[string]bool{}
	for _, t := range tables {
		known[t.name] = true
		want := []string{}
		for _, c := range t.cols {
			want = append(want, c.name)
		}
		want = append(want, extra[t.name]...)
		got := have[t.name]
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			return depc.Errorf(depc.EINVALID, "%s: table %s has the columns %v, the copy knows %v: its schema is not this depc's (or state/statecopy lags behind it)", s.where, t.name, got, want)
		}
	}
	for name := range have {
		if !known[name] && !notCopied[name] {
			return depc.Errorf(depc.EINVALID, "%s: table %s is not known to the copy: state/statecopy lags behind the schema", s.where, name)
		}
	}
	return nil
}

// digest sums the SHA-256 of rows, in two 64-bit lanes, so that the order
// in which the backends return the rows does not matter.
type digest struct {
	a, b  uint64
	n     int64
	maxID int64
	buf   []byte
}

func (d *digest) add(t table, row []any) {
	d.n++
	if t.cols[0].name == "id" {
		d.maxID = max(d.maxID, row[0].(int64))
	}
	b := d.buf[:0]
	for _, v := range row {
		switch v := v.(type) {
		case int64:
			b = binary.BigEndian.AppendUint64(append(b, 'i'), uint64(v))
		case *int64:
			if v == nil {
				b = append(b, 'n')
			} else {
				b = binary.BigEndian.AppendUint64(append(b, 'i'), uint64(*v))
			}
		case float64:
			b = binary.BigEndian.AppendUint64(append(b, 'f'), math.Float64bits(v))
		case *float64:
			if v == nil {
				b = append(b, 'n')
			} else {
				b = binary.BigEndian.AppendUint64(append(b, 'f'), math.Float64bits(*v))
			}
		case string:
			b = appendBytes(append(b, 's'), []byte(v))
		case *string:
			if v == nil {
				b = append(b, 'n')
			} else {
				b = appendBytes(append(b, 's'), []byte(*v))
			}
		case []byte:
			b = appendBytes(append(b, 'b'), v)
		case bool:
			if v {
				b = append(b, 'T')
			} else {
				b = append(b, 'F')
			}
		case []string:
			b = binary.BigEndian.AppendUint64(append(b, 'l'), uint64(len(v)))
			for _, s := range v {
				b = appendBytes(b, []byte(s))
			}
		case []int64:
			b = binary.BigEndian.AppendUint64(append(b, 'L'), uint64(len(v)))
			for _, x := range v {
				b = binary.BigEndian.AppendUint64(b, uint64(x))
			}
		default:
			panic(fmt.Sprintf("statecopy: value %T in the canonical row of %s", v, t.name))
		}
	}
	d.buf = b
	h := sha256.Sum256(b)
	d.a += binary.BigEndian.Uint64(h[:8])
	d.b += binary.BigEndian.Uint64(h[8:16])
}

func appendBytes(b, v []byte) []byte {
	return append(binary.BigEndian.AppendUint64(b, uint64(len(v))), v...)
}

func (d *digest) sum() string { return fmt.Sprintf("%016x%016x", d.a, d.b) }

// end is one backend's way to read and write the tables.
type end interface {
	// columns returns every table of the schema with its columns.
	columns(ctx context.Context) (map[string][]string, error)
	// count returns the rows of a table.
	count(ctx context.Context, table string) (int64, error)
	// read starts a consistent read of every table.
	read(ctx context.Context) (reader, error)
	// write starts the transaction of a copy.
	write(ctx context.Context) (writer, error)
}

type reader interface {
	// rows returns the table's rows, canonical (see kind).
	rows(ctx context.Context, t table) (cursor, error)
	// counter returns the highest id the table ever gave (0 for a table
	// without a counter).
	counter(ctx context.Context, t table) (int64, error)
	close()
}

// cursor returns rows until it returns a nil row.
type cursor interface {
	next() ([]any, error)
	close()
}

type writer interface {
	// clear empties every table copied (and the caches built from them).
	clear(ctx context.Context) error
	// load writes the rows next returns until it returns a nil row.
	load(ctx context.Context, t table, next func() ([]any, error)) error
	// setCounter makes the table's next id higher than id.
	setCounter(ctx context.Context, t table, id int64) error
	commit(ctx context.Context) error
	rollback()
}

// ResultTables are the tables of computed results: what a change of the
// computation must leave identical (`depc bench compute --checksums`).
var ResultTables = []string{"node_result", "label_result", "worst_node"}

// Checksums reads the named tables of s in one consistent read and returns
// each one's row count and checksum, computed as Copy computes them (so
// the figures of two stores, of either backend, compare). An unknown
// table is EINVALID.
func Checksums(ctx context.Context, s *Store, names ...string) ([]TableReport, error) {
	if err := checkSchema(ctx, s); err != nil {
		return nil, err
	}
	byName := map[string]table{}
	for _, t := range tables {
		byName[t.name] = t
	}
	r, err := s.end.read(ctx)
	if err != nil {
		return nil, err
	}
	defer r.close()
	out := make([]TableReport, 0, len(names))
	for _, name := range names {
		t, ok := byName[name]
		if !ok {
			return nil, depc.Errorf(depc.EINVALID, "table %q: not a table of the state store", name)
		}
		c, err := r.rows(ctx, t)
		if err != nil {
			return nil, err
		}
		d := &digest{}
		for {
			row, err := c.next()
			if err != nil {
				c.close()
				return nil, fmt.Errorf("table %s: %w", t.name, err)
			}
			if row == nil {
				break
			}
			d.add(t, row)
		}
		c.close()
		out = append(out, TableReport{Table: t.name, Rows: d.n, Checksum: d.sum()})
	}
	return out, nil
}
