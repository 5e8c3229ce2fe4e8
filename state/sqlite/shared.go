package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/depc-dev/depc"
)

// The admin's catalog of shared sources (depc.SharedSourceStore). A grant
// is a team source of plugin depc.PluginShared, so deleting an entry looks
// for one among every team's sources, in the same transaction.

// checkShared validates an entry and returns its stored enforce column.
func checkShared(e depc.SharedSource) (depc.SharedSource, []byte, error) {
	if err := e.Validate(); err != nil {
		return e, nil, err
	}
	var err error
	if e.SourceConfig, err = checkSource(e.SourceConfig); err != nil {
		return e, nil, err
	}
	if e.Enforce == nil {
		e.Enforce = []depc.LabelMatcher{}
	}
	enforce, err := json.Marshal(e.Enforce)
	return e, enforce, err
}

func notFoundShared(name string) error {
	return depc.Errorf(depc.ENOTFOUND, "shared source %q not found", name)
}

func scanShared(sc interface{ Scan(...any) error }) (depc.SharedSource, error) {
	var e depc.SharedSource
	var enforce []byte
	if err := sc.Scan(&e.Name, &e.Plugin, (*[]byte)(&e.Configuration), &e.Description, &enforce); err != nil {
		return e, err
	}
	if err := json.Unmarshal(enforce, &e.Enforce); err != nil {
		return e, depc.WrapError(depc.EINTERNAL, err, "shared source %q: stored enforce: %v", e.Name, err)
	}
	return e, nil
}

const sharedColumns = `name, plugin, configuration, description, enforce`

// CreateSharedSource adds an entry to the catalog.
func (s *Store) CreateSharedSource(ctx context.Context, e depc.SharedSource) (depc.SharedSource, error) {
	e, enforce, err := checkShared(e)
	if err != nil {
		return depc.SharedSource{}, err
	}
	err = s.write(ctx, "create shared source", func(tx *sql.Tx) error {
		if ok, err := exists(ctx, tx, `SELECT 1 FROM shared_source WHERE name = ?`, e.Name); err != nil || ok {
			if ok {
				return depc.Errorf(depc.ECONFLICT, "shared source %q already exists", e.Name)
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO shared_source (`+sharedColumns+`) VALUES (?, ?, ?, ?, ?)`,
			e.Name, e.Plugin, []byte(e.Configuration), e.Description, string(enforce))
		return err
	})
	if err != nil {
		return depc.SharedSource{}, err
	}
	return e, nil
}

// SharedSource returns one entry.
func (s *Store) SharedSource(ctx context.Context, name string) (depc.SharedSource, error) {
	var e depc.SharedSource
	err := s.read(ctx, "shared source", func(tx *sql.Tx) error {
		var err error
		e, err = scanShared(tx.QueryRowContext(ctx, `SELECT `+sharedColumns+` FROM shared_source WHERE name = ?`, name))
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundShared(name)
		}
		return err
	})
	if err != nil {
		return depc.SharedSource{}, err
	}
	return e, nil
}

// SharedSources returns every entry, sorted by name.
func (s *Store) SharedSources(ctx context.Context) ([]depc.SharedSource, error) {
	out := []depc.SharedSource{}
	err := s.read(ctx, "shared sources", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+sharedColumns+` FROM shared_source ORDER BY name`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanShared(rows)
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSharedSource replaces an entry.
func (s *Store) UpdateSharedSource(ctx context.Context, e depc.SharedSource) (depc.SharedSource, error) {
	e, enforce, err := checkShared(e)
	if err != nil {
		return depc.SharedSource{}, err
	}
	err = s.write(ctx, "update shared source", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE shared_source SET plugin = ?, configuration = ?, description = ?, enforce = ? WHERE name = ?`,
			e.Plugin, []byte(e.Configuration), e.Description, string(enforce), e.Name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = notFoundShared(e.Name)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return depc.SharedSource{}, err
	}
	return e, nil
}

// DeleteSharedSource removes an entry no team's source uses.
func (s *Store) DeleteSharedSource(ctx context.Context, name string) error {
	return s.write(ctx, "delete shared source", func(tx *sql.Tx) error {
		if ok, err := exists(ctx, tx, `SELECT 1 FROM shared_source WHERE name = ?`, name); err != nil || !ok {
			if err == nil {
				err = notFoundShared(name)
			}
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT t.name, s.configuration FROM source s JOIN team t ON t.id = s.team_id
			WHERE s.plugin = ? ORDER BY t.name, s.name`, depc.PluginShared)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var team string
			var conf []byte
			if err := rows.Scan(&team, &conf); err != nil {
				return err
			}
			if g, err := depc.DecodeSharedGrant(conf); err == nil && g.Source == name {
				return depc.Errorf(depc.ECONFLICT, "shared source %q is granted to team %s: revoke the grant first", name, team)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM shared_source WHERE name = ?`, name)
		return err
	})
}
