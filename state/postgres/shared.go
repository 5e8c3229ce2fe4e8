package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// The admin's catalog of shared sources (depc.SharedSourceStore). A grant
// is a team source of plugin depc.PluginShared, so deleting an entry locks
// it and looks for one among every team's sources.

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

func scanShared(r pgx.Row) (depc.SharedSource, error) {
	var e depc.SharedSource
	var enforce string
	if err := r.Scan(&e.Name, &e.Plugin, (*[]byte)(&e.Configuration), &e.Description, &enforce); err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(enforce), &e.Enforce); err != nil {
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
	err = s.write(ctx, "create shared source", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO shared_source (`+sharedColumns+`) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (name) DO NOTHING`, e.Name, e.Plugin, []byte(e.Configuration), e.Description, string(enforce))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return depc.Errorf(depc.ECONFLICT, "shared source %q already exists", e.Name)
		}
		return nil
	})
	if err != nil {
		return depc.SharedSource{}, err
	}
	return e, nil
}

// SharedSource returns one entry.
func (s *Store) SharedSource(ctx context.Context, name string) (depc.SharedSource, error) {
	var e depc.SharedSource
	err := s.write(ctx, "shared source", func(tx pgx.Tx) error {
		var err error
		e, err = scanShared(tx.QueryRow(ctx, `SELECT `+sharedColumns+` FROM shared_source WHERE name = $1`, name))
		if errors.Is(err, pgx.ErrNoRows) {
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
	err := s.write(ctx, "shared sources", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+sharedColumns+` FROM shared_source ORDER BY name`)
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
	err = s.write(ctx, "update shared source", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE shared_source SET plugin = $1, configuration = $2, description = $3, enforce = $4 WHERE name = $5`,
			e.Plugin, []byte(e.Configuration), e.Description, string(enforce), e.Name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFoundShared(e.Name)
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
	return s.write(ctx, "delete shared source", func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM shared_source WHERE name = $1 FOR UPDATE`, name).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFoundShared(name)
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT t.name, s.configuration FROM source s JOIN team t ON t.id = s.team_id
			WHERE s.plugin = $1 ORDER BY t.name, s.name`, depc.PluginShared)
		if err != nil {
			return err
		}
		var granted string
		for rows.Next() {
			var team string
			var conf []byte
			if err := rows.Scan(&team, &conf); err != nil {
				rows.Close()
				return err
			}
			if g, err := depc.DecodeSharedGrant(conf); err == nil && g.Source == name && granted == "" {
				granted = team
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if granted != "" {
			return depc.Errorf(depc.ECONFLICT, "shared source %q is granted to team %s: revoke the grant first", name, granted)
		}
		_, err = tx.Exec(ctx, `DELETE FROM shared_source WHERE name = $1`, name)
		return err
	})
}
