package statecopy

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/state/sqlite"
)

// sqliteEnd reads and writes the tables of a SQLite state file, through
// the store's write connection (sqlite.Store.DB): one transaction reads a
// consistent database, another writes the whole copy.
type sqliteEnd struct{ db *sql.DB }

func (e *sqliteEnd) columns(ctx context.Context) (map[string][]string, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`)
	if err != nil {
		return nil, sqliteError(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, sqliteError(err)
		}
		out[t] = append(out[t], c)
	}
	// sqlite_sequence has no columns in pragma_table_info until used.
	return out, sqliteError(rows.Err())
}

func (e *sqliteEnd) count(ctx context.Context, table string) (int64, error) {
	var n int64
	err := e.db.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n)
	return n, sqliteError(err)
}

func sqliteError(err error) error {
	if err == nil {
		return nil
	}
	return depc.WrapError(depc.EUNAVAILABLE, err, "SQLite: %v", err)
}

type sqliteTx struct{ tx *sql.Tx }

func (e *sqliteEnd) read(ctx context.Context) (reader, error) {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, sqliteError(err)
	}
	return &sqliteTx{tx}, nil
}

func (e *sqliteEnd) write(ctx context.Context) (writer, error) {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, sqliteError(err)
	}
	return &sqliteTx{tx}, nil
}

func (s *sqliteTx) close()    { _ = s.tx.Rollback() }
func (s *sqliteTx) rollback() { _ = s.tx.Rollback() }

func (s *sqliteTx) commit(context.Context) error { return sqliteError(s.tx.Commit()) }

func names(t table) []string {
	out := make([]string, len(t.cols))
	for i, c := range t.cols {
		out[i] = c.name
	}
	return out
}

type sqliteCursor struct {
	t    table
	rows *sql.Rows
	raw  []any
	dest []any
}

func (s *sqliteTx) rows(ctx context.Context, t table) (cursor, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT `+strings.Join(names(t), ", ")+` FROM `+t.name)
	if err != nil {
		return nil, sqliteError(err)
	}
	c := &sqliteCursor{t: t, rows: rows, raw: make([]any, len(t.cols)), dest: make([]any, len(t.cols))}
	for i := range c.raw {
		c.dest[i] = &c.raw[i]
	}
	return c, nil
}

func (c *sqliteCursor) close() { c.rows.Close() }

func (c *sqliteCursor) next() ([]any, error) {
	if !c.rows.Next() {
		return nil, sqliteError(c.rows.Err())
	}
	if err := c.rows.Scan(c.dest...); err != nil {
		return nil, sqliteError(err)
	}
	row := make([]any, len(c.raw))
	for i, col := range c.t.cols {
		v, err := fromSQLite(col.kind, c.raw[i])
		if err != nil {
			return nil, depc.WrapError(depc.EINVALID, err, "column %s: %v", col.name, err)
		}
		row[i] = v
	}
	return row, nil
}

// fromSQLite turns what the driver read into the canonical value.
func fromSQLite(k kind, v any) (any, error) {
	if v == nil {
		switch k {
		case kIntNull:
			return (*int64)(nil), nil
		case kFloatNull:
			return (*float64)(nil), nil
		case kTextNull:
			return (*string)(nil), nil
		case kDowntime:
			return []int64(nil), nil
		case kChildren:
			return []string(nil), nil
		}
		return nil, fmt.Errorf("NULL in a column that never holds one")
	}
	switch k {
	case kInt, kIntNull, kBool, kDay:
		n, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("%T where an integer was expected", v)
		}
		switch k {
		case kIntNull:
			return &n, nil
		case kBool:
			return n != 0, nil
		case kDay:
			return depc.FormatDay(time.Unix(n*86400, 0).UTC()), nil
		}
		return n, nil
	case kFloat, kFloatNull:
		var f float64
		switch v := v.(type) {
		case float64:
			f = v
		case int64:
			f = float64(v)
		default:
			return nil, fmt.Errorf("%T where a number was expected", v)
		}
		if k == kFloatNull {
			return &f, nil
		}
		return f, nil
	case kText, kTextNull, kTextList:
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case []byte:
			s = string(v)
		default:
			return nil, fmt.Errorf("%T where text was expected", v)
		}
		switch k {
		case kTextNull:
			return &s, nil
		case kTextList:
			var list []string
			if err := json.Unmarshal([]byte(s), &list); err != nil {
				return nil, err
			}
			if list == nil {
				list = []string{}
			}
			return list, nil
		}
		return s, nil
	}
	var b []byte
	switch v := v.(type) {
	case []byte:
		b = append([]byte{}, v...)
	case string:
		b = []byte(v)
	default:
		return nil, fmt.Errorf("%T where bytes were expected", v)
	}
	switch k {
	case kDowntime:
		ps, err := sqlite.DecodeDowntime(b)
		if err != nil || len(ps) == 0 {
			return []int64(nil), err
		}
		flat := make([]int64, 0, 2*len(ps))
		for _, p := range ps {
			flat = append(flat, p.From, p.To)
		}
		return flat, nil
	case kChildren:
		keys, err := sqlite.DecodeChildren(b)
		if err != nil || len(keys) == 0 {
			return []string(nil), err
		}
		flat := make([]string, 0, 2*len(keys))
		for _, k := range keys {
			flat = append(flat, k.Label, k.Name)
		}
		return flat, nil
	}
	return b, nil
}

// toSQLite turns a canonical value into what the SQLite column holds.
func toSQLite(k kind, v any) (any, error) {
	switch k {
	case kIntNull:
		if p := v.(*int64); p != nil {
			return *p, nil
		}
		return nil, nil
	case kFloatNull:
		if p := v.(*float64); p != nil {
			return *p, nil
		}
		return nil, nil
	case kTextNull:
		if p := v.(*string); p != nil {
			return *p, nil
		}
		return nil, nil
	case kBytes:
		if b := v.([]byte); b != nil {
			return b, nil
		}
		return []byte{}, nil
	case kTextBytes:
		return string(v.([]byte)), nil
	case kBool:
		if v.(bool) {
			return int64(1), nil
		}
		return int64(0), nil
	case kDay:
		d, err := depc.ParseDay("day", v.(string))
		if err != nil {
			return nil, err
		}
		return d.Unix() / 86400, nil
	case kTextList:
		list := v.([]string)
		if list == nil {
			list = []string{}
		}
		b, err := json.Marshal(list)
		return string(b), err
	case kDowntime:
		flat := v.([]int64)
		if len(flat)%2 != 0 {
			return nil, fmt.Errorf("downtime of odd length")
		}
		ps := make([]depc.Period, 0, len(flat)/2)
		for i := 0; i < len(flat); i += 2 {
			ps = append(ps, depc.Period{From: flat[i], To: flat[i+1]})
		}
		return sqlite.EncodeDowntime(ps), nil
	case kChildren:
		flat := v.([]string)
		if len(flat)%2 != 0 {
			return nil, fmt.Errorf("children of odd length")
		}
		keys := make([]depc.NodeKey, 0, len(flat)/2)
		for i := 0; i < len(flat); i += 2 {
			keys = append(keys, depc.NodeKey{Label: flat[i], Name: flat[i+1]})
		}
		return sqlite.EncodeChildren(keys), nil
	}
	return v, nil
}

func (s *sqliteTx) clear(ctx context.Context) error {
	for i := len(tables) - 1; i >= 0; i-- {
		if _, err := s.tx.ExecContext(ctx, `DELETE FROM `+tables[i].name); err != nil {
			return sqliteError(err)
		}
	}
	_, err := s.tx.ExecContext(ctx, `DELETE FROM label_seconds`)
	if err == nil {
		_, err = s.tx.ExecContext(ctx, `DELETE FROM sqlite_sequence`)
	}
	return sqliteError(err)
}

func (s *sqliteTx) load(ctx context.Context, t table, next func() ([]any, error)) error {
	cols := names(t)
	extra := sqliteOnly[t.name]
	cols = append(cols, extra...)
	st, err := s.tx.PrepareContext(ctx, `INSERT INTO `+t.name+` (`+strings.Join(cols, ", ")+`) VALUES (?`+strings.Repeat(", ?", len(cols)-1)+`)`)
	if err != nil {
		return sqliteError(err)
	}
	defer st.Close()
	args := make([]any, len(cols))
	for {
		row, err := next()
		if err != nil || row == nil {
			return err
		}
		for i, c := range t.cols {
			if args[i], err = toSQLite(c.kind, row[i]); err != nil {
				return depc.WrapError(depc.EINVALID, err, "column %s: %v", c.name, err)
			}
		}
		for i := range extra {
			// account.token_hash: random, as migration 5 left it.
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			args[len(t.cols)+i] = b
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return sqliteError(err)
		}
	}
}

func (s *sqliteTx) counter(ctx context.Context, t table) (int64, error) {
	if !t.counter {
		return 0, nil
	}
	var n int64
	err := s.tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = ?`, t.name).Scan(&n)
	return n, sqliteError(err)
}

func (s *sqliteTx) setCounter(ctx context.Context, t table, id int64) error {
	if !t.counter {
		return nil // an INTEGER PRIMARY KEY goes on from the highest id left
	}
	if _, err := s.tx.ExecContext(ctx, `DELETE FROM sqlite_sequence WHERE name = ?`, t.name); err != nil {
		return sqliteError(err)
	}
	_, err := s.tx.ExecContext(ctx, `INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, t.name, id)
	return sqliteError(err)
}
