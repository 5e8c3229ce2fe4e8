package depc

import (
	"context"
	"strings"
	"unicode/utf8"
)

// ClaimedDelivery is a delivery a dispatcher holds until its lease ends,
// with the receiver to send it to as it is now.
type ClaimedDelivery struct {
	AlertDelivery
	Receiver AlertReceiver
}

// DeliveryResult is the outcome of one attempt.
type DeliveryResult struct {
	// At is when the attempt ended (Unix seconds).
	At int64
	// Err is why it failed; "" when the receiver accepted it.
	Err string
	// RetryAt is when to try again after a failure; 0 gives up (the
	// delivery fails).
	RetryAt int64
}

// MaxDeliveryClaim bounds how many deliveries one claim takes.
const MaxDeliveryClaim = 1000

// AlertStore keeps a team's alert receivers, the state of its alerts and
// the deliveries of their changes. Several processes may share a store
// (several replicas of the scheduler): a state change is recorded by one
// of them (ChangeAlert compares and sets), its deliveries are created in
// the same transaction with a unique key, and each is claimed by one
// dispatcher at a time, so a change is sent once (docs/alerts.md).
//
// Times are Unix seconds from the caller's clock.
//
// The conventions of StateStore hold for every method.
type AlertStore interface {
	// SetAlertReceiver creates or replaces the receiver r.Name and returns
	// it. EINVALID when AlertReceiver.Validate fails.
	SetAlertReceiver(ctx context.Context, team string, r AlertReceiver) (AlertReceiver, error)
	// AlertReceiver returns one receiver. ENOTFOUND if absent.
	AlertReceiver(ctx context.Context, team, name string) (AlertReceiver, error)
	// AlertReceivers returns the team's receivers, sorted by name.
	AlertReceivers(ctx context.Context, team string) ([]AlertReceiver, error)
	// DeleteAlertReceiver removes a receiver; its pending deliveries are
	// superseded (the others stay, as history). ENOTFOUND if absent.
	DeleteAlertReceiver(ctx context.Context, team, name string) error

	// Alerts returns the state of the team's alerts, firing and resolved,
	// sorted by ID.
	Alerts(ctx context.Context, team string) ([]Alert, error)
	// ChangeAlert records a new state of a.ID, whose a.Seq must be the
	// stored Seq plus one (1 for an alert not stored), and queues one
	// delivery of it (slot 0) to each of receivers that exists, in one
	// transaction. The deliveries are created, and due, when the state
	// changed: a.StartsAt when firing, a.EndsAt when resolved. Pending deliveries of the alert's older states to
	// those receivers that no dispatcher holds are superseded. ECONFLICT
	// when a.Seq does not follow the stored one: another process changed
	// the alert first, and nothing is written. EINVALID when
	// Alert.Validate fails.
	ChangeAlert(ctx context.Context, team string, a Alert, receivers []string) (Alert, error)
	// QueueAlertRefresh queues the delivery of the alert's state seq
	// again, as slot (> 0) created and due at at, to each of receivers
	// that exists and has no delivery of that key yet; nothing when the alert's stored Seq is no
	// longer seq. Older pending deliveries of the alert to those
	// receivers that no dispatcher holds are superseded. It returns how
	// many deliveries it queued. ENOTFOUND for an unknown alert, EINVALID
	// for a slot < 1.
	QueueAlertRefresh(ctx context.Context, team, id string, seq, slot, at int64, receivers []string) (int, error)

	// ClaimAlertDeliveries gives owner, until now + lease, up to limit (at
	// most MaxDeliveryClaim) pending deliveries of any team that are due
	// (NextAttemptAt <= now) and held by no one (or whose holder's lease
	// ended), oldest due first. A delivery is not claimed while another
	// delivery of the same alert to the same receiver is held, and one
	// that a newer delivery of the same alert and receiver follows is
	// superseded instead: a receiver never sees an older state after a
	// newer one. Two calls never return the same delivery while its lease
	// lasts. EINVALID for an empty owner or a lease < 1.
	ClaimAlertDeliveries(ctx context.Context, owner string, now, lease int64, limit int) ([]ClaimedDelivery, error)
	// FinishAlertDelivery records the attempt owner made of a delivery it
	// claimed: one more attempt, its error (cut to MaxDeliveryErrorLen),
	// and the delivery delivered (Err ""), pending again at RetryAt, or
	// failed (RetryAt 0) — superseded instead when a newer delivery of the
	// alert to the receiver exists. The claim is released. ENOTFOUND for
	// an unknown delivery; ECONFLICT when owner no longer holds it
	// (another dispatcher claimed it after the lease ended), and nothing
	// is written.
	FinishAlertDelivery(ctx context.Context, id int64, owner string, r DeliveryResult) error
	// AlertDeliveries returns up to limit (at most 1000; 100 when
	// limit <= 0) of the team's deliveries, newest first.
	AlertDeliveries(ctx context.Context, team string, limit int) ([]AlertDelivery, error)
	// PruneAlerts deletes, in every team, the deliveries that are no
	// longer pending and were created before before, and the resolved
	// alerts that ended before before and have no pending delivery. It
	// returns how many rows it deleted.
	PruneAlerts(ctx context.Context, before int64) (int, error)
}

// Outcome is what a delivery becomes after the attempt r, the rule every
// store applies in FinishAlertDelivery: delivered at r.At when r.Err is
// ""; else superseded when a newer delivery of the alert to the receiver
// exists (newer), pending again when r.RetryAt > 0, failed otherwise.
// lastError is r.Err as valid UTF-8, cut to MaxDeliveryErrorLen bytes at a
// character.
func (r DeliveryResult) Outcome(newer bool) (status string, deliveredAt int64, lastError string) {
	switch {
	case r.Err == "":
		return DeliveryDelivered, r.At, ""
	case newer:
		status = DeliverySuperseded
	case r.RetryAt > 0:
		status = DeliveryPending
	default:
		status = DeliveryFailed
	}
	msg := strings.ToValidUTF8(r.Err, "\uFFFD")
	if len(msg) > MaxDeliveryErrorLen {
		cut := MaxDeliveryErrorLen
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut]
	}
	return status, 0, msg
}
