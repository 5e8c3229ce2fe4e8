// Package compute turns a team's graph and measurements into QoS: one run
// of a team for one day (Computer.Day), one rule on one node name over any
// window (ExecuteRule), the root cause of a node's downtime on a day
// (RootCause) or over any window up to 31 days (RootCauseWindow), a
// node's QoS of today so far (LiveQoS), and today so far for every node of
// some labels (LiveDay, what budgets of whole labels need).
//
// A root cause computes the node's subgraph over the window from the
// sources — asked for whole days, as the runs asked, so that its timelines
// are the days' — and explains it with package qos (docs/rootcause.md):
// why the node was KO at each moment, each child's and each leaf's share
// of its lost time, the causal paths down to the leaves, the checks'
// datapoints as evidence, and what no child explains (a node KO on
// structure).
//
// A day is computed batch-shaped (ARCHITECTURE.md §2): the graph as it was
// during the day is streamed once (GraphStore.Snapshot) into a compact
// in-memory graph — int32 ids in (label, name) order, adjacency in CSR form,
// periods clipped to the day — the rule labels' measurements are fetched
// with one Source.Fetch per check and per chunk of nodes (one chunk per
// core), every operation and aggregation label is computed in topological
// order by package qos, and every result is written in one
// ResultStore.ReplaceDayBatch, streamed from the compact arrays. Nothing
// goes to a database per node, and the result does not depend on the order
// the store delivers the graph in nor on the number of goroutines.
//
// The days of a backfill are computed with a Sequence: a graph that stays
// the same is read once for all of them, and each next day is computed
// while the one before is written, then written only if nothing it read
// (graph version, setup, maintenance windows, shared sources) changed
// meanwhile. Results are those of each day computed on its own.
//
// Key terms (spec/semantics.md): a rule node's timeline is the AND of its
// checks' indicator timelines, Unknown ones left out; an operation node's
// timeline comes from its children while relation and child are active; an
// aggregation node has a QoS and no timeline. Failures of one node or one
// source do not stop a day: they are listed in the Report's Errors, with
// label and name.
//
// compute knows no source plugin: an Opener, given by cmd/depc, opens them.
// A Computer keeps the sources it opened between computations, closes one
// when its configuration changes and no computation uses it any more, and
// closes them all on Close.
package compute
