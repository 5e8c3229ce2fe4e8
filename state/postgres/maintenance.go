package postgres

import (
	"context"
	"errors"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

func notFoundMaintenance(id int64) error {
	return depc.Errorf(depc.ENOTFOUND, "maintenance window %d not found", id)
}

// CreateMaintenance saves a new maintenance window.
func (s *Store) CreateMaintenance(ctx context.Context, team string, m depc.Maintenance) (depc.Maintenance, error) {
	err := s.write(ctx, "create maintenance", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if err := m.Validate(); err != nil {
			return err
		}
		m.CreatedAt = s.unix()
		return tx.QueryRow(ctx, `INSERT INTO maintenance (team_id, label, name, from_at, to_at, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, tid, m.Label, m.Name, m.From, m.To, m.Reason, m.CreatedAt).Scan(&m.ID)
	})
	if err != nil {
		return depc.Maintenance{}, err
	}
	return m, nil
}

const maintenanceColumns = `id, label, name, from_at, to_at, reason, created_at`

func scanMaintenance(row pgx.CollectableRow) (depc.Maintenance, error) {
	var m depc.Maintenance
	err := row.Scan(&m.ID, &m.Label, &m.Name, &m.From, &m.To, &m.Reason, &m.CreatedAt)
	return m, err
}

// Maintenance returns one maintenance window.
func (s *Store) Maintenance(ctx context.Context, team string, id int64) (depc.Maintenance, error) {
	var m depc.Maintenance
	ok, err := s.queryRow(ctx, "maintenance", `SELECT `+maintenanceColumns+` FROM maintenance
		WHERE team_id = (SELECT id FROM team WHERE name = $1) AND id = $2`, []any{team, id},
		&m.ID, &m.Label, &m.Name, &m.From, &m.To, &m.Reason, &m.CreatedAt)
	if err != nil {
		return depc.Maintenance{}, err
	}
	if !ok {
		return depc.Maintenance{}, s.teamFirst(ctx, team, notFoundMaintenance(id))
	}
	return m, nil
}

// Maintenances returns the windows that overlap [from, to).
func (s *Store) Maintenances(ctx context.Context, team string, from, to int64) ([]depc.Maintenance, error) {
	if to <= from {
		return nil, s.teamFirst(ctx, team, depc.Errorf(depc.EINVALID, "to: must be after from (%d), not %d", from, to))
	}
	return teamList(ctx, s, "maintenances", team, `SELECT `+maintenanceColumns+` FROM maintenance
		WHERE team_id = (SELECT id FROM team WHERE name = $1) AND from_at < $2 AND to_at > $3 ORDER BY from_at, id`,
		[]any{team, to, from}, scanMaintenance)
}

// UpdateMaintenance replaces a maintenance window.
func (s *Store) UpdateMaintenance(ctx context.Context, team string, m depc.Maintenance) (depc.Maintenance, error) {
	err := s.write(ctx, "update maintenance", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if err := m.Validate(); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `UPDATE maintenance SET label = $1, name = $2, from_at = $3, to_at = $4, reason = $5
			WHERE team_id = $6 AND id = $7 RETURNING created_at`, m.Label, m.Name, m.From, m.To, m.Reason, tid, m.ID).Scan(&m.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFoundMaintenance(m.ID)
		}
		return err
	})
	if err != nil {
		return depc.Maintenance{}, err
	}
	return m, nil
}

// DeleteMaintenance removes a maintenance window.
func (s *Store) DeleteMaintenance(ctx context.Context, team string, id int64) error {
	return s.write(ctx, "delete maintenance", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM maintenance WHERE team_id = $1 AND id = $2`, tid, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFoundMaintenance(id)
		}
		return nil
	})
}
