// Package statecopy copies a whole state store into another, across
// backends (`depc state copy`): SQLite to PostgreSQL when a depc outgrows
// one machine, and back.
//
// Every table is copied, row by row and id by id, in one transaction of
// the target; each backend's way of storing a value (days as integers or
// dates, lists as JSON or arrays, the SQLite encodings of a node's
// downtime and children) goes through one canonical value per column
// (tables.go). The counters of ids that are never reused go along. The
// rows are then read again from the target and each table's row count and
// checksum (the sum of the SHA-256 of its canonical rows, so that the
// order of rows does not matter) compared with the source's.
//
// A table or column that either store has and this package does not know
// is refused, so that a new migration cannot be left out of copies
// silently; the tests fill every table and check each one is copied.
package statecopy
