package depc

import (
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Kinds of alert receivers (docs/alerts.md).
const (
	// ReceiverAlertmanager is a Prometheus Alertmanager: alerts are
	// posted to its v2 API, URL + "/api/v2/alerts".
	ReceiverAlertmanager = "alertmanager"
	// ReceiverWebhook is any HTTP endpoint: each state change is posted as
	// JSON, signed with HMAC-SHA256 of the receiver's secret.
	ReceiverWebhook = "webhook"
)

// Limits of alerts and receivers, in bytes.
const (
	MaxReceiverURLLen = 2048
	// MinWebhookSecretLen and MaxWebhookSecretLen bound a webhook's
	// secret: 16 bytes is the least an HMAC key should have.
	MinWebhookSecretLen = 16
	MaxWebhookSecretLen = 256
	// MaxStoredSecretLen bounds a secret as stores keep it, sealed.
	MaxStoredSecretLen = 1024
	MaxAlertIDLen      = 512
	// MaxAlertTextLen bounds an alert's labels and annotations together,
	// as JSON.
	MaxAlertTextLen = 16 << 10
)

// AlertReceiver is a place a team's alerts are sent to.
type AlertReceiver struct {
	Name string `json:"name"`
	// Type is ReceiverAlertmanager or ReceiverWebhook.
	Type string `json:"type"`
	// URL is the Alertmanager's base URL (its API is under it), or the
	// webhook's URL.
	URL string `json:"url"`
	// Secret is the webhook's HMAC key; empty for an Alertmanager. Stores
	// keep it sealed like the secrets of sources (state/sealed); the API
	// shows it masked.
	Secret string `json:"secret,omitempty"`
}

// Validate checks a receiver as whoever saves it must: a resource name, a
// known type, an absolute http or https URL without credentials, and a
// secret for a webhook (none for an Alertmanager). Whether the server may
// reach the URL is the outbound guard's to say (the API asks it).
// EINVALID names the field.
func (r AlertReceiver) Validate() error { return r.validate(MaxWebhookSecretLen) }

// ValidateStored is Validate as a store applies it. A store is given the
// secret sealed (state/sealed), longer than the secret itself, so it
// allows up to MaxStoredSecretLen bytes; the sealing store checks the
// secret itself with Validate first.
func (r AlertReceiver) ValidateStored() error { return r.validate(MaxStoredSecretLen) }

func (r AlertReceiver) validate(maxSecret int) error {
	if err := CheckResourceName("name", r.Name); err != nil {
		return err
	}
	if r.Type != ReceiverAlertmanager && r.Type != ReceiverWebhook {
		return Errorf(EINVALID, "type: must be %s or %s, not %q", ReceiverAlertmanager, ReceiverWebhook, r.Type)
	}
	if err := checkReceiverURL(r.URL); err != nil {
		return err
	}
	switch {
	case r.Type == ReceiverAlertmanager && r.Secret != "":
		return Errorf(EINVALID, "secret: an %s receiver has none", ReceiverAlertmanager)
	case r.Type == ReceiverWebhook && (len(r.Secret) < MinWebhookSecretLen || len(r.Secret) > maxSecret):
		return Errorf(EINVALID, "secret: a webhook needs a secret of %d to %d bytes to sign its bodies", MinWebhookSecretLen, MaxWebhookSecretLen)
	}
	return nil
}

func checkReceiverURL(raw string) error {
	if raw == "" {
		return Errorf(EINVALID, "url: required")
	}
	if len(raw) > MaxReceiverURLLen {
		return Errorf(EINVALID, "url: longer than %d bytes", MaxReceiverURLLen)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return Errorf(EINVALID, "url: not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return Errorf(EINVALID, "url: must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return Errorf(EINVALID, "url: must name a host")
	case u.User != nil:
		return Errorf(EINVALID, "url: must not hold credentials")
	case u.Fragment != "":
		return Errorf(EINVALID, "url: must not have a fragment")
	}
	return nil
}

// Alert is the state of one of a team's alerts, as the last evaluation
// left it (docs/alerts.md). Package alert decides what alerts exist and
// names them; stores keep them and the deliveries of their changes.
type Alert struct {
	// ID names the alert within its team (package alert builds it from
	// the alert's name, node, objective and severity).
	ID string `json:"id"`
	// Seq counts the alert's state changes: 1 when it first fires, 2 when
	// it resolves, 3 if it fires again, …
	Seq int64 `json:"seq"`
	// Firing says whether the alert is active.
	Firing bool `json:"firing"`
	// StartsAt is when it last started firing, EndsAt when it then
	// resolved (0 while firing); Unix seconds.
	StartsAt int64 `json:"starts_at"`
	EndsAt   int64 `json:"ends_at"`
	// Labels identify the alert to receivers (Alertmanager groups and
	// routes on them); Annotations describe it.
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// Validate checks an alert state before a store writes it: an ID, a
// positive Seq, times that fit Firing, label names as Prometheus writes
// them, valid UTF-8 text, and labels and annotations within
// MaxAlertTextLen. EINVALID names the field.
func (a Alert) Validate() error {
	if a.ID == "" || len(a.ID) > MaxAlertIDLen || !utf8.ValidString(a.ID) || strings.ContainsFunc(a.ID, isControl) {
		return Errorf(EINVALID, "id: must be 1 to %d bytes of text without control characters", MaxAlertIDLen)
	}
	if a.Seq < 1 {
		return Errorf(EINVALID, "seq: must be at least 1, not %d", a.Seq)
	}
	switch {
	case a.StartsAt <= 0:
		return Errorf(EINVALID, "starts_at: required")
	case a.Firing && a.EndsAt != 0:
		return Errorf(EINVALID, "ends_at: a firing alert has none")
	case !a.Firing && a.EndsAt < a.StartsAt:
		return Errorf(EINVALID, "ends_at: a resolved alert ends at or after it starts")
	}
	for field, m := range map[string]map[string]string{"labels": a.Labels, "annotations": a.Annotations} {
		for k, v := range m {
			if !validLabelName(k) {
				return Errorf(EINVALID, "%s: %q is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)", field, k)
			}
			if !utf8.ValidString(v) {
				return Errorf(EINVALID, "%s.%s: not valid UTF-8", field, k)
			}
		}
	}
	if b, _ := json.Marshal([2]map[string]string{a.Labels, a.Annotations}); len(b) > MaxAlertTextLen {
		return Errorf(EINVALID, "labels, annotations: more than %d bytes together", MaxAlertTextLen)
	}
	return nil
}

// ChangedAt is when the alert took this state: StartsAt when firing,
// EndsAt when resolved.
func (a Alert) ChangedAt() int64 {
	if a.Firing {
		return a.StartsAt
	}
	return a.EndsAt
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// validLabelName reports whether s is a Prometheus label name.
func validLabelName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Statuses of an alert delivery.
const (
	// DeliveryPending: not delivered yet; due at NextAttemptAt.
	DeliveryPending = "pending"
	// DeliveryDelivered: the receiver accepted it.
	DeliveryDelivered = "delivered"
	// DeliveryFailed: every attempt failed; no more are made.
	DeliveryFailed = "failed"
	// DeliverySuperseded: a newer state of the alert (or a newer refresh)
	// replaced it for its receiver before it was delivered, or its
	// receiver was deleted.
	DeliverySuperseded = "superseded"
)

// AlertDelivery is the sending of one state of one alert to one receiver.
// Its key — team, receiver, alert, Seq, Slot — is unique in the store: a
// state change is queued once whichever replica records it, and claimed by
// one dispatcher at a time.
type AlertDelivery struct {
	ID       int64  `json:"id"`
	Team     string `json:"team"`
	Receiver string `json:"receiver"`
	// Alert is the alert's state as of Seq.
	Alert Alert `json:"alert"`
	// Slot is 0 for the state change itself; a refresh of a firing alert
	// (Alertmanager forgets an alert that is not sent again) has the slot
	// of its period, > 0.
	Slot   int64  `json:"slot"`
	Status string `json:"status"`
	// Attempts made so far, the last one's error ("" once delivered).
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
	// CreatedAt, NextAttemptAt and DeliveredAt are Unix seconds;
	// DeliveredAt is 0 until delivered.
	CreatedAt     int64 `json:"created_at"`
	NextAttemptAt int64 `json:"next_attempt_at"`
	DeliveredAt   int64 `json:"delivered_at"`
}

// MaxDeliveryErrorLen bounds LastError, in bytes.
const MaxDeliveryErrorLen = 1000
