// Package embedded is the single-machine graph store: depc.GraphStore on
// one SQLite database (modernc.org/sqlite, pure Go) in the data directory,
// what `depc serve` uses unless told to use Neo4j.
//
// # Schema
//
//	label(id, team, name, nodes)          unique (team, name); nodes = count
//	node(id, label, name, events, periods, adj) unique (label, name)
//	rel(src, dst, events, periods)        primary key (src, dst), WITHOUT ROWID;
//	                                      index (dst, src)
//
// A node row holds an integer label id instead of its team and label, so a
// million nodes cost tens of megabytes. Each node and relation keeps its
// event set (spec/messages.md §3), which Apply reads, merges and writes back,
// and the period set derived from it, which every read uses; both are
// varint blobs (codec.go), NULL for the empty set and for qos.Always.
// A node's adj repeats, in one blob, the destination and periods of every
// relation leaving it (adj.go): what Snapshot reads, one row per node
// instead of one per relation. Schema version 1 had no adj; Open adds and
// fills it.
//
// # Writing
//
// Apply groups a batch by entity in memory, then works set by set inside one
// IMMEDIATE transaction: node ids are looked up with one statement per
// thousand names (a JSON array parameter joined to the key index), missing
// nodes inserted a few hundred rows per statement (or inserted first and
// looked up only on conflict, for a label whose last batch was mostly new
// nodes), relations inserted the same way with INSERT OR IGNORE; only when
// a chunk meets existing relations are their event sets read back, merged
// and rewritten where they grew; rewrites go a few hundred rows per
// statement too. Last, the adjacency of every source node of the batch's
// relations is merged and rewritten (a new node's is written with its
// insert when the ids it needs are known). The ids of nodes met again and again (the
// filers many websites share) are kept in a bounded cache, which a write by
// any other connection empties (PRAGMA data_version). Statements are
// prepared once per store. Values are always bound as parameters, never
// spliced into SQL text.
//
// # Reading
//
// Every call reads in one transaction (WAL mode: readers never wait for the
// writer). Snapshot streams node rows (the whole table when the team is
// most of it, else label by label), delivering the active nodes and
// keeping their adjacency blobs (a few bytes per relation), then decodes
// those into the relations between delivered nodes, mapping database ids
// to snapshot IDs with a compact index; it never holds rows. Impacted and Subgraph walk
// breadth-first with one query per frontier chunk and a visited set, so
// cycles end.
//
// The database file is FileName in the directory. Several processes may
// open it (SQLite locks), though one process per data directory is the
// intended use.
package embedded
