// Package sqlite is the state store in one SQLite file (modernc.org/sqlite,
// no cgo): teams, users and token hashes, grants, rejected messages,
// sources, checks, rules, config versions, runs and the daily results.
//
// Open creates or opens the file and applies the schema migrations it
// lacks (table schema_version; a file from a newer depc is refused). The
// file is in WAL mode with foreign keys on and a busy timeout, and the
// store keeps two pools: one connection for writes, every transaction
// BEGIN IMMEDIATE, so writers queue instead of failing on lock upgrades;
// and several query-only connections that read a consistent snapshot while
// a write is running. Several processes may share the file.
//
// Results are shaped by the nightly write of a whole team's day (about
// 1.12 million node results for the 1M-node benchmark graph) in one
// transaction: node results are keyed (team, day, label, name) in a WITHOUT
// ROWID table, so a day is one contiguous key range that is deleted and
// rewritten in key order (the store sorts the nodes first; order matters
// three to four times more than anything else for this write). Downtime
// intervals and children are compact varint blobs (codec.go). Reading one
// node over a range of days is one index seek per day that has results.
//
// Driver errors become depc codes at the boundary: a locked, unreachable
// or closed database, or an ended context, is EUNAVAILABLE.
package sqlite
