package postgres

import (
	"context"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
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
	err = s.write(ctx, "create team", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO team (name, timezone, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
			t.Name, t.Timezone, s.unix())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return depc.Errorf(depc.ECONFLICT, "team %q already exists", t.Name)
		}
		return nil
	})
	if err != nil {
		return depc.Team{}, err
	}
	return t, nil
}

// Team returns one team.
func (s *Store) Team(ctx context.Context, name string) (depc.Team, error) {
	t := depc.Team{Name: name}
	ok, err := s.queryRow(ctx, "team", `SELECT timezone FROM team WHERE name = $1`, []any{name}, &t.Timezone)
	if err != nil {
		return depc.Team{}, err
	}
	if !ok {
		return depc.Team{}, notFoundTeam(name)
	}
	return t, nil
}

// Teams returns every team, sorted by name.
func (s *Store) Teams(ctx context.Context) ([]depc.Team, error) {
	return list(ctx, s, "teams", `SELECT name, timezone FROM team ORDER BY name`, nil,
		func(r pgx.CollectableRow) (depc.Team, error) {
			var t depc.Team
			return t, r.Scan(&t.Name, &t.Timezone)
		})
}

// UpdateTeam changes a team's time zone.
func (s *Store) UpdateTeam(ctx context.Context, t depc.Team) (depc.Team, error) {
	err := s.write(ctx, "update team", func(tx pgx.Tx) error {
		if _, err := teamID(ctx, tx, t.Name, lockTeamWrite); err != nil {
			return err
		}
		var err error
		if t, err = checkTeam(t); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE team SET timezone = $1 WHERE name = $2`, t.Timezone, t.Name)
		return err
	})
	if err != nil {
		return depc.Team{}, err
	}
	return t, nil
}

// DeleteTeam removes a team and everything of it.
func (s *Store) DeleteTeam(ctx context.Context, name string) error {
	return s.write(ctx, "delete team", func(tx pgx.Tx) error {
		// FOR UPDATE waits for the team's writes in progress, results
		// included, and makes later ones find no team.
		id, err := teamID(ctx, tx, name, lockTeamDelete)
		if err != nil {
			return err
		}
		// The result tables have no foreign key (see the schema); the
		// others cascade from team. rule_indicator goes first: its
		// reference to indicator does not cascade.
		for _, q := range []string{
			`DELETE FROM node_result WHERE team_id = $1`,
			`DELETE FROM label_result WHERE team_id = $1`,
			`DELETE FROM worst_node WHERE team_id = $1`,
			`DELETE FROM rule_indicator WHERE team_id = $1`,
			`DELETE FROM team WHERE id = $1`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}
