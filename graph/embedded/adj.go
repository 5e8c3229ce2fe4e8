package embedded

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"slices"
)

// A node's adjacency (node.adj) is every relation leaving it, with the
// relation's periods, in one blob: what Snapshot reads instead of a row of
// rel per relation. Stepping through rows cost more than everything else
// of a snapshot (a relation row took three column reads, each behind the
// connection's mutex); one blob per node makes the relations a decoding
// loop in Go. The rel table stays the truth, with the event sets, the
// reverse index and what every other read uses: Apply and DeleteNode
// rewrite the adjacency of each node whose relations they change, in the
// same transaction.
//
// adj: version 1, count, then for each relation in increasing order of
// destination id: the gap from the previous destination id (from 0 for
// the first), the length of the relation's periods as encodePeriods
// writes them (0 for qos.Always, which is NULL in rel), and those bytes.
// NULL stands for no relation.

// adjEntry is one relation of an adjacency: its destination's id and its
// encoded periods (encodePeriods).
type adjEntry struct {
	dst     int64
	periods []byte
}

// encodeAdj encodes entries sorted by distinct destination; nil for none.
func encodeAdj(es []adjEntry) []byte {
	if len(es) == 0 {
		return nil
	}
	size := 1 + binary.MaxVarintLen64
	for _, e := range es {
		size += 4 + len(e.periods)
	}
	b := make([]byte, 0, size)
	b = append(b, codecVersion)
	b = binary.AppendUvarint(b, uint64(len(es)))
	prev := int64(0)
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(e.dst-prev))
		b = binary.AppendUvarint(b, uint64(len(e.periods)))
		b = append(b, e.periods...)
		prev = e.dst
	}
	return b
}

// walkAdj calls fn for each relation of an encoded adjacency, in order;
// the periods it passes alias b. It checks the structure (destinations
// increasing, lengths within the blob), not the periods themselves, which
// their decoder checks where they are used. An error from fn stops the
// walk and is returned.
func walkAdj(b []byte, fn func(dst int64, periods []byte) error) error {
	if len(b) == 0 {
		return nil
	}
	r := reader{b: b}
	r.version()
	n := r.count(2)
	prev := int64(0)
	for range n {
		gap := r.uvarint()
		size := r.uvarint()
		if r.err != nil || gap == 0 || gap > uint64(1<<62) || size > uint64(len(r.b)) {
			return errCorrupt
		}
		dst := prev + int64(gap)
		if dst <= prev {
			return errCorrupt
		}
		periods := r.b[:size:size]
		r.b = r.b[size:]
		if err := fn(dst, periods); err != nil {
			return err
		}
		prev = dst
	}
	if r.err != nil || len(r.b) != 0 {
		return errCorrupt
	}
	return nil
}

// decodeAdj decodes an adjacency into entries that alias b.
func decodeAdj(b []byte) ([]adjEntry, error) {
	var es []adjEntry
	err := walkAdj(b, func(dst int64, periods []byte) error {
		es = append(es, adjEntry{dst: dst, periods: periods})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return es, nil
}

// mergeAdj returns the encoded adjacency stored with the relations of
// changes (sorted by distinct destination) set or replaced, and whether it
// differs from stored.
func mergeAdj(stored []byte, changes []adjEntry) ([]byte, bool, error) {
	old, err := decodeAdj(stored)
	if err != nil {
		return nil, false, err
	}
	out := make([]adjEntry, 0, len(old)+len(changes))
	i, j := 0, 0
	for i < len(old) || j < len(changes) {
		switch {
		case j == len(changes) || (i < len(old) && old[i].dst < changes[j].dst):
			out = append(out, old[i])
			i++
		case i == len(old) || changes[j].dst < old[i].dst:
			out = append(out, changes[j])
			j++
		default:
			out = append(out, changes[j])
			i++
			j++
		}
	}
	b := encodeAdj(out)
	return b, !bytes.Equal(b, stored), nil
}

// removeAdj returns the encoded adjacency stored without the relation to
// dst.
func removeAdj(stored []byte, dst int64) ([]byte, error) {
	es, err := decodeAdj(stored)
	if err != nil {
		return nil, err
	}
	es = slices.DeleteFunc(es, func(e adjEntry) bool { return e.dst == dst })
	return encodeAdj(es), nil
}

// adjStream keeps the adjacencies of a snapshot's delivered nodes, in
// delivery order, until every node is delivered and their relations can
// be: a few bytes per relation, in chunks, so that the buffer never
// doubles and copies.
type adjStream struct {
	chunks [][]byte
	lens   []uint32
}

const adjChunk = 1 << 20

// add appends a node's adjacency (empty for none).
func (s *adjStream) add(b []byte) {
	s.lens = append(s.lens, uint32(len(b)))
	if len(b) == 0 {
		return
	}
	last := len(s.chunks) - 1
	if last < 0 || cap(s.chunks[last])-len(s.chunks[last]) < len(b) {
		s.chunks = append(s.chunks, make([]byte, 0, max(adjChunk, len(b))))
		last++
	}
	s.chunks[last] = append(s.chunks[last], b...)
}

// each calls fn with each node's index and adjacency, in the order they
// were added (add moved to a new chunk exactly where a blob did not fit).
func (s *adjStream) each(fn func(i int, adj []byte) error) error {
	c, off := 0, 0
	for i, n := range s.lens {
		if n == 0 {
			continue
		}
		if len(s.chunks[c])-off < int(n) {
			c, off = c+1, 0
		}
		if err := fn(i, s.chunks[c][off:off+int(n)]); err != nil {
			return err
		}
		off += int(n)
	}
	return nil
}

// upgradeAdjacency adds node.adj to a database of schema version 1 and
// fills it from rel, a range of source ids at a time (what one range holds
// is written before the next is read).
func upgradeAdjacency(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `ALTER TABLE node ADD COLUMN adj BLOB`); err != nil {
		return err
	}
	var top int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(src), 0) FROM rel`).Scan(&top); err != nil {
		return err
	}
	const span = 1 << 16
	for lo := int64(0); lo <= top; lo += span {
		values, err := readAdjacencies(ctx, tx, lo, lo+span)
		if err != nil {
			return err
		}
		for chunk := range slices.Chunk(values, 2*insertChunk) {
			if _, err := tx.ExecContext(ctx, updateAdj(len(chunk)/2), chunk...); err != nil {
				return err
			}
		}
	}
	return nil
}

// readAdjacencies builds the adjacency of the nodes whose id is in
// [lo, hi) from rel, as UPDATE values (id, adj).
func readAdjacencies(ctx context.Context, tx *sql.Tx, lo, hi int64) ([]any, error) {
	rows, err := tx.QueryContext(ctx, `SELECT src, dst, periods FROM rel WHERE src >= ? AND src < ? ORDER BY src, dst`, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var values []any
	var src int64
	var es []adjEntry
	flush := func() {
		if len(es) > 0 {
			values = append(values, src, encodeAdj(es))
		}
		es = es[:0]
	}
	for rows.Next() {
		var s, dst int64
		var periods []byte
		if err := rows.Scan(&s, &dst, &periods); err != nil {
			return nil, err
		}
		if s != src {
			flush()
			src = s
		}
		es = append(es, adjEntry{dst: dst, periods: periods})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	flush()
	return values, nil
}

// dropFromAdjacencies removes the relations to the node id from the
// adjacencies of its dependents, before DeleteNode deletes them from rel.
func dropFromAdjacencies(ctx context.Context, tx *sql.Tx, id int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT n.id, n.adj FROM rel r CROSS JOIN node n ON n.id = r.src WHERE r.dst = ? AND r.src != ?`, id, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	var values []any
	for rows.Next() {
		var src int64
		var blob []byte
		if err := rows.Scan(&src, &blob); err != nil {
			return err
		}
		adj, err := removeAdj(blob, id)
		if err != nil {
			return err
		}
		values = append(values, src, adj)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for chunk := range slices.Chunk(values, 2*insertChunk) {
		if _, err := tx.ExecContext(ctx, updateAdj(len(chunk)/2), chunk...); err != nil {
			return err
		}
	}
	return nil
}
