// Package graphtest is the conformance suite of depc.GraphStore: every
// backend runs Run against fresh stores, so that the embedded store and the
// Neo4j store answer every question the same way.
//
// The suite holds the contract written on depc.GraphStore to real cases:
// batches that apply all or nothing, the period rules of spec/messages.md §3
// in every arrival order, activity at an instant and during a window
// (half-open periods), listings that are sorted and never truncated, impact
// and subgraph traversals through cyclic graphs, snapshots that stream
// nodes before relations with dense IDs, names made of every printable
// character a name may hold, and teams that never see each other.
//
// Each subtest works in teams of its own, so stores handed to the suite may
// share one database. Package memgraph, the in-memory store other
// packages' tests use, passes it too: it is the reference a failing
// backend can be compared with.
package graphtest
