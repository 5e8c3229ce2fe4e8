package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/depc-dev/depc"
)

// checkTeam validates a team and fills in its default time zone.
func checkTeam(t depc.Team) (depc.Team, error) {
	if err := t.Validate(); err != nil {
		return t, err
	}
	if t.Timezone == "" {
		t.Timezone = "UTC"
	}
	return t, nil
}

// CreateTeam creates a team.
func (s *Store) CreateTeam(ctx context.Context, t depc.Team) (depc.Team, error) {
	t, err := checkTeam(t)
	if err != nil {
		return depc.Team{}, err
	}
	err = s.write(ctx, "create team", func(tx *sql.Tx) error {
		if _, err := teamID(ctx, tx, t.Name); err == nil {
			return depc.Errorf(depc.ECONFLICT, "team %q already exists", t.Name)
		} else if depc.ErrorCode(err) != depc.ENOTFOUND {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO team (name, timezone, created_at) VALUES (?, ?, ?)`, t.Name, t.Timezone, s.unix())
		return err
	})
	if err != nil {
		return depc.Team{}, err
	}
	return t, nil
}

// Team returns one team.
func (s *Store) Team(ctx context.Context, name string) (depc.Team, error) {
	t := depc.Team{Name: name}
	err := s.r.QueryRowContext(ctx, `SELECT timezone FROM team WHERE name = ?`, name).Scan(&t.Timezone)
	if errors.Is(err, sql.ErrNoRows) {
		return depc.Team{}, notFoundTeam(name)
	}
	if err != nil {
		return depc.Team{}, storeError(err, "team")
	}
	return t, nil
}

// Teams returns every team, sorted by name.
func (s *Store) Teams(ctx context.Context) ([]depc.Team, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, timezone FROM team ORDER BY name`)
	if err != nil {
		return nil, storeError(err, "teams")
	}
	defer rows.Close()
	var ts []depc.Team
	for rows.Next() {
		var t depc.Team
		if err := rows.Scan(&t.Name, &t.Timezone); err != nil {
			return nil, storeError(err, "teams")
		}
		ts = append(ts, t)
	}
	return ts, storeError(rows.Err(), "teams")
}

// UpdateTeam changes a team's time zone.
func (s *Store) UpdateTeam(ctx context.Context, t depc.Team) (depc.Team, error) {
	t, err := checkTeam(t)
	if err != nil {
		return depc.Team{}, err
	}
	err = s.write(ctx, "update team", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE team SET timezone = ? WHERE name = ?`, t.Timezone, t.Name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFoundTeam(t.Name)
		}
		return nil
	})
	if err != nil {
		return depc.Team{}, err
	}
	return t, nil
}

// DeleteTeam removes a team and everything of it.
func (s *Store) DeleteTeam(ctx context.Context, name string) error {
	return s.write(ctx, "delete team", func(tx *sql.Tx) error {
		id, err := teamID(ctx, tx, name)
		if err != nil {
			return err
		}
		// The result tables have no foreign key (see the schema); the
		// others cascade from team. rule_indicator goes first: its
		// reference to indicator does not cascade.
		for _, q := range []string{
			`DELETE FROM node_result WHERE team_id = ?`,
			`DELETE FROM label_result WHERE team_id = ?`,
			`DELETE FROM worst_node WHERE team_id = ?`,
			`DELETE FROM rule_indicator WHERE team_id = ?`,
			`DELETE FROM team WHERE id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}
