// Package neo4j is the graph store (depc.GraphStore) on a Neo4j 5 server,
// Community edition with no plugin, through the Bolt driver
// github.com/neo4j/neo4j-go-driver/v5.
//
// # Data model
//
// A depc node (team, label, name) is a Neo4j node with the one label
// `<team>_<Label>` (backtick-quoted: team names may hold '-') and a
// property name, unique per label by a constraint that Apply creates the
// first time it meets the label (CREATE CONSTRAINT … IF NOT EXISTS, cached
// per store). The constraint's index serves every lookup by name, the
// ordered paging of Nodes and of snapshots. Team and label are the only
// values that enter a query's text, checked against depc.TeamPattern and
// depc.LabelPattern first; every other value is a parameter. A depc label
// holds no '_', so a Neo4j label belongs to exactly one team. A relation
// is a DEPENDS_ON relationship; relations never cross teams.
//
// Nodes and relations carry their event set (opens, closes, spans: int64
// arrays, absent when empty) and the periods derived from it (periods, a
// flattened int64 array [from0, to0, from1, to1, …], absent for the
// common "always"). Unbounded ends are the int64 extremes qos.NegInf and
// qos.PosInf, so activity tests are plain comparisons in Cypher list
// predicates.
//
// # Writes
//
// Apply writes a batch in one transaction, with one UNWIND query per label
// or per kind of write, never one per event: MERGE the nodes (by name,
// under the constraint) and read their ids; CREATE the relations to nodes
// this transaction created (they cannot exist yet), MERGE the others
// between those ids. An entity that is new is created with its final properties,
// computed in Go from the batch's events. One that exists is write-locked
// (setting a property takes Neo4j's lock) before its stored event set is
// read, merged with the batch's in Go (depc.EventSet), and written back if
// it changed: periods depend on an entity's whole event set, and the lock
// keeps concurrent batches from losing each other's events. Deadlocks and
// other transient errors make the driver run the transaction again.
//
// Queries that find nodes by id have one text for every team, so Neo4j
// plans them once; those that name a label are planned once per team and
// label and then come from the query cache (server.db.query_cache_size;
// a server holding many teams may want it larger than its default 1000).
//
// # Reads
//
// Snapshot streams in one read transaction, in records of up to FetchSize
// nodes (keyset pages by name through the label's index) and then the
// relations of up to FetchSize delivered nodes: Bolt costs more per
// record than per value. It keeps only the Neo4j ids of the nodes it
// delivered. Subgraph and Impacted walk the graph one hop level per query
// (a batched frontier, filtered for activity in Cypher), never one query
// per node, and never enumerate paths, so cycles and diamonds cost
// nothing extra.
//
// # Errors
//
// A server that cannot be reached, a lost connection, exhausted retries,
// a failed authentication, a missing database and a closed store answer
// depc.EUNAVAILABLE; the caller retries. Open does not connect: a service
// may start before its database and report readiness with Ping.
//
// Tests run the conformance suite graph/graphtest against the server that
// deploy/dev/neo4j starts (DEPC_TEST_NEO4J_URI, …), each subtest in teams
// of its own that it deletes afterwards (Store.DeleteTeam).
package neo4j
