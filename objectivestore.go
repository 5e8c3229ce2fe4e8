package depc

import (
	"context"

	"github.com/depc-dev/depc/qos/budget"
)

// MaxLabelSecondsDays is the most days LabelSeconds reads at once: the
// longest window of an objective. More would be a caller's mistake that
// holds a label's nodes of every day in memory at once.
const MaxLabelSecondsDays = budget.MaxDays

// NodeSeconds is one node's time of one day as budgets read it: the OK, KO
// and Unknown seconds of its result and its KO intervals.
type NodeSeconds struct {
	Name            string
	OK, KO, Unknown int64
	// Downtime is the KO intervals, sorted and disjoint; nil when none.
	Downtime []Period
}

// ObjectiveStore keeps a team's objectives and reads the results their
// budgets are computed from.
//
// The conventions of StateStore hold for every method.
type ObjectiveStore interface {
	// SetObjective creates or replaces the objective of o.Label and o.Name
	// ("" for the label's) and returns it. EINVALID when
	// Objective.Validate fails. Whether the label is configured or the
	// node exists is not checked: an objective may come before its nodes.
	SetObjective(ctx context.Context, team string, o Objective) (Objective, error)
	// Objective returns the objective of the label (name "") or of the
	// node. ENOTFOUND if absent: a node's own, not its label's.
	Objective(ctx context.Context, team, label, name string) (Objective, error)
	// Objectives returns the team's objectives, sorted by label then name
	// (a label's own first).
	Objectives(ctx context.Context, team string) ([]Objective, error)
	// DeleteObjective removes one objective. ENOTFOUND if absent.
	DeleteObjective(ctx context.Context, team, label, name string) error

	// LabelSeconds calls fn once for each day from start to end
	// (inclusive) that has results, in day order, with the seconds of
	// every node of the label that has a timeline that day, sorted by
	// name (aggregation nodes, which have none, are left out; a day with
	// none gets an empty list). It reads the results ResultStore wrote,
	// as they are after the latest ReplaceDayResults of each day. The
	// list belongs to fn only during the call. An error from fn stops the
	// read and is returned as is. EINVALID for a range of more than
	// MaxLabelSecondsDays days.
	LabelSeconds(ctx context.Context, team, label, start, end string, fn func(day string, nodes []NodeSeconds) error) error
}
