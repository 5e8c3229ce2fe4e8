// Package qos is the pure QoS engine of depc: it turns datapoints into
// timelines, combines timelines along the dependency graph, and measures
// them. It imports only the standard library: no I/O, no clock, no
// logging, so everything hard about QoS is tested here, fast. The contract
// it implements is spec/semantics.md §1–§7.
//
// # Time
//
// Instants are Unix seconds (int64). A Window is the half-open range
// [Start, End) a computation covers, usually a team's day: 86 400 s, or
// 82 800 s and 90 000 s on DST days. A Period is a validity interval
// [From, To) whose ends may be NegInf and PosInf, and Periods is a period
// set, canonical when sorted with gaps between its periods
// (NormalizePeriods). A node or relation is active at an instant inside one
// of its periods; Always is the set of an entity with no period
// information, and a nil set is never active.
//
// # Timelines
//
// A Timeline is the State of one node at every instant of a window: a
// list of Intervals, each OK, KO or Unknown, that covers the window
// exactly, with no two neighbours in the same state. Every constructor
// returns this canonical form, so two timelines are equal (Timeline.Equal)
// iff their interval lists are. From a timeline come its Seconds (OK, KO,
// Unknown, adding up to the window's length), its QoS
// (100 × OK / (OK + KO)) and its Downtime (the KO intervals).
//
// A QoS is null (QoS.Valid false) when nothing is known: OK + KO = 0, or
// an aggregation with no child QoS. Values are kept unrounded; Round and
// Format round what is shown, to DefaultDecimals (3) unless configured,
// exactly as strconv.FormatFloat(x, 'f', 3, 64) does.
//
// # Computing nodes
//
// An Engine computes timelines and keeps scratch space between calls: a
// run uses one Engine per goroutine for every node it computes, and each
// call allocates only its result.
//
//   - Indicator: the datapoints of a check's series to a timeline, each
//     datapoint OK or KO by a Bound (ParseThreshold "T": OK while value
//     ≤ T; ParseInterval "A:B": OK while A ≤ value ≤ B; NaN is KO), held
//     until the next datapoint of its series (sample and hold). Several
//     series are ANDed; no series at all is Unknown ("no data").
//   - Rule: the AND of a node's indicator timelines, Unknown ones left
//     out, Unknown wherever the node is not active.
//   - Operate: an operation node (AND, OR, ATLEAST(m), RATIO(r)) from its
//     Children. A child takes part at an instant when its relation and
//     itself are active and its timeline is OK or KO there; with n children
//     taking part, k of them OK, the parent is OK or KO by its Operation,
//     Unknown when n = 0 and wherever it is not active itself. The result
//     is exact: a sweep over the change points of the children, their
//     periods and the relations' periods, never a grid. Each Child's Part
//     reports how long it took part.
//
// Aggregate computes an aggregation node (AVERAGE, MIN, MAX) from the QoS
// of its children that count for the window (ActiveTogether): a number,
// not a timeline. KOOverlap and RootCause attribute a node's downtime to
// the nodes of its dependency subgraph: the seconds of the node's KO time
// during which each of them was KO.
//
// # Explaining a node
//
// Overlap alone misleads beyond AND chains, so Explain (operations) and
// ExplainRule (rules) say why a node was KO at each moment of a focus, a
// Weight over time (Uniform for all its KO time): a Reason per stretch —
// children active, taking part, OK, and the OK children the operation
// Needed — and a Blame per child. A moment with fewer children taking part
// than needed is KO on structure (only ATLEAST can be) and blames no
// child; any other KO moment's weight is shared equally by the KO children
// taking part, which gives each child its Share and, asked for, its own
// Weight: the focus that explains the child in turn, down a causal path.
// The shares and the structural part add up to the weight lost.
// ExplainAggregate gives each child of an AVERAGE, MIN or MAX its weight in
// the node's loss.
//
// Note that with "taking part", ATLEAST(n) over n children equals AND only
// while all n take part: when fewer do, ATLEAST(n) is KO and AND may be OK.
//
// # Configs
//
// A team's config maps each label to a qos expression — rule.Name,
// operation.OP[L1, …], aggregation.AGG[L1, …] — parsed by package
// qos/expr and decoded, validated and ordered as a Config; OperationOf and
// AggregatorOf give the engine's Operation and Aggregator. The rules of
// labels and node names are package qos/naming's.
package qos
