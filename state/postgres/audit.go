package postgres

import (
	"context"
	"encoding/json"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// AddAudit records an entry of the audit log.
func (s *Store) AddAudit(ctx context.Context, e depc.AuditEntry) (depc.AuditEntry, error) {
	if err := e.Validate(); err != nil {
		return depc.AuditEntry{}, err
	}
	e.At = s.unix()
	ok, err := s.queryRow(ctx, "add audit entry", `INSERT INTO audit (at, team_id, team, actor, action, target, status, before, after)
		VALUES ($1, (SELECT id FROM team WHERE name = $2), $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		[]any{e.At, e.Team, e.User, e.Action, e.Target, e.Status, auditDoc(e.Before), auditDoc(e.After)}, &e.ID)
	if err != nil {
		return depc.AuditEntry{}, err
	}
	if !ok {
		return depc.AuditEntry{}, depc.Errorf(depc.EINTERNAL, "add audit entry: no id returned")
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
	scan := func(r pgx.CollectableRow) (depc.AuditEntry, error) {
		var e depc.AuditEntry
		var b, a []byte
		err := r.Scan(&e.ID, &e.At, &e.Team, &e.User, &e.Action, &e.Target, &e.Status, &b, &a)
		if len(b) > 0 {
			e.Before = json.RawMessage(b)
		}
		if len(a) > 0 {
			e.After = json.RawMessage(a)
		}
		return e, err
	}
	const cols = `SELECT id, at, team, actor, action, target, status, before, after FROM audit `
	if f.Team == "" {
		return list(ctx, s, "audit", cols+`WHERE id < $1 ORDER BY id DESC LIMIT $2`, []any{before, limit}, scan)
	}
	// By the team's id: a deleted team's entries are the admins' (the
	// whole log), not those of a new team of the same name.
	return teamList(ctx, s, "audit", f.Team, cols+`WHERE team_id = (SELECT id FROM team WHERE name = $1) AND id < $2
		ORDER BY id DESC LIMIT $3`, []any{f.Team, before, limit}, scan)
}
