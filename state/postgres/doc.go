// Package postgres is the state store in a PostgreSQL database
// (github.com/jackc/pgx/v5 with pgxpool), for depc on several machines: the
// same tables and the same contract as state/sqlite, checked by the same
// conformance suite (state/statetest).
//
// Open applies the schema migrations the database lacks, embedded in the
// binary (migrations/*.sql), in one transaction under an advisory lock, so
// that processes starting together migrate once; a database from a newer
// depc is refused. The tables live in the first schema of the connection's
// search_path.
//
// Concurrency is PostgreSQL's: reads run without locks on MVCC snapshots;
// writes that would race (ids of runs and config versions, reference
// checks of the catalog, the trim of rejections) hold the team's row lock
// until they commit; ClaimDay takes a day of a run with FOR UPDATE SKIP
// LOCKED, so the schedulers of many processes each take another day, and
// an advisory lock per team and day keeps two runs of one day apart.
//
// Results are shaped by the nightly write of a whole team's day (about
// 1.12 million node results for the 1M-node benchmark graph) in one
// transaction: the rows are checked and sorted into key order (team, day,
// generation, label id, name) first, then written with COPY (pgx
// CopyFrom), never a statement per node, as a new generation of the day
// that readers see once it commits; the replaced generation is deleted
// after. Reads of one node over a range of days seek once per day that has
// results; reads of many nodes of one day are one statement.
//
// Driver errors become depc codes at the boundary: an unreachable,
// shutting-down or closed database, a lost connection or an ended context
// is EUNAVAILABLE; a uniqueness or reference violation (a race lost)
// ECONFLICT.
package postgres
