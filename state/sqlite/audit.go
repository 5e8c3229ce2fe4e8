package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/depc-dev/depc"
)

// AddAudit records an entry of the audit log.
func (s *Store) AddAudit(ctx context.Context, e depc.AuditEntry) (depc.AuditEntry, error) {
	if err := e.Validate(); err != nil {
		return depc.AuditEntry{}, err
	}
	e.At = s.unix()
	err := s.write(ctx, "add audit entry", func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO audit (at, team_id, team, actor, action, target, status, before, after)
			VALUES (?, (SELECT id FROM team WHERE name = ?), ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			e.At, e.Team, e.Team, e.User, e.Action, e.Target, e.Status, auditDoc(e.Before), auditDoc(e.After)).Scan(&e.ID)
	})
	if err != nil {
		return depc.AuditEntry{}, err
	}
	return e, nil
}

// auditDoc is a JSON document for its column: empty when absent.
func auditDoc(d json.RawMessage) []byte { return append([]byte{}, d...) }

// Audit returns entries of the audit log, newest first.
func (s *Store) Audit(ctx context.Context, f depc.AuditFilter) ([]depc.AuditEntry, error) {
	limit, err := f.Check()
	if err != nil {
		return nil, err
	}
	before := f.Before
	if before == 0 {
		before = 1<<63 - 1
	}
	var out []depc.AuditEntry
	err = s.read(ctx, "audit", func(tx *sql.Tx) error {
		q := `SELECT id, at, team, actor, action, target, status, before, after FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?`
		args := []any{before, limit}
		if f.Team != "" {
			tid, err := teamID(ctx, tx, f.Team)
			if err != nil {
				return err
			}
			q = `SELECT id, at, team, actor, action, target, status, before, after FROM audit WHERE team_id = ? AND id < ? ORDER BY id DESC LIMIT ?`
			args = []any{tid, before, limit}
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e depc.AuditEntry
			var b, a []byte
			if err := rows.Scan(&e.ID, &e.At, &e.Team, &e.User, &e.Action, &e.Target, &e.Status, &b, &a); err != nil {
				return err
			}
			if len(b) > 0 {
				e.Before = json.RawMessage(b)
			}
			if len(a) > 0 {
				e.After = json.RawMessage(a)
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}
