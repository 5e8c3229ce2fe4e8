package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/depc-dev/depc"
)

func notFoundMaintenance(id int64) error {
	return depc.Errorf(depc.ENOTFOUND, "maintenance window %d not found", id)
}

// CreateMaintenance saves a new maintenance window.
func (s *Store) CreateMaintenance(ctx context.Context, team string, m depc.Maintenance) (depc.Maintenance, error) {
	err := s.write(ctx, "create maintenance", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := m.Validate(); err != nil {
			return err
		}
		m.CreatedAt = s.unix()
		return tx.QueryRowContext(ctx, `INSERT INTO maintenance (team_id, label, name, from_at, to_at, reason, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, tid, m.Label, m.Name, m.From, m.To, m.Reason, m.CreatedAt).Scan(&m.ID)
	})
	if err != nil {
		return depc.Maintenance{}, err
	}
	return m, nil
}

const maintenanceColumns = `id, label, name, from_at, to_at, reason, created_at`

func scanMaintenance(row interface{ Scan(...any) error }) (depc.Maintenance, error) {
	var m depc.Maintenance
	err := row.Scan(&m.ID, &m.Label, &m.Name, &m.From, &m.To, &m.Reason, &m.CreatedAt)
	return m, err
}

// Maintenance returns one maintenance window.
func (s *Store) Maintenance(ctx context.Context, team string, id int64) (depc.Maintenance, error) {
	var m depc.Maintenance
	err := s.read(ctx, "maintenance", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		m, err = scanMaintenance(tx.QueryRowContext(ctx, `SELECT `+maintenanceColumns+` FROM maintenance WHERE team_id = ? AND id = ?`, tid, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundMaintenance(id)
		}
		return err
	})
	if err != nil {
		return depc.Maintenance{}, err
	}
	return m, nil
}

// Maintenances returns the windows that overlap [from, to).
func (s *Store) Maintenances(ctx context.Context, team string, from, to int64) ([]depc.Maintenance, error) {
	var out []depc.Maintenance
	err := s.read(ctx, "maintenances", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if to <= from {
			return depc.Errorf(depc.EINVALID, "to: must be after from (%d), not %d", from, to)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+maintenanceColumns+` FROM maintenance
			WHERE team_id = ? AND from_at < ? AND to_at > ? ORDER BY from_at, id`, tid, to, from)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMaintenance(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// UpdateMaintenance replaces a maintenance window.
func (s *Store) UpdateMaintenance(ctx context.Context, team string, m depc.Maintenance) (depc.Maintenance, error) {
	err := s.write(ctx, "update maintenance", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := m.Validate(); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `UPDATE maintenance SET label = ?, name = ?, from_at = ?, to_at = ?, reason = ?
			WHERE team_id = ? AND id = ? RETURNING created_at`, m.Label, m.Name, m.From, m.To, m.Reason, tid, m.ID).Scan(&m.CreatedAt)
		if errors.Is(err, sql.ErrNoRows) {
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
	return s.write(ctx, "delete maintenance", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM maintenance WHERE team_id = ? AND id = ?`, tid, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFoundMaintenance(id)
		}
		return nil
	})
}
