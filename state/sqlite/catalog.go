package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"github.com/depc-dev/depc"
)

// Sources, checks (table indicator), rules and configs: a team's catalog.
// Every write runs in one IMMEDIATE transaction, so the reference checks
// (a check's source exists, a deleted rule is unused) cannot race.

func exists(ctx context.Context, q querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// jsonObject reports whether b is one JSON object.
func jsonObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
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
	err := s.write(ctx, "create source", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if sc, err = checkSource(sc); err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM source WHERE team_id = ? AND name = ?`, tid, sc.Name); err != nil || ok {
			if ok {
				return depc.Errorf(depc.ECONFLICT, "source %q already exists", sc.Name)
			}
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO source (team_id, name, plugin, configuration) VALUES (?, ?, ?, ?)`,
			tid, sc.Name, sc.Plugin, []byte(sc.Configuration))
		return err
	})
	if err != nil {
		return depc.SourceConfig{}, err
	}
	return sc, nil
}

// Source returns one source.
func (s *Store) Source(ctx context.Context, team, name string) (depc.SourceConfig, error) {
	var sc depc.SourceConfig
	err := s.read(ctx, "source", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		sc.Name = name
		err = tx.QueryRowContext(ctx, `SELECT plugin, configuration FROM source WHERE team_id = ? AND name = ?`, tid, name).
			Scan(&sc.Plugin, (*[]byte)(&sc.Configuration))
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundSource(name)
		}
		return err
	})
	if err != nil {
		return depc.SourceConfig{}, err
	}
	return sc, nil
}

// Sources returns a team's sources, sorted by name.
func (s *Store) Sources(ctx context.Context, team string) ([]depc.SourceConfig, error) {
	var scs []depc.SourceConfig
	err := s.read(ctx, "sources", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT name, plugin, configuration FROM source WHERE team_id = ? ORDER BY name`, tid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sc depc.SourceConfig
			if err := rows.Scan(&sc.Name, &sc.Plugin, (*[]byte)(&sc.Configuration)); err != nil {
				return err
			}
			scs = append(scs, sc)
		}
		return rows.Err()
	})
	return scs, err
}

// UpdateSource replaces a source.
func (s *Store) UpdateSource(ctx context.Context, team string, sc depc.SourceConfig) (depc.SourceConfig, error) {
	err := s.write(ctx, "update source", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if sc, err = checkSource(sc); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE source SET plugin = ?, configuration = ? WHERE team_id = ? AND name = ?`,
			sc.Plugin, []byte(sc.Configuration), tid, sc.Name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
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
	return s.write(ctx, "delete source", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM source WHERE team_id = ? AND name = ?`, tid, name); err != nil || !ok {
			if err == nil {
				err = notFoundSource(name)
			}
			return err
		}
		var user string
		err = tx.QueryRowContext(ctx, `SELECT name FROM indicator WHERE team_id = ? AND source = ? ORDER BY name LIMIT 1`, tid, name).Scan(&user)
		if err == nil {
			return depc.Errorf(depc.ECONFLICT, "source %q is used by check %q", name, user)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := deleteVariables(ctx, tx, tid, "source", name); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM source WHERE team_id = ? AND name = ?`, tid, name)
		return err
	})
}

// ---- checks

func checkCheck(ctx context.Context, tx *sql.Tx, tid int64, c depc.Check) error {
	if err := c.Validate(); err != nil {
		return err
	}
	ok, err := exists(ctx, tx, `SELECT 1 FROM source WHERE team_id = ? AND name = ?`, tid, c.Source)
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
	err := s.write(ctx, "create check", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := checkCheck(ctx, tx, tid, c); err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM indicator WHERE team_id = ? AND name = ?`, tid, c.Name); err != nil || ok {
			if ok {
				return depc.Errorf(depc.ECONFLICT, "check %q already exists", c.Name)
			}
			return err
		}
		params, err := json.Marshal(c.Parameters)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO indicator (team_id, name, source, type, parameters) VALUES (?, ?, ?, ?, ?)`,
			tid, c.Name, c.Source, c.Type, params)
		return err
	})
	if err != nil {
		return depc.Check{}, err
	}
	return c, nil
}

func scanCheck(sc interface{ Scan(...any) error }, c *depc.Check) error {
	var params []byte
	if err := sc.Scan(&c.Name, &c.Source, &c.Type, &params); err != nil {
		return err
	}
	return json.Unmarshal(params, &c.Parameters)
}

// Check returns one check.
func (s *Store) Check(ctx context.Context, team, name string) (depc.Check, error) {
	var c depc.Check
	err := s.read(ctx, "check", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		err = scanCheck(tx.QueryRowContext(ctx, `SELECT name, source, type, parameters FROM indicator WHERE team_id = ? AND name = ?`, tid, name), &c)
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundCheck(name)
		}
		return err
	})
	if err != nil {
		return depc.Check{}, err
	}
	return c, nil
}

// Checks returns a team's checks, sorted by name.
func (s *Store) Checks(ctx context.Context, team string) ([]depc.Check, error) {
	var cs []depc.Check
	err := s.read(ctx, "checks", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT name, source, type, parameters FROM indicator WHERE team_id = ? ORDER BY name`, tid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c depc.Check
			if err := scanCheck(rows, &c); err != nil {
				return err
			}
			cs = append(cs, c)
		}
		return rows.Err()
	})
	return cs, err
}

// UpdateCheck replaces a check.
func (s *Store) UpdateCheck(ctx context.Context, team string, c depc.Check) (depc.Check, error) {
	err := s.write(ctx, "update check", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM indicator WHERE team_id = ? AND name = ?`, tid, c.Name); err != nil || !ok {
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
		_, err = tx.ExecContext(ctx, `UPDATE indicator SET source = ?, type = ?, parameters = ? WHERE team_id = ? AND name = ?`,
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
	return s.write(ctx, "delete check", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM indicator WHERE team_id = ? AND name = ?`, tid, name); err != nil || !ok {
			if err == nil {
				err = notFoundCheck(name)
			}
			return err
		}
		var user string
		err = tx.QueryRowContext(ctx, `SELECT rule FROM rule_indicator WHERE team_id = ? AND indicator = ? ORDER BY rule LIMIT 1`, tid, name).Scan(&user)
		if err == nil {
			return depc.Errorf(depc.ECONFLICT, "check %q is used by rule %q", name, user)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := deleteVariables(ctx, tx, tid, "check", name); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM indicator WHERE team_id = ? AND name = ?`, tid, name)
		return err
	})
}

// ---- rules

func notFoundRule(name string) error { return depc.Errorf(depc.ENOTFOUND, "rule %q not found", name) }

func checkRule(ctx context.Context, tx *sql.Tx, tid int64, r depc.Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	for i, c := range r.Checks {
		ok, err := exists(ctx, tx, `SELECT 1 FROM indicator WHERE team_id = ? AND name = ?`, tid, c)
		if err != nil {
			return err
		}
		if !ok {
			return depc.Errorf(depc.EINVALID, "checks[%d]: the team has no check %q", i, c)
		}
	}
	return nil
}

func insertRuleChecks(ctx context.Context, tx *sql.Tx, tid int64, r depc.Rule) error {
	for i, c := range r.Checks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rule_indicator (team_id, rule, position, indicator) VALUES (?, ?, ?, ?)`,
			tid, r.Name, i, c); err != nil {
			return err
		}
	}
	return nil
}

// CreateRule creates a rule.
func (s *Store) CreateRule(ctx context.Context, team string, r depc.Rule) (depc.Rule, error) {
	r.Checks = slices.Clone(r.Checks)
	err := s.write(ctx, "create rule", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := checkRule(ctx, tx, tid, r); err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM rule WHERE team_id = ? AND name = ?`, tid, r.Name); err != nil || ok {
			if ok {
				return depc.Errorf(depc.ECONFLICT, "rule %q already exists", r.Name)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rule (team_id, name) VALUES (?, ?)`, tid, r.Name); err != nil {
			return err
		}
		return insertRuleChecks(ctx, tx, tid, r)
	})
	if err != nil {
		return depc.Rule{}, err
	}
	return r, nil
}

// sqlRules lists rules with their checks in order, one row per rule.
const sqlRules = `SELECT r.name, json_group_array(ri.indicator ORDER BY ri.position)
	FROM rule r JOIN rule_indicator ri ON ri.team_id = r.team_id AND ri.rule = r.name
	WHERE r.team_id = ?`

func scanRules(rows *sql.Rows) ([]depc.Rule, error) {
	defer rows.Close()
	var rs []depc.Rule
	for rows.Next() {
		var r depc.Rule
		var checks []byte
		if err := rows.Scan(&r.Name, &checks); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(checks, &r.Checks); err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// Rule returns one rule.
func (s *Store) Rule(ctx context.Context, team, name string) (depc.Rule, error) {
	var rs []depc.Rule
	err := s.read(ctx, "rule", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, sqlRules+` AND r.name = ? GROUP BY r.name`, tid, name)
		if err != nil {
			return err
		}
		rs, err = scanRules(rows)
		return err
	})
	if err != nil {
		return depc.Rule{}, err
	}
	if len(rs) == 0 {
		return depc.Rule{}, notFoundRule(name)
	}
	return rs[0], nil
}

// Rules returns a team's rules, sorted by name.
func (s *Store) Rules(ctx context.Context, team string) ([]depc.Rule, error) {
	var rs []depc.Rule
	err := s.read(ctx, "rules", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, sqlRules+` GROUP BY r.name ORDER BY r.name`, tid)
		if err != nil {
			return err
		}
		rs, err = scanRules(rows)
		return err
	})
	return rs, err
}

// UpdateRule replaces a rule's checks.
func (s *Store) UpdateRule(ctx context.Context, team string, r depc.Rule) (depc.Rule, error) {
	r.Checks = slices.Clone(r.Checks)
	err := s.write(ctx, "update rule", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM rule WHERE team_id = ? AND name = ?`, tid, r.Name); err != nil || !ok {
			if err == nil {
				err = notFoundRule(r.Name)
			}
			return err
		}
		if err := checkRule(ctx, tx, tid, r); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rule_indicator WHERE team_id = ? AND rule = ?`, tid, r.Name); err != nil {
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
	return s.write(ctx, "delete rule", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM rule WHERE team_id = ? AND name = ?`, tid, name); err != nil || !ok {
			if err == nil {
				err = notFoundRule(name)
			}
			return err
		}
		var id int64
		var rules []byte
		err = tx.QueryRowContext(ctx, `SELECT id, rules FROM config WHERE team_id = ? ORDER BY id DESC LIMIT 1`, tid).Scan(&id, &rules)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			var used []string
			if err := json.Unmarshal(rules, &used); err != nil {
				return err
			}
			if slices.Contains(used, name) {
				return depc.Errorf(depc.ECONFLICT, "rule %q is used by the current config (version %d)", name, id)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rule_indicator WHERE team_id = ? AND rule = ?`, tid, name); err != nil {
			return err
		}
		if err := deleteVariables(ctx, tx, tid, "rule", name); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM rule WHERE team_id = ? AND name = ?`, tid, name)
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
	err := s.write(ctx, "save config", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if !jsonObject(doc) {
			return depc.Errorf(depc.EINVALID, "config: must be a JSON object")
		}
		for _, r := range cv.Rules {
			ok, err := exists(ctx, tx, `SELECT 1 FROM rule WHERE team_id = ? AND name = ?`, tid, r)
			if err != nil {
				return err
			}
			if !ok {
				return depc.Errorf(depc.EINVALID, "rule.%s: the team has no rule %q", r, r)
			}
		}
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM config WHERE team_id = ?`, tid).Scan(&cv.ID); err != nil {
			return err
		}
		rs, err := json.Marshal(cv.Rules)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO config (team_id, id, created_at, doc, rules) VALUES (?, ?, ?, ?, ?)`,
			tid, cv.ID, cv.CreatedAt, []byte(cv.Config), rs)
		return err
	})
	if err != nil {
		return depc.ConfigVersion{}, err
	}
	return cv, nil
}

func (s *Store) configs(ctx context.Context, op, team, where string, args ...any) ([]depc.ConfigVersion, error) {
	var cvs []depc.ConfigVersion
	err := s.read(ctx, op, func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, created_at, doc, rules FROM config WHERE team_id = ? `+where, append([]any{tid}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var cv depc.ConfigVersion
			var rules []byte
			if err := rows.Scan(&cv.ID, &cv.CreatedAt, (*[]byte)(&cv.Config), &rules); err != nil {
				return err
			}
			if err := json.Unmarshal(rules, &cv.Rules); err != nil {
				return err
			}
			cvs = append(cvs, cv)
		}
		return rows.Err()
	})
	return cvs, err
}

// Config returns the current config version.
func (s *Store) Config(ctx context.Context, team string) (depc.ConfigVersion, error) {
	cvs, err := s.configs(ctx, "config", team, `ORDER BY id DESC LIMIT 1`)
	if err != nil {
		return depc.ConfigVersion{}, err
	}
	if len(cvs) == 0 {
		return depc.ConfigVersion{}, depc.Errorf(depc.ENOTFOUND, "team %q has no config", team)
	}
	return cvs[0], nil
}

// ConfigVersion returns one config version.
func (s *Store) ConfigVersion(ctx context.Context, team string, id int64) (depc.ConfigVersion, error) {
	cvs, err := s.configs(ctx, "config version", team, `AND id = ?`, id)
	if err != nil {
		return depc.ConfigVersion{}, err
	}
	if len(cvs) == 0 {
		return depc.ConfigVersion{}, depc.Errorf(depc.ENOTFOUND, "config version %d not found", id)
	}
	return cvs[0], nil
}

// Configs returns every config version, newest first.
func (s *Store) Configs(ctx context.Context, team string) ([]depc.ConfigVersion, error) {
	return s.configs(ctx, "configs", team, `ORDER BY id DESC`)
}
