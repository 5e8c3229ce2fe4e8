package statecopy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgEnd reads and writes the tables of a PostgreSQL state store, in the
// first schema of the connection's search_path: a repeatable-read
// transaction reads a consistent database, another writes the whole copy
// with COPY.
type pgEnd struct{ pool *pgxpool.Pool }

func pgError(err error) error {
	if err == nil {
		return nil
	}
	var de *depc.Error
	if errors.As(err, &de) {
		return err
	}
	return depc.WrapError(depc.EUNAVAILABLE, err, "PostgreSQL: %v", err)
}

func (e *pgEnd) columns(ctx context.Context) (map[string][]string, error) {
	rows, err := e.pool.Query(ctx, `SELECT c.table_name, c.column_name FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`)
	if err != nil {
		return nil, pgError(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, pgError(err)
		}
		out[t] = append(out[t], c)
	}
	return out, pgError(rows.Err())
}

func (e *pgEnd) count(ctx context.Context, table string) (int64, error) {
	var n int64
	err := e.pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{table}.Sanitize()).Scan(&n)
	return n, pgError(err)
}

type pgTx struct{ tx pgx.Tx }

func (e *pgEnd) read(ctx context.Context) (reader, error) {
	tx, err := e.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, pgError(err)
	}
	return &pgTx{tx}, nil
}

func (e *pgEnd) write(ctx context.Context) (writer, error) {
	tx, err := e.pool.Begin(ctx)
	if err != nil {
		return nil, pgError(err)
	}
	return &pgTx{tx}, nil
}

func (p *pgTx) close()    { _ = p.tx.Rollback(context.Background()) }
func (p *pgTx) rollback() { _ = p.tx.Rollback(context.Background()) }

func (p *pgTx) commit(ctx context.Context) error { return pgError(p.tx.Commit(ctx)) }

// pgSelect is the query of a table's rows: of node_result, only the
// generation of each day that readers see.
func pgSelect(t table) string {
	if t.name == "node_result" {
		cols := make([]string, len(t.cols))
		for i, c := range t.cols {
			cols[i] = "n." + c.name
		}
		return `SELECT ` + strings.Join(cols, ", ") + ` FROM node_result n
			JOIN result_day d ON d.team_id = n.team_id AND d.day = n.day AND d.gen = n.gen`
	}
	return `SELECT ` + strings.Join(names(t), ", ") + ` FROM ` + t.name
}

type pgCursor struct {
	t    table
	rows pgx.Rows
}

func (p *pgTx) rows(ctx context.Context, t table) (cursor, error) {
	rows, err := p.tx.Query(ctx, pgSelect(t))
	if err != nil {
		return nil, pgError(err)
	}
	return &pgCursor{t: t, rows: rows}, nil
}

func (c *pgCursor) close() { c.rows.Close() }

func (c *pgCursor) next() ([]any, error) {
	if !c.rows.Next() {
		return nil, pgError(c.rows.Err())
	}
	dest := make([]any, len(c.t.cols))
	for i, col := range c.t.cols {
		switch col.kind {
		case kInt:
			dest[i] = new(int64)
		case kIntNull:
			dest[i] = new(*int64)
		case kFloat:
			dest[i] = new(float64)
		case kFloatNull:
			dest[i] = new(*float64)
		case kText:
			dest[i] = new(string)
		case kTextNull:
			dest[i] = new(*string)
		case kBytes, kTextBytes:
			dest[i] = new([]byte)
		case kBool:
			dest[i] = new(bool)
		case kDay:
			dest[i] = new(time.Time)
		case kTextList, kChildren:
			dest[i] = new([]string)
		case kDowntime:
			dest[i] = new([]int64)
		}
	}
	if err := c.rows.Scan(dest...); err != nil {
		return nil, pgError(err)
	}
	row := make([]any, len(dest))
	for i, col := range c.t.cols {
		switch d := dest[i].(type) {
		case *int64:
			row[i] = *d
		case **int64:
			row[i] = *d
		case *float64:
			row[i] = *d
		case **float64:
			row[i] = *d
		case *string:
			row[i] = *d
		case **string:
			row[i] = *d
		case *[]byte:
			if *d == nil {
				*d = []byte{}
			}
			row[i] = *d
		case *bool:
			row[i] = *d
		case *time.Time:
			row[i] = d.UTC().Format(time.DateOnly)
		case *[]string:
			switch {
			case col.kind == kTextList && *d == nil:
				*d = []string{}
			case col.kind == kChildren && len(*d) == 0:
				*d = nil
			}
			row[i] = *d
		case *[]int64:
			if len(*d) == 0 {
				*d = nil
			}
			row[i] = *d
		}
	}
	return row, nil
}

// toPostgres turns a canonical value into what pgx writes in the column.
func toPostgres(k kind, v any) (any, error) {
	switch k {
	case kBytes, kTextBytes:
		if b := v.([]byte); b != nil {
			return b, nil
		}
		return []byte{}, nil
	case kDay:
		d, err := depc.ParseDay("day", v.(string))
		return d, err
	case kTextList:
		if l := v.([]string); l != nil {
			return l, nil
		}
		return []string{}, nil
	case kDowntime:
		if l := v.([]int64); len(l) > 0 {
			return l, nil
		}
		return nil, nil
	case kChildren:
		if l := v.([]string); len(l) > 0 {
			return l, nil
		}
		return nil, nil
	}
	return v, nil
}

// copied are the tables copied, for TRUNCATE.
func copied() string {
	ids := make([]string, len(tables))
	for i, t := range tables {
		ids[i] = pgx.Identifier{t.name}.Sanitize()
	}
	return strings.Join(ids, ", ")
}

func (p *pgTx) clear(ctx context.Context) error {
	_, err := p.tx.Exec(ctx, `TRUNCATE `+copied()+` RESTART IDENTITY`)
	return pgError(err)
}

func (p *pgTx) load(ctx context.Context, t table, next func() ([]any, error)) error {
	cols := names(t)
	gen := len(postgresOnly[t.name]) > 0 // the first generation of the day
	if gen {
		cols = append(cols, "gen")
	}
	var failed error
	_, err := p.tx.CopyFrom(ctx, pgx.Identifier{t.name}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		row, err := next()
		if err != nil || row == nil {
			return nil, err
		}
		out := make([]any, len(cols))
		for i, c := range t.cols {
			if out[i], err = toPostgres(c.kind, row[i]); err != nil {
				failed = depc.WrapError(depc.EINVALID, err, "column %s: %v", c.name, err)
				return nil, failed
			}
		}
		if gen {
			out[len(out)-1] = int32(1)
		}
		return out, nil
	}))
	if failed != nil {
		return failed
	}
	return pgError(err)
}

func (p *pgTx) counter(ctx context.Context, t table) (int64, error) {
	if !t.counter {
		return 0, nil
	}
	var seq *string
	if err := p.tx.QueryRow(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, t.name).Scan(&seq); err != nil || seq == nil {
		return 0, pgError(err)
	}
	var last int64
	var called bool
	if err := p.tx.QueryRow(ctx, fmt.Sprintf(`SELECT last_value, is_called FROM %s`, *seq)).Scan(&last, &called); err != nil {
		return 0, pgError(err)
	}
	if !called {
		last--
	}
	return last, nil
}

func (p *pgTx) setCounter(ctx context.Context, t table, id int64) error {
	if !t.identity || id < 1 {
		return nil
	}
	_, err := p.tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), $2, true)`, t.name, id)
	return pgError(err)
}
