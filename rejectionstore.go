package depc

import "context"

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
