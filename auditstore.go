package depc

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// AuditEntry is one write made through the API: who made it, when, what
// it wrote, and the resource before and after (as the API shows it:
// secrets masked, tokens never). The API records one for every successful
// write; a team's managers read the team's, an admin every entry.
type AuditEntry struct {
	// ID orders the entries: a later write has a greater ID. The store
	// sets it.
	ID int64 `json:"id"`
	// At is when the write was recorded, in Unix seconds. The store sets
	// it.
	At int64 `json:"at"`
	// Team is the team written, "" for a write outside any team (users,
	// the creation of a team).
	Team string `json:"team"`
	// User made the write: a user's name, or "admin" for the admin token.
	User string `json:"user"`
	// Action is the route: "PUT /teams/{team}/sources/{source}".
	Action string `json:"action"`
	// Target is the path written: "/teams/acme/sources/Prometheus".
	Target string `json:"target"`
	// Status is the HTTP status of the answer.
	Status int `json:"status"`
	// Before and After are the resource before and after the write, as
	// JSON; null when there is none (a creation has no before, a deletion
	// no after) or when the route has no such view.
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// Limits of the audit log.
const (
	// MaxAuditDocument bounds Before and After, in bytes: a bigger
	// document is recorded as {"truncated": true, "bytes": n}.
	MaxAuditDocument = 64 << 10
	// MaxAuditListed is the most entries one listing returns.
	MaxAuditListed = 1000
	// maxAuditText bounds Action and Target.
	maxAuditText = 4096
)

// Validate checks an entry before it is stored: a user, an action and a
// target of valid UTF-8 within limits, a status, and Before and After
// absent or JSON within MaxAuditDocument. EINVALID names the field.
func (e AuditEntry) Validate() error {
	text := func(field, s string) error {
		if s == "" || len(s) > maxAuditText || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return Errorf(EINVALID, "%s: must be 1 to %d bytes of UTF-8 text", field, maxAuditText)
		}
		return nil
	}
	doc := func(field string, d json.RawMessage) error {
		if len(d) == 0 {
			return nil
		}
		if len(d) > MaxAuditDocument || !json.Valid(d) {
			return Errorf(EINVALID, "%s: must be JSON of at most %d bytes", field, MaxAuditDocument)
		}
		return nil
	}
	if e.Status < 100 || e.Status > 599 {
		return Errorf(EINVALID, "status: %d is not an HTTP status", e.Status)
	}
	for _, err := range []error{text("user", e.User), text("action", e.Action), text("target", e.Target),
		doc("before", e.Before), doc("after", e.After)} {
		if err != nil {
			return err
		}
	}
	return nil
}

// AuditDocument returns a document for Before or After: d itself when
// small enough, a note of its size otherwise, nil for none.
func AuditDocument(d []byte) json.RawMessage {
	if len(d) == 0 {
		return nil
	}
	if len(d) > MaxAuditDocument || !json.Valid(d) {
		b, _ := json.Marshal(map[string]any{"truncated": true, "bytes": len(d)})
		return b
	}
	return json.RawMessage(d)
}

// AuditFilter selects entries of the audit log.
type AuditFilter struct {
	// Team keeps the entries of one team; "" keeps every entry, the
	// instance's and every team's.
	Team string
	// Before keeps the entries whose ID is smaller (the next page of a
	// listing); 0: from the newest.
	Before int64
	// Limit bounds the entries returned (at most, and by default,
	// MaxAuditListed).
	Limit int
}

// AuditStore keeps the audit log: the writes made through the API.
//
// The conventions of StateStore hold for every method.
type AuditStore interface {
	// AddAudit records an entry, setting its ID and At, and returns it.
	// EINVALID when Validate fails. The team need not exist (the write
	// may have deleted it). A team's entries stay when it is deleted, in
	// the whole log under the name it had, but a new team of the same name
	// does not read them.
	AddAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// Audit returns the entries the filter keeps, newest first.
	// ENOTFOUND for an unknown team; EINVALID for a negative Before or
	// Limit.
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// Check validates a filter and returns its limit.
func (f AuditFilter) Check() (int, error) {
	switch {
	case f.Before < 0:
		return 0, Errorf(EINVALID, "before: must not be negative")
	case f.Limit < 0:
		return 0, Errorf(EINVALID, "limit: must not be negative")
	case f.Limit == 0 || f.Limit > MaxAuditListed:
		return MaxAuditListed, nil
	}
	return f.Limit, nil
}
