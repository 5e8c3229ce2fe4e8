package sqlite

import (
	"database/sql"

	"github.com/depc-dev/depc"
)

// What tools that read and write the tables themselves need (depc state
// copy, package state/statecopy): the database and the encodings of
// node_result's downtime and children columns. Days are stored as the
// number of days since 1970-01-01.

// DB returns the database the store writes with: one connection, whose
// transactions start with BEGIN IMMEDIATE (a transaction holds the write
// lock from its start, and reads a consistent database).
func (s *Store) DB() *sql.DB { return s.w }

// EncodeDowntime encodes the periods of node_result.downtime; nil for
// none (the column is NULL).
func EncodeDowntime(ps []depc.Period) []byte {
	if len(ps) == 0 {
		return nil
	}
	return appendDowntime(nil, ps)
}

// DecodeDowntime decodes node_result.downtime (nil: none). EINVALID when
// it is not an encoding of periods.
func DecodeDowntime(b []byte) ([]depc.Period, error) {
	if b == nil {
		return nil, nil
	}
	ps, err := decodeDowntime(b)
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "downtime: %v", err)
	}
	return ps, nil
}

// EncodeChildren encodes the node keys of node_result.children; nil for
// none.
func EncodeChildren(keys []depc.NodeKey) []byte {
	if len(keys) == 0 {
		return nil
	}
	return appendChildren(nil, keys)
}

// DecodeChildren decodes node_result.children (nil: none). EINVALID when
// it is not an encoding of node keys.
func DecodeChildren(b []byte) ([]depc.NodeKey, error) {
	keys, err := decodeChildren(b)
	if err != nil {
		return nil, depc.WrapError(depc.EINVALID, err, "children: %v", err)
	}
	return keys, nil
}
