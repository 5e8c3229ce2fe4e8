package depc

import (
	"context"
	"unicode/utf8"
)

// MaxRejections is how many rejected messages a store keeps per team: the
// newest ones.
const MaxRejections = 1000

// RejectionStore keeps the newest messages of each team that failed
// validation, for GET /teams/{team}/messages/rejected.
//
// The conventions of StateStore hold for every method.
type RejectionStore interface {
	// AddRejections records rejected messages of a team, in order: the
	// last one of rs is the newest. A message longer than
	// MaxRejectedMessage bytes is cut there (at a UTF-8 boundary); only the
	// MaxRejections newest of the team are kept. EINVALID when a Source is
	// not "kafka" or "http"; nothing is recorded then.
	AddRejections(ctx context.Context, team string, rs []Rejection) error
	// Rejections returns up to limit of the team's rejected messages (all
	// kept when limit <= 0), newest first.
	Rejections(ctx context.Context, team string, limit int) ([]Rejection, error)
}

// ValidateRejections checks rejections before a store records them: each
// comes from "kafka" or "http". EINVALID names the rejection.
func ValidateRejections(rs []Rejection) error {
	for i, r := range rs {
		if r.Source != "kafka" && r.Source != "http" {
			return Errorf(EINVALID, "rejections[%d].source: %q must be kafka or http", i, r.Source)
		}
	}
	return nil
}

// CutRejectedMessage is the part of a rejected message a store keeps: at
// most MaxRejectedMessage bytes, cut without splitting a UTF-8 sequence
// (when the message is UTF-8; raw bytes are cut at the limit).
func CutRejectedMessage(s string) string {
	n := MaxRejectedMessage
	if len(s) <= n {
		return s
	}
	cut := n
	for i := 0; i < utf8.UTFMax && cut > 0 && !utf8.RuneStart(s[cut]); i++ {
		cut--
	}
	if !utf8.RuneStart(s[cut]) {
		cut = n
	}
	return s[:cut]
}
