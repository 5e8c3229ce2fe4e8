package depc

import (
	"context"
	"iter"
)

// NodeDayResult is one node's result for one day (spec/semantics.md §7).
type NodeDayResult struct {
	Label string `json:"label"`
	Name  string `json:"name"`
	// Day is "YYYY-MM-DD" in the team's time zone.
	Day string `json:"day"`
	// QoS is unrounded, in [0, 100]; nil when nothing is known.
	QoS *float64 `json:"qos"`
	// OK, KO and Unknown are seconds; nil for aggregation nodes, which
	// have a QoS but no timeline.
	OK      *int64 `json:"ok"`
	KO      *int64 `json:"ko"`
	Unknown *int64 `json:"unknown"`
	// Downtime is the node's KO intervals, sorted and disjoint. Stores
	// return nil for aggregation nodes (OK == nil) and a non-nil, possibly
	// empty, list for the others.
	Downtime []Period `json:"downtime"`
	// Children are the children that took part in the node's operation or
	// aggregation during the day; nil for rule nodes.
	Children []NodeKey `json:"children,omitempty"`
}

// LabelDayResult is the average of a label for one day.
type LabelDayResult struct {
	Label string `json:"label"`
	Day   string `json:"day"`
	// QoS is the unrounded mean of the non-null node QoS of the label,
	// leaving out its average.exclude names; nil when no node qualifies.
	QoS *float64 `json:"qos"`
	// Nodes is the number of nodes of the label computed that day.
	Nodes int `json:"nodes"`
}

// WorstNode is a node of a label with its QoS of one day, below 100.
type WorstNode struct {
	Name string  `json:"name"`
	QoS  float64 `json:"qos"`
}

// MaxWorstNodes is how many worst nodes a store keeps per team, label and
// day.
const MaxWorstNodes = 1000

// ResultStore keeps what runs computed: per team and day, the node
// results, the label averages and the worst nodes.
//
// The conventions of StateStore hold for every method.
type ResultStore interface {
	// ReplaceDayResults replaces every result of the team for the day
	// (node results, label averages, worst nodes) in one transaction:
	// readers see the old results or the new ones, never a mix, and
	// results of the day that are not in the new set are gone. Node
	// results must have distinct (Label, Name), valid labels and names,
	// Day "" or day, QoS nil or in [0, 100], counts nil together (an
	// aggregation node) or all >= 0, and valid downtime periods; label
	// results distinct labels and Day "" or day. worst holds, per label,
	// its worst nodes; the store keeps, lowest QoS first (ties by name),
	// the MaxWorstNodes lowest of those with a QoS below 100. Any invalid
	// value is EINVALID naming the node or label, and nothing is written.
	// nodes is iterated once, in any order, before the write starts; a
	// store may keep the values (not the pointers' targets) meanwhile.
	ReplaceDayResults(ctx context.Context, team, day string, nodes iter.Seq[NodeDayResult], labels []LabelDayResult, worst map[string][]WorstNode) error
	// NodeQoS returns the node's results for the days start to end
	// (inclusive), sorted by day; days without a result are left out.
	NodeQoS(ctx context.Context, team string, key NodeKey, start, end string) ([]NodeDayResult, error)
	// DayResults returns, in one read, the results of the given nodes for
	// one day, sorted by label then name; nodes without a result are left
	// out. Keys may repeat; each result appears once.
	DayResults(ctx context.Context, team, day string, keys []NodeKey) ([]NodeDayResult, error)
	// LabelQoS returns the label's averages for the days start to end
	// (inclusive), sorted by day; days without a result are left out.
	LabelQoS(ctx context.Context, team, label, start, end string) ([]LabelDayResult, error)
	// TeamQoS returns the averages of every label for the days start to
	// end (inclusive), sorted by label then day.
	TeamQoS(ctx context.Context, team, start, end string) ([]LabelDayResult, error)
	// Worst returns up to limit (at most MaxWorstNodes; all kept when
	// limit <= 0) worst nodes of the label for the day, lowest QoS first.
	Worst(ctx context.Context, team, label, day string, limit int) ([]WorstNode, error)
}
