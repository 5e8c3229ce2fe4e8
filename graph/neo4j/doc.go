// Package neo4j is the graph store (depc.GraphStore) on a Neo4j 5.26 (or
// later 5.x) server, Community edition with no plugin, through the Bolt
// driver github.com/neo4j/neo4j-go-driver/v5.
//
// # Data model
//
// A depc node (team, label, name) is a Neo4j node with two labels: the
// common label DepcNode, and `<team>_<Label>` (backtick-quoted: team
// names may hold '-'); its properties team, label and name are its key.
// The schema is one constraint whatever teams and labels arrive:
// (team, label, name) unique on DepcNode (depc_node_key), whose index
// serves every lookup by key and the ordered paging of Nodes and of
// snapshots. A label costs a label token, never a schema change (the old
// layout's constraint per label made a producer inventing 300 labels wait
// a minute and left 300 constraints). The per-team label serves what
// needs no index: Labels counts from Neo4j's count store, db.labels()
// lists a team's labels, and Impacted tests a node's label without
// reading a property. A depc label holds no '_', so a Neo4j label belongs
// to exactly one team. Team and label enter a query's text only as that
// label, checked against depc.TeamPattern and depc.LabelPattern first;
// every other value is a parameter. A relation is a DEPENDS_ON
// relationship; relations never cross teams.
//
// # Schema and migration
//
// The first call of a store that touches the graph creates the key
// constraint if it is missing and migrates a database of the old layout
// (one uniqueness constraint depc_<team>_<Label>_name per Neo4j label, no
// common label): for each such constraint it gives the label's nodes the
// label DepcNode and the team and label properties, in transactions of
// BatchRows nodes, then drops the constraint. The old constraints mark
// what is left to do, so an interrupted migration resumes at the next
// start, and processes starting together do the same idempotent steps.
// Calls wait for the migration (it takes seconds per million nodes), and
// writes never run before it: a node written under the new key beside its
// unmigrated twin would break the key's uniqueness.
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
// Apply writes a batch in one transaction, with one UNWIND query per kind
// of write whatever the batch's labels, never one per event or per label:
// MERGE the nodes by key and read their ids (a new node gets its team's
// label as a dynamic label, SET x:$(…), which needs Neo4j 5.26); CREATE
// the relations to nodes this transaction created (they cannot exist
// yet), MERGE the others between those ids. An entity that is new is
// created with its final properties, computed in Go from the batch's
// events. One that exists is write-locked (setting a property takes
// Neo4j's lock) before its stored event set is read, merged with the
// batch's in Go (depc.EventSet), and written back if it changed: periods
// depend on an entity's whole event set, and the lock keeps concurrent
// batches from losing each other's events. Deadlocks and other transient
// errors make the driver run the transaction again.
//
// Every query but two has one text for every team and label, so Neo4j
// plans it once. Those two name a team's label (Labels' counts and
// Impacted's ancestor test): they are planned once per team and label and
// then come from the query cache (server.db.query_cache_size; a server
// holding many teams may want it larger than its default 1000). Queries
// that page in key order sort by the whole key (team, label, name): with
// only the name, the planner sorts instead of reading the index in order.
//
// # Reads
//
// Snapshot streams in one read transaction, in records of up to FetchSize
// nodes (keyset pages by name through the key index) and then the
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
