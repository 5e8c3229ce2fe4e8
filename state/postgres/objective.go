package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// ---- objectives

func notFoundObjective(label, name string) error {
	if name == "" {
		return depc.Errorf(depc.ENOTFOUND, "label %q has no objective", label)
	}
	return depc.Errorf(depc.ENOTFOUND, "node %s/%s has no objective of its own", label, name)
}

// SetObjective creates or replaces an objective.
func (s *Store) SetObjective(ctx context.Context, team string, o depc.Objective) (depc.Objective, error) {
	err := s.write(ctx, "set objective", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO objective (team_id, label, name, target, window_kind) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (team_id, label, name) DO UPDATE SET target = excluded.target, window_kind = excluded.window_kind`,
			tid, o.Label, o.Name, o.Target, string(o.Window))
		return err
	})
	if err != nil {
		return depc.Objective{}, err
	}
	return o, nil
}

// Objective returns one objective.
func (s *Store) Objective(ctx context.Context, team, label, name string) (depc.Objective, error) {
	o := depc.Objective{Label: label, Name: name}
	ok, err := s.queryRow(ctx, "objective", `SELECT target, window_kind FROM objective
		WHERE team_id = (SELECT id FROM team WHERE name = $1) AND label = $2 AND name = $3`,
		[]any{team, label, name}, &o.Target, (*string)(&o.Window))
	if err != nil {
		return depc.Objective{}, err
	}
	if !ok {
		return depc.Objective{}, s.teamFirst(ctx, team, notFoundObjective(label, name))
	}
	return o, nil
}

// Objectives returns a team's objectives, sorted by label then name.
func (s *Store) Objectives(ctx context.Context, team string) ([]depc.Objective, error) {
	return teamList(ctx, s, "objectives", team, `SELECT label, name, target, window_kind FROM objective
		WHERE team_id = (SELECT id FROM team WHERE name = $1) ORDER BY label, name`, []any{team},
		func(row pgx.CollectableRow) (depc.Objective, error) {
			var o depc.Objective
			err := row.Scan(&o.Label, &o.Name, &o.Target, (*string)(&o.Window))
			return o, err
		})
}

// DeleteObjective removes one objective.
func (s *Store) DeleteObjective(ctx context.Context, team, label, name string) error {
	return s.write(ctx, "delete objective", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM objective WHERE team_id = $1 AND label = $2 AND name = $3`, tid, label, name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFoundObjective(label, name)
		}
		return nil
	})
}

// ---- the seconds budgets read

// LabelSeconds reads the seconds of a label's nodes, day by day, in one
// repeatable-read transaction: every day as one snapshot has it. The rows
// come in key order (day, then name), streamed.
func (s *Store) LabelSeconds(ctx context.Context, team, label, start, end string, fn func(day string, nodes []depc.NodeSeconds) error) error {
	const op = "label seconds"
	ds, de, err := depc.ParseDayRange(start, end)
	if err != nil {
		return s.teamFirst(ctx, team, err)
	}
	if de.Sub(ds) >= depc.MaxLabelSecondsDays*24*time.Hour {
		return s.teamFirst(ctx, team, depc.Errorf(depc.EINVALID, "start..end: at most %d days at once", depc.MaxLabelSecondsDays))
	}
	if err := s.usable(); err != nil {
		return err
	}
	var fnErr error
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, "")
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT day FROM result_day WHERE team_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day`, tid, ds, de)
		days, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
		if err != nil || len(days) == 0 {
			return err
		}
		rows, _ = tx.Query(ctx, `SELECT day, name, ok, ko, unknown, downtime FROM node_result
			WHERE team_id = $1 AND day BETWEEN $2 AND $3 AND label_id = (SELECT id FROM label WHERE name = $4) AND ok IS NOT NULL
			ORDER BY day, name`, tid, ds, de, label)
		defer rows.Close()
		var nodes []depc.NodeSeconds
		i := 0
		// flush calls fn for the days up to and including days[upto].
		flush := func(upto int) error {
			for ; i <= upto; i++ {
				if err := fn(depc.FormatDay(days[i]), nodes); err != nil {
					fnErr = err
					return err
				}
				nodes = nodes[:0]
			}
			return nil
		}
		for rows.Next() {
			var day time.Time
			var n depc.NodeSeconds
			var downtime []int64
			if err := rows.Scan(&day, &n.Name, &n.OK, &n.KO, &n.Unknown, &downtime); err != nil {
				return err
			}
			for i < len(days) && days[i].Before(day) {
				if err := flush(i); err != nil {
					return err
				}
			}
			if len(downtime)%2 != 0 {
				return errors.New("node " + n.Name + ": downtime of odd length")
			}
			for k := 0; k < len(downtime); k += 2 {
				n.Downtime = append(n.Downtime, depc.Period{From: downtime[k], To: downtime[k+1]})
			}
			nodes = append(nodes, n)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return flush(len(days) - 1)
	})
	if fnErr != nil {
		return fnErr
	}
	return storeError(err, op)
}
