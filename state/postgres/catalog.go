package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// Sources, checks (table indicator), rules and configs: a team's catalog.
// Every write holds the team's row lock (lockTeamWrite), so the reference
// checks (a check's source exists, a deleted rule is unused) cannot race;
// the foreign keys back them up.

// jsonObject reports whether b is one JSON object.
func jsonObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// exists reports whether query finds a row.
func exists(ctx context.Context, tx pgx.Tx, query string, args ...any) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (`+query+`)`, args...).Scan(&ok)
	return ok, err
}

// ---- sources

// checkSource validates a source and stores an absent configuration as {}.
func checkSource(sc depc.SourceConfig) (depc.SourceConfig, error) {
	if err := sc.Validate(); err != nil {
		return sc, err
	}
	if c := bytes.TrimSpace(sc.Configuration); len(c) == 0 || string(c) == "null" {
		sc.Configuration = json.RawMessage("{}")
	}
	return sc, nil
}

func notFoundSource(name string) error {
	return depc.Errorf(depc.ENOTFOUND, "source %q not found", name)
}

// CreateSource creates a source.
func (s *Store) CreateSource(ctx context.Context, team string, sc depc.SourceConfig) (depc.SourceConfig, error) {
	err := s.write(ctx, "create source", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if sc, err = checkSource(sc); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO source (team_id, name, plugin, configuration) VALUES ($1, $2, $3, $4)
			ON CONFLICT (team_id, name) DO NOTHING`, tid, sc.Name, sc.Plugin, []byte(sc.Configuration))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return depc.Errorf(depc.ECONFLICT, "source %q already exists", sc.Name)
		}
		return nil
	})
	if err != nil {
		return depc.SourceConfig{}, err
	}
	return sc, nil
}

func scanSource(r pgx.CollectableRow) (depc.SourceConfig, error) {
	var sc depc.SourceConfig
	return sc, r.Scan(&sc.Name, &sc.Plugin, (*[]byte)(&sc.Configuration))
}

// Source returns one source.
func (s *Store) Source(ctx context.Context, team, name string) (depc.SourceConfig, error) {
	scs, err := list(ctx, s, "source", `SELECT name, plugin, configuration FROM source
		WHERE team_id = (SELECT id FROM team WHERE name = $1) AND name = $2`, []any{team, name}, scanSource)
	if err != nil {
		return depc.SourceConfig{}, err
	}
	if len(scs) == 0 {
		return depc.SourceConfig{}, s.teamFirst(ctx, team, notFoundSource(name))
	}
	return scs[0], nil
}

// Sources returns a team's sources, sorted by name.
func (s *Store) Sources(ctx context.Context, team string) ([]depc.SourceConfig, error) {
	return teamList(ctx, s, "sources", team, `SELECT name, plugin, configuration FROM source
		WHERE team_id = (SELECT id FROM team WHERE name = $1) ORDER BY name`, []any{team}, scanSource)
}

// UpdateSource replaces a source.
func (s *Store) UpdateSource(ctx context.Context, team string, sc depc.SourceConfig) (depc.SourceConfig, error) {
	err := s.write(ctx, "update source", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if sc, err = checkSource(sc); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE source SET plugin = $1, configuration = $2 WHERE team_id = $3 AND name = $4`,
			sc.Plugin, []byte(sc.Configuration), tid, sc.Name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFoundSource(sc.Name)
		}
		return nil
	})
	if err != nil {
		return depc.SourceConfig{}, err
	}
	return sc, nil
}

// DeleteSource removes a source no check uses.
func (s *Store) DeleteSource(ctx context.Context, team, name string) error {
	return s.write(ctx, "delete source", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		var user *string
		err = tx.QueryRow(ctx, `SELECT (SELECT name FROM indicator WHERE team_id = $1 AND source = $2 ORDER BY name LIMIT 1)
			FROM source WHERE team_id = $1 AND name = $2`, tid, name).Scan(&user)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return notFoundSource(name)
		case err != nil:
			return err
		case user != nil:
			return depc.Errorf(depc.ECONFLICT, "source %q is used by check %q", name, *user)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM variable_set WHERE team_id = $1 AND scope = $2 AND owner = $3`, tid, "source", name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM source WHERE team_id = $1 AND name = $2`, tid, name)
		return err
	})
}

// ---- checks

func checkCheck(ctx context.Context, tx pgx.Tx, tid int64, c depc.Check) error {
	if err := c.Validate(); err != nil {
		return err
	}
	ok, err := exists(ctx, tx, `SELECT FROM source WHERE team_id = $1 AND name = $2`, tid, c.Source)
	if err != nil {
		return err
	}
	if !ok {
		return depc.Errorf(depc.EINVALID, "source: the team has no source %q", c.Source)
	}
	return nil
}

func notFoundCheck(name string) error { return depc.Errorf(depc.ENOTFOUND, "check %q not found", name) }

// CreateCheck creates a check.
func (s *Store) CreateCheck(ctx context.Context, team string, c depc.Check) (depc.Check, error) {
	err := s.write(ctx, "create check", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if err := checkCheck(ctx, tx, tid, c); err != nil {
			return err
		}
		params, err := json.Marshal(c.Parameters)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO indicator (team_id, name, source, type, parameters) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (team_id, name) DO NOTHING`, tid, c.Name, c.Source, c.Type, params)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return depc.Errorf(depc.ECONFLICT, "check %q already exists", c.Name)
		}
		return nil
	})
	if err != nil {
		return depc.Check{}, err
	}
	return c, nil
}

func scanCheck(r pgx.CollectableRow) (depc.Check, error) {
	var c depc.Check
	var params []byte
	if err := r.Scan(&c.Name, &c.Source, &c.Type, &params); err != nil {
		return c, err
	}
	return c, json.Unmarshal(params, &c.Parameters)
}

// Check returns one check.
func (s *Store) Check(ctx context.Context, team, name string) (depc.Check, error) {
	cs, err := list(ctx, s, "check", `SELECT name, source, type, parameters FROM indicator
		WHERE team_id = (SELECT id FROM team WHERE name = $1) AND name = $2`, []any{team, name}, scanCheck)
	if err != nil {
		return depc.Check{}, err
	}
	if len(cs) == 0 {
		return depc.Check{}, s.teamFirst(ctx, team, notFoundCheck(name))
	}
	return cs[0], nil
}

// Checks returns a team's checks, sorted by name.
func (s *Store) Checks(ctx context.Context, team string) ([]depc.Check, error) {
	return teamList(ctx, s, "checks", team, `SELECT name, source, type, parameters FROM indicator
		WHERE team_id = (SELECT id FROM team WHERE name = $1) ORDER BY name`, []any{team}, scanCheck)
}

// UpdateCheck replaces a check.
func (s *Store) UpdateCheck(ctx context.Context, team string, c depc.Check) (depc.Check, error) {
	err := s.write(ctx, "update check", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT FROM indicator WHERE team_id = $1 AND name = $2`, tid, c.Name); err != nil || !ok {
			if err == nil {
				err = notFoundCheck(c.Name)
			}
			return err
		}
		if err := checkCheck(ctx, tx, tid, c); err != nil {
			return err
		}
		params, err := json.Marshal(c.Parameters)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE indicator SET source = $1, type = $2, parameters = $3 WHERE team_id = $4 AND name = $5`,
			c.Source, c.Type, params, tid, c.Name)
		return err
	})
	if err != nil {
		return depc.Check{}, err
	}
	return c, nil
}

// DeleteCheck removes a check no rule uses.
func (s *Store) DeleteCheck(ctx context.Context, team, name string) error {
	return s.write(ctx, "delete check", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		var user *string
		err = tx.QueryRow(ctx, `SELECT (SELECT rule FROM rule_indicator WHERE team_id = $1 AND indicator = $2 ORDER BY rule LIMIT 1)
			FROM indicator WHERE team_id = $1 AND name = $2`, tid, name).Scan(&user)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return notFoundCheck(name)
		case err != nil:
			return err
		case user != nil:
			return depc.Errorf(depc.ECONFLICT, "check %q is used by rule %q", name, *user)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM variable_set WHERE team_id = $1 AND scope = $2 AND owner = $3`, tid, "check", name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM indicator WHERE team_id = $1 AND name = $2`, tid, name)
		return err
	})
}

// ---- rules

func notFoundRule(name string) error { return depc.Errorf(depc.ENOTFOUND, "rule %q not found", name) }

func checkRule(ctx context.Context, tx pgx.Tx, tid int64, r depc.Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	rows, _ := tx.Query(ctx, `SELECT name FROM indicator WHERE team_id = $1 AND name = ANY ($2)`, tid, r.Checks)
	have, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for i, c := range r.Checks {
		if !slices.Contains(have, c) {
			return depc.Errorf(depc.EINVALID, "checks[%d]: the team has no check %q", i, c)
		}
	}
	return nil
}

func insertRuleChecks(ctx context.Context, tx pgx.Tx, tid int64, r depc.Rule) error {
	_, err := tx.Exec(ctx, `INSERT INTO rule_indicator (team_id, rule, position, indicator)
		SELECT $1, $2, c.position - 1, c.indicator FROM unnest($3::text[]) WITH ORDINALITY AS c (indicator, position)`,
		tid, r.Name, r.Checks)
	return err
}

// CreateRule creates a rule.
func (s *Store) CreateRule(ctx context.Context, team string, r depc.Rule) (depc.Rule, error) {
	r.Checks = slices.Clone(r.Checks)
	err := s.write(ctx, "create rule", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if err := checkRule(ctx, tx, tid, r); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO rule (team_id, name) VALUES ($1, $2) ON CONFLICT (team_id, name) DO NOTHING`, tid, r.Name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return depc.Errorf(depc.ECONFLICT, "rule %q already exists", r.Name)
		}
		return insertRuleChecks(ctx, tx, tid, r)
	})
	if err != nil {
		return depc.Rule{}, err
	}
	return r, nil
}

// sqlRules lists a team's rules with their checks in order, one row per
// rule.
const sqlRules = `SELECT r.name, array_agg(ri.indicator ORDER BY ri.position)
	FROM rule r JOIN rule_indicator ri ON ri.team_id = r.team_id AND ri.rule = r.name
	WHERE r.team_id = (SELECT id FROM team WHERE name = $1)`

func scanRule(row pgx.CollectableRow) (depc.Rule, error) {
	var r depc.Rule
	return r, row.Scan(&r.Name, &r.Checks)
}

// Rule returns one rule.
func (s *Store) Rule(ctx context.Context, team, name string) (depc.Rule, error) {
	rs, err := list(ctx, s, "rule", sqlRules+` AND r.name = $2 GROUP BY r.name`, []any{team, name}, scanRule)
	if err != nil {
		return depc.Rule{}, err
	}
	if len(rs) == 0 {
		return depc.Rule{}, s.teamFirst(ctx, team, notFoundRule(name))
	}
	return rs[0], nil
}

// Rules returns a team's rules, sorted by name.
func (s *Store) Rules(ctx context.Context, team string) ([]depc.Rule, error) {
	return teamList(ctx, s, "rules", team, sqlRules+` GROUP BY r.name ORDER BY r.name`, []any{team}, scanRule)
}

// UpdateRule replaces a rule's checks.
func (s *Store) UpdateRule(ctx context.Context, team string, r depc.Rule) (depc.Rule, error) {
	r.Checks = slices.Clone(r.Checks)
	err := s.write(ctx, "update rule", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT FROM rule WHERE team_id = $1 AND name = $2`, tid, r.Name); err != nil || !ok {
			if err == nil {
				err = notFoundRule(r.Name)
			}
			return err
		}
		if err := checkRule(ctx, tx, tid, r); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM rule_indicator WHERE team_id = $1 AND rule = $2`, tid, r.Name); err != nil {
			return err
		}
		return insertRuleChecks(ctx, tx, tid, r)
	})
	if err != nil {
		return depc.Rule{}, err
	}
	return r, nil
}

// DeleteRule removes a rule the current config does not use.
func (s *Store) DeleteRule(ctx context.Context, team, name string) error {
	return s.write(ctx, "delete rule", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT FROM rule WHERE team_id = $1 AND name = $2`, tid, name); err != nil || !ok {
			if err == nil {
				err = notFoundRule(name)
			}
			return err
		}
		var id int64
		var used []string
		err = tx.QueryRow(ctx, `SELECT id, rules FROM config WHERE team_id = $1 ORDER BY id DESC LIMIT 1`, tid).Scan(&id, &used)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		case slices.Contains(used, name):
			return depc.Errorf(depc.ECONFLICT, "rule %q is used by the current config (version %d)", name, id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM rule_indicator WHERE team_id = $1 AND rule = $2`, tid, name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM variable_set WHERE team_id = $1 AND scope = $2 AND owner = $3`, tid, "rule", name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM rule WHERE team_id = $1 AND name = $2`, tid, name)
		return err
	})
}

// ---- configs

// SaveConfig saves a new config version.
func (s *Store) SaveConfig(ctx context.Context, team string, doc json.RawMessage, rules []string) (depc.ConfigVersion, error) {
	cv := depc.ConfigVersion{CreatedAt: s.unix(), Config: slices.Clone(doc)}
	cv.Rules = slices.Compact(slices.Sorted(slices.Values(rules)))
	if cv.Rules == nil {
		cv.Rules = []string{}
	}
	err := s.write(ctx, "save config", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if !jsonObject(doc) {
			return depc.Errorf(depc.EINVALID, "config: must be a JSON object")
		}
		rows, _ := tx.Query(ctx, `SELECT name FROM rule WHERE team_id = $1 AND name = ANY ($2)`, tid, cv.Rules)
		have, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, r := range cv.Rules {
			if !slices.Contains(have, r) {
				return depc.Errorf(depc.EINVALID, "rule.%s: the team has no rule %q", r, r)
			}
		}
		// The team's lock makes max + 1 safe.
		return tx.QueryRow(ctx, `INSERT INTO config (team_id, id, created_at, doc, rules)
			SELECT $1, coalesce(max(id), 0) + 1, $2, $3, $4 FROM config WHERE team_id = $1
			RETURNING id`, tid, cv.CreatedAt, []byte(cv.Config), cv.Rules).Scan(&cv.ID)
	})
	if err != nil {
		return depc.ConfigVersion{}, err
	}
	return cv, nil
}

// configs reads a team's config versions; where follows the team's
// condition, with the argument $2.
func (s *Store) configs(ctx context.Context, op, team, where string, args ...any) ([]depc.ConfigVersion, error) {
	return list(ctx, s, op, `SELECT id, created_at, doc, rules FROM config
		WHERE team_id = (SELECT id FROM team WHERE name = $1) `+where, append([]any{team}, args...),
		func(r pgx.CollectableRow) (depc.ConfigVersion, error) {
			var cv depc.ConfigVersion
			err := r.Scan(&cv.ID, &cv.CreatedAt, (*[]byte)(&cv.Config), &cv.Rules)
			if cv.Rules == nil {
				cv.Rules = []string{}
			}
			return cv, err
		})
}

// Config returns the current config version.
func (s *Store) Config(ctx context.Context, team string) (depc.ConfigVersion, error) {
	cvs, err := s.configs(ctx, "config", team, `ORDER BY id DESC LIMIT 1`)
	if err != nil {
		return depc.ConfigVersion{}, err
	}
	if len(cvs) == 0 {
		return depc.ConfigVersion{}, s.teamFirst(ctx, team, depc.Errorf(depc.ENOTFOUND, "team %q has no config", team))
	}
	return cvs[0], nil
}

// ConfigVersion returns one config version.
func (s *Store) ConfigVersion(ctx context.Context, team string, id int64) (depc.ConfigVersion, error) {
	cvs, err := s.configs(ctx, "config version", team, `AND id = $2`, id)
	if err != nil {
		return depc.ConfigVersion{}, err
	}
	if len(cvs) == 0 {
		return depc.ConfigVersion{}, s.teamFirst(ctx, team, depc.Errorf(depc.ENOTFOUND, "config version %d not found", id))
	}
	return cvs[0], nil
}

// Configs returns every version of a team's config, newest first.
func (s *Store) Configs(ctx context.Context, team string) ([]depc.ConfigVersion, error) {
	cvs, err := s.configs(ctx, "configs", team, `ORDER BY id DESC`)
	if err == nil && cvs == nil {
		err = s.teamFirst(ctx, team, nil)
	}
	return cvs, err
}
