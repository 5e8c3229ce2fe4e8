package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"github.com/depc-dev/depc"
)

// ---- receivers

func notFoundReceiver(name string) error {
	return depc.Errorf(depc.ENOTFOUND, "alert receiver %q not found", name)
}

// SetAlertReceiver creates or replaces a receiver.
func (s *Store) SetAlertReceiver(ctx context.Context, team string, r depc.AlertReceiver) (depc.AlertReceiver, error) {
	err := s.write(ctx, "set alert receiver", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := r.ValidateStored(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO alert_receiver (team_id, name, type, url, secret) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (team_id, name) DO UPDATE SET type = excluded.type, url = excluded.url, secret = excluded.secret`,
			tid, r.Name, r.Type, r.URL, r.Secret)
		return err
	})
	if err != nil {
		return depc.AlertReceiver{}, err
	}
	return r, nil
}

// AlertReceiver returns one receiver.
func (s *Store) AlertReceiver(ctx context.Context, team, name string) (depc.AlertReceiver, error) {
	r := depc.AlertReceiver{Name: name}
	err := s.read(ctx, "alert receiver", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT type, url, secret FROM alert_receiver WHERE team_id = ? AND name = ?`, tid, name).
			Scan(&r.Type, &r.URL, &r.Secret)
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundReceiver(name)
		}
		return err
	})
	if err != nil {
		return depc.AlertReceiver{}, err
	}
	return r, nil
}

// AlertReceivers returns the team's receivers, sorted by name.
func (s *Store) AlertReceivers(ctx context.Context, team string) ([]depc.AlertReceiver, error) {
	var out []depc.AlertReceiver
	err := s.read(ctx, "alert receivers", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT name, type, url, secret FROM alert_receiver WHERE team_id = ? ORDER BY name`, tid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r depc.AlertReceiver
			if err := rows.Scan(&r.Name, &r.Type, &r.URL, &r.Secret); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteAlertReceiver removes a receiver and supersedes its pending
// deliveries.
func (s *Store) DeleteAlertReceiver(ctx context.Context, team, name string) error {
	return s.write(ctx, "delete alert receiver", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM alert_receiver WHERE team_id = ? AND name = ?`, tid, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFoundReceiver(name)
		}
		_, err = tx.ExecContext(ctx, `UPDATE alert_delivery SET status = 'superseded', last_error = 'receiver deleted', claimed_by = '', claimed_until = 0
			WHERE team_id = ? AND receiver = ? AND status = 'pending'`, tid, name)
		return err
	})
}

// ---- alert states

// Alerts returns the team's alert states, sorted by ID.
func (s *Store) Alerts(ctx context.Context, team string) ([]depc.Alert, error) {
	var out []depc.Alert
	err := s.read(ctx, "alerts", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, seq, firing, starts_at, ends_at, labels, annotations FROM alert_state WHERE team_id = ? ORDER BY id`, tid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a depc.Alert
			var labels, annotations string
			if err := rows.Scan(&a.ID, &a.Seq, &a.Firing, &a.StartsAt, &a.EndsAt, &labels, &annotations); err != nil {
				return err
			}
			if err := decodeAlertText(&a, labels, annotations); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

func decodeAlertText(a *depc.Alert, labels, annotations string) error {
	if err := json.Unmarshal([]byte(labels), &a.Labels); err != nil {
		return depc.WrapError(depc.EINTERNAL, err, "alert %s: labels", a.ID)
	}
	if err := json.Unmarshal([]byte(annotations), &a.Annotations); err != nil {
		return depc.WrapError(depc.EINTERNAL, err, "alert %s: annotations", a.ID)
	}
	return nil
}

func encodeMap(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// ChangeAlert records a new state of an alert and queues its deliveries.
func (s *Store) ChangeAlert(ctx context.Context, team string, a depc.Alert, receivers []string) (depc.Alert, error) {
	err := s.write(ctx, "change alert", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := a.Validate(); err != nil {
			return err
		}
		var cur int64
		err = tx.QueryRowContext(ctx, `SELECT seq FROM alert_state WHERE team_id = ? AND id = ?`, tid, a.ID).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if a.Seq != cur+1 {
			return depc.Errorf(depc.ECONFLICT, "alert %s: state %d is stored, so the next is %d, not %d", a.ID, cur, cur+1, a.Seq)
		}
		if cur == 0 {
			// An alert pruned earlier starts again at 1: its old
			// deliveries (none pending, PruneAlerts keeps those) go,
			// or their keys would hide the new ones.
			if _, err := tx.ExecContext(ctx, `DELETE FROM alert_delivery WHERE team_id = ? AND alert_id = ?`, tid, a.ID); err != nil {
				return err
			}
		}
		labels, annotations := encodeMap(a.Labels), encodeMap(a.Annotations)
		_, err = tx.ExecContext(ctx, `INSERT INTO alert_state (team_id, id, seq, firing, starts_at, ends_at, labels, annotations) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (team_id, id) DO UPDATE SET seq = excluded.seq, firing = excluded.firing, starts_at = excluded.starts_at,
				ends_at = excluded.ends_at, labels = excluded.labels, annotations = excluded.annotations`,
			tid, a.ID, a.Seq, boolInt(a.Firing), a.StartsAt, a.EndsAt, labels, annotations)
		if err != nil {
			return err
		}
		_, err = s.queue(ctx, tx, tid, a, 0, a.ChangedAt(), receivers)
		return err
	})
	if err != nil {
		return depc.Alert{}, err
	}
	return a, nil
}

// queue inserts the deliveries of a as slot, created and due at at, to each receiver that exists
// and has none of that key, superseding the older pending ones no one
// holds, and returns how many it inserted.
func (s *Store) queue(ctx context.Context, tx *sql.Tx, tid int64, a depc.Alert, slot, at int64, receivers []string) (int, error) {
	doc, err := json.Marshal(a)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range dedup(receivers) {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM alert_receiver WHERE team_id = ? AND name = ?`, tid, r).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO alert_delivery (team_id, receiver, alert_id, seq, slot, alert, status, attempts, last_error,
				created_at, next_attempt_at, delivered_at, claimed_by, claimed_until)
			VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, '', ?, ?, 0, '', 0)
			ON CONFLICT (team_id, receiver, alert_id, seq, slot) DO NOTHING`,
			tid, r, a.ID, a.Seq, slot, string(doc), at, at)
		if err != nil {
			return 0, err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			continue
		}
		n++
		_, err = tx.ExecContext(ctx, `UPDATE alert_delivery SET status = 'superseded'
			WHERE team_id = ? AND receiver = ? AND alert_id = ? AND status = 'pending' AND claimed_by = ''
				AND (seq < ? OR (seq = ? AND slot < ?))`, tid, r, a.ID, a.Seq, a.Seq, slot)
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

func dedup(names []string) []string {
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}

// QueueAlertRefresh queues a firing alert's state again for some
// receivers.
func (s *Store) QueueAlertRefresh(ctx context.Context, team, id string, seq, slot, at int64, receivers []string) (int, error) {
	var n int
	err := s.write(ctx, "queue alert refresh", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if slot < 1 {
			return depc.Errorf(depc.EINVALID, "slot: must be at least 1, not %d", slot)
		}
		a := depc.Alert{ID: id}
		var labels, annotations string
		err = tx.QueryRowContext(ctx, `SELECT seq, firing, starts_at, ends_at, labels, annotations FROM alert_state WHERE team_id = ? AND id = ?`, tid, id).
			Scan(&a.Seq, &a.Firing, &a.StartsAt, &a.EndsAt, &labels, &annotations)
		if errors.Is(err, sql.ErrNoRows) {
			return depc.Errorf(depc.ENOTFOUND, "alert %q not found", id)
		}
		if err != nil {
			return err
		}
		if a.Seq != seq {
			return nil
		}
		if err := decodeAlertText(&a, labels, annotations); err != nil {
			return err
		}
		n, err = s.queue(ctx, tx, tid, a, slot, at, receivers)
		return err
	})
	return n, err
}

// ---- deliveries

const deliveryColumns = `d.id, t.name, d.receiver, d.alert, d.slot, d.status, d.attempts, d.last_error, d.created_at, d.next_attempt_at, d.delivered_at`

func scanDelivery(sc interface{ Scan(...any) error }, extra ...any) (depc.AlertDelivery, error) {
	var d depc.AlertDelivery
	var doc string
	dst := append([]any{&d.ID, &d.Team, &d.Receiver, &doc, &d.Slot, &d.Status, &d.Attempts, &d.LastError, &d.CreatedAt, &d.NextAttemptAt, &d.DeliveredAt}, extra...)
	if err := sc.Scan(dst...); err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(doc), &d.Alert); err != nil {
		return d, depc.WrapError(depc.EINTERNAL, err, "delivery %d: alert", d.ID)
	}
	return d, nil
}

// ClaimAlertDeliveries gives owner the due deliveries no one holds.
func (s *Store) ClaimAlertDeliveries(ctx context.Context, owner string, now, lease int64, limit int) ([]depc.ClaimedDelivery, error) {
	if owner == "" {
		return nil, depc.Errorf(depc.EINVALID, "owner: required")
	}
	if lease < 1 {
		return nil, depc.Errorf(depc.EINVALID, "lease: must be at least 1 second, not %d", lease)
	}
	limit = min(max(limit, 1), depc.MaxDeliveryClaim)
	var out []depc.ClaimedDelivery
	err := s.write(ctx, "claim alert deliveries", func(tx *sql.Tx) error {
		// A pending delivery that a newer one of the same alert and
		// receiver follows is not sent: the newer one says more.
		_, err := tx.ExecContext(ctx, `UPDATE alert_delivery SET status = 'superseded', claimed_by = '', claimed_until = 0
			WHERE status = 'pending' AND claimed_until <= ? AND EXISTS (
				SELECT 1 FROM alert_delivery n WHERE n.team_id = alert_delivery.team_id AND n.receiver = alert_delivery.receiver
					AND n.alert_id = alert_delivery.alert_id
					AND (n.seq > alert_delivery.seq OR (n.seq = alert_delivery.seq AND n.slot > alert_delivery.slot)))`, now)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT d.id FROM alert_delivery d
			WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND d.claimed_until <= ?
				AND NOT EXISTS (SELECT 1 FROM alert_delivery o WHERE o.team_id = d.team_id AND o.receiver = d.receiver
					AND o.alert_id = d.alert_id AND o.id <> d.id AND o.status = 'pending' AND o.claimed_until > ?)
			ORDER BY d.next_attempt_at, d.id LIMIT ?`, now, now, now, limit)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE alert_delivery SET claimed_by = ?, claimed_until = ? WHERE id = ?`, owner, now+lease, id); err != nil {
				return err
			}
			row := tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+`, r.type, r.url, r.secret
				FROM alert_delivery d JOIN team t ON t.id = d.team_id
				JOIN alert_receiver r ON r.team_id = d.team_id AND r.name = d.receiver
				WHERE d.id = ?`, id)
			var c depc.ClaimedDelivery
			c.AlertDelivery, err = scanDelivery(row, &c.Receiver.Type, &c.Receiver.URL, &c.Receiver.Secret)
			if err != nil {
				return err
			}
			c.Receiver.Name = c.AlertDelivery.Receiver
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FinishAlertDelivery records an attempt.
func (s *Store) FinishAlertDelivery(ctx context.Context, id int64, owner string, r depc.DeliveryResult) error {
	return s.write(ctx, "finish alert delivery", func(tx *sql.Tx) error {
		var status, by, receiver, alertID string
		var tid, seq, slot int64
		err := tx.QueryRowContext(ctx, `SELECT status, claimed_by, team_id, receiver, alert_id, seq, slot FROM alert_delivery WHERE id = ?`, id).
			Scan(&status, &by, &tid, &receiver, &alertID, &seq, &slot)
		if errors.Is(err, sql.ErrNoRows) {
			return depc.Errorf(depc.ENOTFOUND, "alert delivery %d not found", id)
		}
		if err != nil {
			return err
		}
		if status != depc.DeliveryPending || by != owner {
			return depc.Errorf(depc.ECONFLICT, "alert delivery %d is not held by %s", id, owner)
		}
		var newer bool
		err = tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM alert_delivery WHERE team_id = ? AND receiver = ? AND alert_id = ?
			AND (seq > ? OR (seq = ? AND slot > ?)))`, tid, receiver, alertID, seq, seq, slot).Scan(&newer)
		if err != nil {
			return err
		}
		next, delivered, msg := r.Outcome(newer)
		_, err = tx.ExecContext(ctx, `UPDATE alert_delivery SET status = ?, attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
				delivered_at = ?, claimed_by = '', claimed_until = 0 WHERE id = ?`,
			next, msg, max(r.RetryAt, 0), delivered, id)
		return err
	})
}

// AlertDeliveries returns the team's latest deliveries, newest first.
func (s *Store) AlertDeliveries(ctx context.Context, team string, limit int) ([]depc.AlertDelivery, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var out []depc.AlertDelivery
	err := s.read(ctx, "alert deliveries", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM alert_delivery d JOIN team t ON t.id = d.team_id
			WHERE d.team_id = ? ORDER BY d.id DESC LIMIT ?`, tid, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// PruneAlerts deletes old finished deliveries and old resolved alerts.
func (s *Store) PruneAlerts(ctx context.Context, before int64) (int, error) {
	var n int64
	err := s.write(ctx, "prune alerts", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM alert_delivery WHERE status <> 'pending' AND created_at < ?`, before)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		n += k
		res, err = tx.ExecContext(ctx, `DELETE FROM alert_state WHERE firing = 0 AND ends_at < ? AND NOT EXISTS (
			SELECT 1 FROM alert_delivery d WHERE d.team_id = alert_state.team_id AND d.alert_id = alert_state.id AND d.status = 'pending')`, before)
		if err != nil {
			return err
		}
		k, _ = res.RowsAffected()
		n += k
		return nil
	})
	return int(n), err
}
