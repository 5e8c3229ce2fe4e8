package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// ---- receivers

func notFoundReceiver(name string) error {
	return depc.Errorf(depc.ENOTFOUND, "alert receiver %q not found", name)
}

// SetAlertReceiver creates or replaces a receiver.
func (s *Store) SetAlertReceiver(ctx context.Context, team string, r depc.AlertReceiver) (depc.AlertReceiver, error) {
	err := s.write(ctx, "set alert receiver", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if err := r.ValidateStored(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO alert_receiver (team_id, name, type, url, secret) VALUES ($1, $2, $3, $4, $5)
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
	ok, err := s.queryRow(ctx, "alert receiver", `SELECT type, url, secret FROM alert_receiver
		WHERE team_id = (SELECT id FROM team WHERE name = $1) AND name = $2`, []any{team, name}, &r.Type, &r.URL, &r.Secret)
	if err != nil {
		return depc.AlertReceiver{}, err
	}
	if !ok {
		return depc.AlertReceiver{}, s.teamFirst(ctx, team, notFoundReceiver(name))
	}
	return r, nil
}

// AlertReceivers returns the team's receivers, sorted by name.
func (s *Store) AlertReceivers(ctx context.Context, team string) ([]depc.AlertReceiver, error) {
	return teamList(ctx, s, "alert receivers", team, `SELECT name, type, url, secret FROM alert_receiver
		WHERE team_id = (SELECT id FROM team WHERE name = $1) ORDER BY name`, []any{team},
		func(row pgx.CollectableRow) (depc.AlertReceiver, error) {
			var r depc.AlertReceiver
			err := row.Scan(&r.Name, &r.Type, &r.URL, &r.Secret)
			return r, err
		})
}

// DeleteAlertReceiver removes a receiver and supersedes its pending
// deliveries.
func (s *Store) DeleteAlertReceiver(ctx context.Context, team, name string) error {
	return s.write(ctx, "delete alert receiver", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM alert_receiver WHERE team_id = $1 AND name = $2`, tid, name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFoundReceiver(name)
		}
		_, err = tx.Exec(ctx, `UPDATE alert_delivery SET status = 'superseded', last_error = 'receiver deleted', claimed_by = '', claimed_until = 0
			WHERE team_id = $1 AND receiver = $2 AND status = 'pending'`, tid, name)
		return err
	})
}

// ---- alert states

// Alerts returns the team's alert states, sorted by ID.
func (s *Store) Alerts(ctx context.Context, team string) ([]depc.Alert, error) {
	return teamList(ctx, s, "alerts", team, `SELECT id, seq, firing, starts_at, ends_at, labels, annotations FROM alert_state
		WHERE team_id = (SELECT id FROM team WHERE name = $1) ORDER BY id`, []any{team},
		func(row pgx.CollectableRow) (depc.Alert, error) {
			var a depc.Alert
			var labels, annotations string
			if err := row.Scan(&a.ID, &a.Seq, &a.Firing, &a.StartsAt, &a.EndsAt, &labels, &annotations); err != nil {
				return a, err
			}
			return a, decodeAlertText(&a, labels, annotations)
		})
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
// The team's row lock orders the changes of two processes: the second
// finds the first one's Seq and answers ECONFLICT.
func (s *Store) ChangeAlert(ctx context.Context, team string, a depc.Alert, receivers []string) (depc.Alert, error) {
	err := s.write(ctx, "change alert", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if err := a.Validate(); err != nil {
			return err
		}
		var cur int64
		err = tx.QueryRow(ctx, `SELECT seq FROM alert_state WHERE team_id = $1 AND id = $2`, tid, a.ID).Scan(&cur)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if a.Seq != cur+1 {
			return depc.Errorf(depc.ECONFLICT, "alert %s: state %d is stored, so the next is %d, not %d", a.ID, cur, cur+1, a.Seq)
		}
		if cur == 0 {
			// An alert pruned earlier starts again at 1: its old
			// deliveries (none pending, PruneAlerts keeps those) go,
			// or their keys would hide the new ones.
			if _, err := tx.Exec(ctx, `DELETE FROM alert_delivery WHERE team_id = $1 AND alert_id = $2`, tid, a.ID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO alert_state (team_id, id, seq, firing, starts_at, ends_at, labels, annotations) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (team_id, id) DO UPDATE SET seq = excluded.seq, firing = excluded.firing, starts_at = excluded.starts_at,
				ends_at = excluded.ends_at, labels = excluded.labels, annotations = excluded.annotations`,
			tid, a.ID, a.Seq, a.Firing, a.StartsAt, a.EndsAt, encodeMap(a.Labels), encodeMap(a.Annotations))
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
func (s *Store) queue(ctx context.Context, tx pgx.Tx, tid int64, a depc.Alert, slot, at int64, receivers []string) (int, error) {
	doc, err := json.Marshal(a)
	if err != nil {
		return 0, err
	}
	n := 0
	names := slices.Clone(receivers)
	slices.Sort(names)
	for _, r := range slices.Compact(names) {
		tag, err := tx.Exec(ctx, `INSERT INTO alert_delivery (team_id, receiver, alert_id, seq, slot, alert, status, attempts, last_error,
				created_at, next_attempt_at, delivered_at, claimed_by, claimed_until)
			SELECT $1, $2, $3, $4, $5, $6, 'pending', 0, '', $7, $7, 0, '', 0
			WHERE EXISTS (SELECT 1 FROM alert_receiver WHERE team_id = $1 AND name = $2)
			ON CONFLICT (team_id, receiver, alert_id, seq, slot) DO NOTHING`,
			tid, r, a.ID, a.Seq, slot, string(doc), at)
		if err != nil {
			return 0, err
		}
		if tag.RowsAffected() == 0 {
			continue
		}
		n++
		_, err = tx.Exec(ctx, `UPDATE alert_delivery SET status = 'superseded'
			WHERE team_id = $1 AND receiver = $2 AND alert_id = $3 AND status = 'pending' AND claimed_by = ''
				AND (seq, slot) < ($4, $5)`, tid, r, a.ID, a.Seq, slot)
		if err != nil {
			return 0, err
		}
	}
	return n, nil
}

// QueueAlertRefresh queues a firing alert's state again for some
// receivers.
func (s *Store) QueueAlertRefresh(ctx context.Context, team, id string, seq, slot, at int64, receivers []string) (int, error) {
	var n int
	err := s.write(ctx, "queue alert refresh", func(tx pgx.Tx) error {
		tid, err := teamID(ctx, tx, team, lockTeamWrite)
		if err != nil {
			return err
		}
		if slot < 1 {
			return depc.Errorf(depc.EINVALID, "slot: must be at least 1, not %d", slot)
		}
		a := depc.Alert{ID: id}
		var labels, annotations string
		err = tx.QueryRow(ctx, `SELECT seq, firing, starts_at, ends_at, labels, annotations FROM alert_state WHERE team_id = $1 AND id = $2`, tid, id).
			Scan(&a.Seq, &a.Firing, &a.StartsAt, &a.EndsAt, &labels, &annotations)
		if errors.Is(err, pgx.ErrNoRows) {
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

func scanDelivery(row pgx.Row, extra ...any) (depc.AlertDelivery, error) {
	var d depc.AlertDelivery
	var doc string
	dst := append([]any{&d.ID, &d.Team, &d.Receiver, &doc, &d.Slot, &d.Status, &d.Attempts, &d.LastError, &d.CreatedAt, &d.NextAttemptAt, &d.DeliveredAt}, extra...)
	if err := row.Scan(dst...); err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(doc), &d.Alert); err != nil {
		return d, depc.WrapError(depc.EINTERNAL, err, "delivery %d: alert", d.ID)
	}
	return d, nil
}

// claimLock is the advisory lock that serializes claims: a claim reads
// which deliveries are held before it holds more, which two concurrent
// claims must not both do at once. Claims are small and rare (a
// dispatcher's poll), so one at a time costs nothing.
const claimLock = 0x64657063_616c7274 // "depcalrt"

// ClaimAlertDeliveries gives owner the due deliveries no one holds.
func (s *Store) ClaimAlertDeliveries(ctx context.Context, owner string, now, lease int64, limit int) ([]depc.ClaimedDelivery, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if owner == "" {
		return nil, depc.Errorf(depc.EINVALID, "owner: required")
	}
	if lease < 1 {
		return nil, depc.Errorf(depc.EINVALID, "lease: must be at least 1 second, not %d", lease)
	}
	limit = min(max(limit, 1), depc.MaxDeliveryClaim)
	var out []depc.ClaimedDelivery
	err := s.write(ctx, "claim alert deliveries", func(tx pgx.Tx) error {
		out = nil
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(claimLock)); err != nil {
			return err
		}
		// A pending delivery that a newer one of the same alert and
		// receiver follows is not sent: the newer one says more.
		_, err := tx.Exec(ctx, `UPDATE alert_delivery d SET status = 'superseded', claimed_by = '', claimed_until = 0
			WHERE d.status = 'pending' AND d.claimed_until <= $1 AND EXISTS (
				SELECT 1 FROM alert_delivery n WHERE n.team_id = d.team_id AND n.receiver = d.receiver
					AND n.alert_id = d.alert_id AND (n.seq, n.slot) > (d.seq, d.slot))`, now)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `UPDATE alert_delivery SET claimed_by = $3, claimed_until = $4 WHERE id IN (
				SELECT d.id FROM alert_delivery d
				WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND d.claimed_until <= $1
					AND NOT EXISTS (SELECT 1 FROM alert_delivery o WHERE o.team_id = d.team_id AND o.receiver = d.receiver
						AND o.alert_id = d.alert_id AND o.id <> d.id AND o.status = 'pending' AND o.claimed_until > $1)
				ORDER BY d.next_attempt_at, d.id LIMIT $2)
			RETURNING id`, now, limit, owner, now+lease)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `SELECT `+deliveryColumns+`, r.type, r.url, r.secret
			FROM alert_delivery d JOIN team t ON t.id = d.team_id
			JOIN alert_receiver r ON r.team_id = d.team_id AND r.name = d.receiver
			WHERE d.id = ANY($1) ORDER BY d.next_attempt_at, d.id`, ids)
		out, err = collect(rows, func(row pgx.CollectableRow) (depc.ClaimedDelivery, error) {
			var c depc.ClaimedDelivery
			var err error
			c.AlertDelivery, err = scanDelivery(row, &c.Receiver.Type, &c.Receiver.URL, &c.Receiver.Secret)
			c.Receiver.Name = c.AlertDelivery.Receiver
			return c, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FinishAlertDelivery records an attempt.
func (s *Store) FinishAlertDelivery(ctx context.Context, id int64, owner string, r depc.DeliveryResult) error {
	return s.write(ctx, "finish alert delivery", func(tx pgx.Tx) error {
		var status, by, receiver, alertID string
		var tid, seq, slot int64
		err := tx.QueryRow(ctx, `SELECT status, claimed_by, team_id, receiver, alert_id, seq, slot FROM alert_delivery WHERE id = $1 FOR UPDATE`, id).
			Scan(&status, &by, &tid, &receiver, &alertID, &seq, &slot)
		if errors.Is(err, pgx.ErrNoRows) {
			return depc.Errorf(depc.ENOTFOUND, "alert delivery %d not found", id)
		}
		if err != nil {
			return err
		}
		if status != depc.DeliveryPending || by != owner {
			return depc.Errorf(depc.ECONFLICT, "alert delivery %d is not held by %s", id, owner)
		}
		var newer bool
		err = tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM alert_delivery WHERE team_id = $1 AND receiver = $2 AND alert_id = $3
			AND (seq, slot) > ($4, $5))`, tid, receiver, alertID, seq, slot).Scan(&newer)
		if err != nil {
			return err
		}
		next, delivered, msg := r.Outcome(newer)
		_, err = tx.Exec(ctx, `UPDATE alert_delivery SET status = $1, attempts = attempts + 1, last_error = $2, next_attempt_at = $3,
				delivered_at = $4, claimed_by = '', claimed_until = 0 WHERE id = $5`,
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
	return teamList(ctx, s, "alert deliveries", team, `SELECT `+deliveryColumns+` FROM alert_delivery d JOIN team t ON t.id = d.team_id
		WHERE t.name = $1 ORDER BY d.id DESC LIMIT $2`, []any{team, limit},
		func(row pgx.CollectableRow) (depc.AlertDelivery, error) { return scanDelivery(row) })
}

// PruneAlerts deletes old finished deliveries and old resolved alerts.
func (s *Store) PruneAlerts(ctx context.Context, before int64) (int, error) {
	var n int64
	err := s.write(ctx, "prune alerts", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM alert_delivery WHERE status <> 'pending' AND created_at < $1`, before)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		tag, err = tx.Exec(ctx, `DELETE FROM alert_state a WHERE NOT a.firing AND a.ends_at < $1 AND NOT EXISTS (
			SELECT 1 FROM alert_delivery d WHERE d.team_id = a.team_id AND d.alert_id = a.id AND d.status = 'pending')`, before)
		if err != nil {
			return err
		}
		n += tag.RowsAffected()
		return nil
	})
	return int(n), err
}
