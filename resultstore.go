package depc

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"
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

// DayBatch is a day's node results as the computation holds them: no
// NodeDayResult per node (a million of them, each with its pointers and
// lists, cost more to build and check than to write), but an index per
// node and a function that fills one reused record. It is trusted
// (ResultStore.ReplaceDayBatch): stores do not validate it again.
type DayBatch struct {
	// Labels are the labels of the nodes; Key returns an index into it.
	Labels []string
	// Len is the number of nodes, numbered 0 to Len-1.
	Len int32
	// Key returns node i's label (an index into Labels) and name; i is
	// a node, or a child index of BatchResult.Children.
	Key func(i int32) (label int32, name string)
	// Result fills r with node i's result. The slices of r are reused
	// from one call to the next (Result appends to them from length 0):
	// the store copies what it keeps before the next call. Key and
	// Result may be called for any node, any number of times, and give
	// the same answer each time.
	Result func(i int32, r *BatchResult)
}

// BatchResult is one node's result in a DayBatch: the values of a
// NodeDayResult without pointers.
type BatchResult struct {
	// HasQoS is false when QoS is null.
	HasQoS bool
	QoS    float64
	// Timed is false for an aggregation node: OK, KO, Unknown and
	// Downtime are then null.
	Timed           bool
	OK, KO, Unknown int64
	Downtime        []Period
	// Children are the children that took part, in the order
	// NodeDayResult.Children lists them, as indexes for Key: nodes of the
	// batch, or indexes from Len on for children without a result.
	Children []int32
}

// BatchOf returns the batch of nodes (for tests and callers that have
// NodeDayResults): labels indexed in the order met.
func BatchOf(nodes []NodeDayResult) *DayBatch {
	b := &DayBatch{Len: int32(len(nodes))}
	index := map[NodeKey]int32{}
	labels := map[string]int32{}
	label := func(l string) int32 {
		i, ok := labels[l]
		if !ok {
			i = int32(len(b.Labels))
			labels[l] = i
			b.Labels = append(b.Labels, l)
		}
		return i
	}
	for i, n := range nodes {
		index[NodeKey{Label: n.Label, Name: n.Name}] = int32(i)
		label(n.Label)
	}
	// Children that are not nodes of the batch get indexes after Len.
	var extra []NodeKey
	childIndex := func(k NodeKey) int32 {
		if i, ok := index[k]; ok {
			return i
		}
		i := int32(len(nodes) + len(extra))
		index[k] = i
		extra = append(extra, k)
		label(k.Label)
		return i
	}
	children := make([][]int32, len(nodes))
	for i, n := range nodes {
		for _, c := range n.Children {
			children[i] = append(children[i], childIndex(c))
		}
	}
	key := func(i int32) NodeKey {
		if int(i) < len(nodes) {
			return NodeKey{Label: nodes[i].Label, Name: nodes[i].Name}
		}
		return extra[int(i)-len(nodes)]
	}
	b.Key = func(i int32) (int32, string) {
		k := key(i)
		return labels[k.Label], k.Name
	}
	b.Result = func(i int32, r *BatchResult) {
		n := nodes[i]
		r.HasQoS, r.Timed = n.QoS != nil, n.OK != nil
		if r.HasQoS {
			r.QoS = *n.QoS
		}
		if r.Timed {
			r.OK, r.KO, r.Unknown = *n.OK, *n.KO, *n.Unknown
		}
		r.Downtime = append(r.Downtime, n.Downtime...)
		r.Children = append(r.Children, children[i]...)
	}
	return b
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
	// ReplaceDayBatch is ReplaceDayResults for the computation, which
	// holds a day's results in compact arrays: the nodes come as a
	// DayBatch, read while the call lasts (a store may read a node more
	// than once, in any order, instead of copying the day's results), and
	// are not checked again (their labels and
	// names were validated when the graph was written, their values made
	// by the engine). Only a node listed twice is still refused
	// (EINVALID); labels and worst are checked as ReplaceDayResults checks
	// them. What the reads return afterwards is what ReplaceDayResults
	// with the same results leaves. Callers outside the computation use
	// ReplaceDayResults.
	ReplaceDayBatch(ctx context.Context, team, day string, nodes *DayBatch, labels []LabelDayResult, worst map[string][]WorstNode) error
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

// The rules of a day's results that every state store checks in
// ReplaceDayResults before it writes anything.

// Validate checks n as one node result of the write of day: a node key,
// Day "" or day, QoS nil or within [0, 100], OK, KO and Unknown all nil (an
// aggregation, which has no downtime) or all >= 0, downtime periods
// non-empty, sorted and disjoint, and children that are node keys.
// EINVALID names the node and the field.
func (n NodeDayResult) Validate(day string) error {
	switch {
	case !ValidLabel(n.Label):
		return badNode(n, "label: must match %s", LabelPattern)
	case !ValidName(n.Name):
		return badNode(n, "name: must match %s", NamePattern)
	case n.Day != "" && n.Day != day:
		return badNode(n, "day: %q is not the day being replaced (%s)", n.Day, day)
	case !validQoS(n.QoS):
		return badNode(n, "qos: %v is not within [0, 100]", *n.QoS)
	}
	switch {
	case n.OK == nil && n.KO == nil && n.Unknown == nil:
		if len(n.Downtime) > 0 {
			return badNode(n, "downtime: a node without ok, ko and unknown (an aggregation) has no downtime")
		}
	case n.OK == nil || n.KO == nil || n.Unknown == nil:
		return badNode(n, "ok, ko, unknown: must be all set or all null")
	case *n.OK < 0 || *n.KO < 0 || *n.Unknown < 0:
		return badNode(n, "ok, ko, unknown: must not be negative")
	}
	for i, p := range n.Downtime {
		// Touching periods are allowed: a store keeps what it is given.
		if p.From >= p.To || (i > 0 && p.From < n.Downtime[i-1].To) {
			return badNode(n, "downtime: periods must be non-empty, sorted and disjoint")
		}
	}
	for i, ch := range n.Children {
		if !ValidLabel(ch.Label) {
			return badNode(n, "children[%d].label: must match %s", i, LabelPattern)
		}
		if !ValidName(ch.Name) {
			return badNode(n, "children[%d].name: must match %s", i, NamePattern)
		}
	}
	return nil
}

func badNode(n NodeDayResult, format string, args ...any) error {
	return Errorf(EINVALID, "nodes: %s/%s: %s", n.Label, n.Name, fmt.Sprintf(format, args...))
}

func validQoS(q *float64) bool {
	return q == nil || (!math.IsNaN(*q) && *q >= 0 && *q <= 100)
}

// ValidateLabelResults checks the label results of the write of day:
// distinct labels, Day "" or day, QoS nil or within [0, 100], Nodes >= 0.
// EINVALID names the label.
func ValidateLabelResults(day string, labels []LabelDayResult) error {
	seen := make(map[string]bool, len(labels))
	for i, l := range labels {
		bad := func(format string, args ...any) error {
			return Errorf(EINVALID, "labels[%d]: %s: %s", i, l.Label, fmt.Sprintf(format, args...))
		}
		switch {
		case !ValidLabel(l.Label):
			return bad("label: must match %s", LabelPattern)
		case seen[l.Label]:
			return bad("listed twice")
		case l.Day != "" && l.Day != day:
			return bad("day: %q is not the day being replaced (%s)", l.Day, day)
		case !validQoS(l.QoS):
			return bad("qos: %v is not within [0, 100]", *l.QoS)
		case l.Nodes < 0:
			return bad("nodes: %d must not be negative", l.Nodes)
		}
		seen[l.Label] = true
	}
	return nil
}

// LabelWorst is the worst nodes a store keeps for one label and day.
type LabelWorst struct {
	Label string
	Nodes []WorstNode
}

// KeepWorst checks the worst nodes of a day's write (labels, distinct node
// names, QoS within [0, 100]; EINVALID names the node) and returns what a
// store keeps: per label, sorted, the MaxWorstNodes lowest nodes below 100,
// lowest first, ties by name; labels without one are left out.
func KeepWorst(worst map[string][]WorstNode) ([]LabelWorst, error) {
	var out []LabelWorst
	for _, label := range slices.Sorted(maps.Keys(worst)) {
		if !ValidLabel(label) {
			return nil, Errorf(EINVALID, "worst: label %q must match %s", label, LabelPattern)
		}
		var ns []WorstNode
		seen := map[string]bool{}
		for i, n := range worst[label] {
			switch {
			case !ValidName(n.Name):
				return nil, Errorf(EINVALID, "worst[%s][%d].name: %q must match %s", label, i, n.Name, NamePattern)
			case math.IsNaN(n.QoS) || n.QoS < 0 || n.QoS > 100:
				return nil, Errorf(EINVALID, "worst[%s][%d].qos: %v is not within [0, 100]", label, i, n.QoS)
			case seen[n.Name]:
				return nil, Errorf(EINVALID, "worst[%s][%d]: %q is listed twice", label, i, n.Name)
			}
			seen[n.Name] = true
			if n.QoS < 100 {
				ns = append(ns, n)
			}
		}
		slices.SortFunc(ns, func(a, b WorstNode) int {
			return cmp.Or(cmp.Compare(a.QoS, b.QoS), strings.Compare(a.Name, b.Name))
		})
		if len(ns) > MaxWorstNodes {
			ns = ns[:MaxWorstNodes]
		}
		if len(ns) > 0 {
			out = append(out, LabelWorst{label, ns})
		}
	}
	return out, nil
}
