// Package sqlite is the state store in a SQLite file (modernc.org/sqlite).
package sqlite
