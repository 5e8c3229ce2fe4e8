package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"

	"github.com/depc-dev/depc"
)

// ---- objectives

func notFoundObjective(label, name string) error {
	if name == "" {
		return depc.Errorf(depc.ENOTFOUND, "label %q has no objective", label)
	}
	return depc.Errorf(depc.ENOTFOUND, "node %s/%s has no objective of its own", label, name)
}

// SetObjective creates or replaces an objective.
func (s *Store) SetObjective(ctx context.Context, team string, o depc.Objective) (depc.Objective, error) {
	err := s.write(ctx, "set objective", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO objective (team_id, label, name, target, window_kind) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (team_id, label, name) DO UPDATE SET target = excluded.target, window_kind = excluded.window_kind`,
			tid, o.Label, o.Name, o.Target, string(o.Window))
		return err
	})
	if err != nil {
		return depc.Objective{}, err
	}
	return o, nil
}

// Objective returns one objective.
func (s *Store) Objective(ctx context.Context, team, label, name string) (depc.Objective, error) {
	o := depc.Objective{Label: label, Name: name}
	err := s.read(ctx, "objective", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT target, window_kind FROM objective WHERE team_id = ? AND label = ? AND name = ?`,
			tid, label, name).Scan(&o.Target, (*string)(&o.Window))
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundObjective(label, name)
		}
		return err
	})
	if err != nil {
		return depc.Objective{}, err
	}
	return o, nil
}

// Objectives returns a team's objectives, sorted by label then name.
func (s *Store) Objectives(ctx context.Context, team string) ([]depc.Objective, error) {
	var out []depc.Objective
	err := s.read(ctx, "objectives", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT label, name, target, window_kind FROM objective WHERE team_id = ? ORDER BY label, name`, tid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var o depc.Objective
			if err := rows.Scan(&o.Label, &o.Name, &o.Target, (*string)(&o.Window)); err != nil {
				return err
			}
			out = append(out, o)
		}
		return rows.Err()
	})
	return out, err
}

// DeleteObjective removes one objective.
func (s *Store) DeleteObjective(ctx context.Context, team, label, name string) error {
	return s.write(ctx, "delete objective", func(tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM objective WHERE team_id = ? AND label = ? AND name = ?`, tid, label, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFoundObjective(label, name)
		}
		return nil
	})
}

// ---- the seconds budgets read

// LabelSeconds reads the seconds of a label's nodes, day by day. Each
// day's are one label_seconds blob, built from node_result the first time
// it is read.
func (s *Store) LabelSeconds(ctx context.Context, team, label, start, end string, fn func(day string, nodes []depc.NodeSeconds) error) error {
	const op = "label seconds"
	ds, de, err := parseDayRange(start, end)
	if err != nil {
		return s.teamFirst(ctx, team, err)
	}
	if de-ds >= depc.MaxLabelSecondsDays {
		return s.teamFirst(ctx, team, depc.Errorf(depc.EINVALID, "start..end: at most %d days at once", depc.MaxLabelSecondsDays))
	}
	var tid, lid int64
	var days []int64
	blobs := map[int64][]byte{}
	err = s.read(ctx, op, func(tx *sql.Tx) error {
		if tid, err = teamID(ctx, tx, team); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT day FROM result_day WHERE team_id = ? AND day BETWEEN ? AND ? ORDER BY day`, tid, ds, de)
		if err != nil {
			return err
		}
		for rows.Next() {
			var d int64
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return err
			}
			days = append(days, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT id FROM label WHERE name = ?`, label).Scan(&lid)
		if errors.Is(err, sql.ErrNoRows) {
			lid = 0 // no result ever had this label
			return nil
		}
		if err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT day, nodes FROM label_seconds WHERE team_id = ? AND day BETWEEN ? AND ? AND label_id = ?`, tid, ds, de, lid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d int64
			var b []byte
			if err := rows.Scan(&d, &b); err != nil {
				return err
			}
			blobs[d] = b
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	var nodes []depc.NodeSeconds
	for _, d := range days {
		b, ok := blobs[d]
		if !ok && lid != 0 {
			if b, err = s.buildLabelSeconds(ctx, tid, d, lid); err != nil {
				return err
			}
		}
		if nodes, err = decodeLabelSeconds(nodes[:0], b); err != nil {
			return depc.WrapError(depc.EINTERNAL, err, "%s: label %s, day %s", op, label, formatDay(d))
		}
		if err := fn(formatDay(d), nodes); err != nil {
			return err
		}
	}
	return nil
}

// buildLabelSeconds encodes the seconds of a label's nodes of one day from
// node_result and keeps the blob. Reading and writing in one write
// transaction keeps the blob in step with the results: a ReplaceDayResults
// (which deletes the day's blobs) comes wholly before or after it.
func (s *Store) buildLabelSeconds(ctx context.Context, tid, day, lid int64) ([]byte, error) {
	var blob []byte
	err := s.write(ctx, "label seconds", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT name, ok, ko, unknown, downtime FROM node_result
			WHERE team_id = ? AND day = ? AND label_id = ? AND ok IS NOT NULL ORDER BY name`, tid, day, lid)
		if err != nil {
			return err
		}
		defer rows.Close()
		blob = []byte{}
		var prev string
		for rows.Next() {
			var name string
			var ok, ko, unknown int64
			var downtime sql.RawBytes
			if err := rows.Scan(&name, &ok, &ko, &unknown, &downtime); err != nil {
				return err
			}
			blob = appendNodeSeconds(blob, prev, name, ok, ko, unknown, downtime)
			prev = name
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO label_seconds (team_id, day, label_id, nodes) VALUES (?, ?, ?, ?)
			ON CONFLICT (team_id, day, label_id) DO UPDATE SET nodes = excluded.nodes`, tid, day, lid, blob)
		return err
	})
	return blob, err
}

// appendNodeSeconds appends one node to a label_seconds blob: its name as
// the length of the prefix it shares with the previous name and the rest
// (names come sorted, and mostly share long prefixes), then OK, KO and
// Unknown as unsigned varints, then the downtime's encoding
// (appendDowntime; empty when none) prefixed with its length.
func appendNodeSeconds(b []byte, prev, name string, ok, ko, unknown int64, downtime []byte) []byte {
	shared := 0
	for shared < len(prev) && shared < len(name) && prev[shared] == name[shared] {
		shared++
	}
	b = binary.AppendUvarint(b, uint64(shared))
	b = appendString(b, name[shared:])
	b = binary.AppendUvarint(b, uint64(ok))
	b = binary.AppendUvarint(b, uint64(ko))
	b = binary.AppendUvarint(b, uint64(unknown))
	b = binary.AppendUvarint(b, uint64(len(downtime)))
	return append(b, downtime...)
}

// decodeLabelSeconds appends the nodes of a label_seconds blob to out
// (out[:cap(out)] may hold the previous day's nodes, whose names it reuses).
func decodeLabelSeconds(out []depc.NodeSeconds, b []byte) ([]depc.NodeSeconds, error) {
	var name []byte
	for len(b) > 0 {
		var v [4]uint64
		shared, k := binary.Uvarint(b)
		if k <= 0 || shared > uint64(len(name)) {
			return nil, errCorrupt
		}
		b = b[k:]
		suffix, rest, err := readBytes(b)
		if err != nil {
			return nil, err
		}
		name = append(name[:shared], suffix...)
		b = rest
		for i := range 4 {
			if v[i], k = binary.Uvarint(b); k <= 0 {
				return nil, errCorrupt
			}
			b = b[k:]
		}
		// Days list mostly the same names in the same places: the name of
		// the previous day's node at this place, still in out's array, is
		// reused rather than allocated again.
		var str string
		if k := len(out); k < cap(out) && out[:k+1][k].Name == string(name) {
			str = out[:k+1][k].Name
		} else {
			str = string(name)
		}
		n := depc.NodeSeconds{Name: str, OK: int64(v[0]), KO: int64(v[1]), Unknown: int64(v[2])}
		if dl := v[3]; dl > 0 {
			if dl > uint64(len(b)) {
				return nil, errCorrupt
			}
			if n.Downtime, err = decodeDowntime(b[:dl]); err != nil {
				return nil, err
			}
			if len(n.Downtime) == 0 {
				n.Downtime = nil
			}
			b = b[dl:]
		}
		out = append(out, n)
	}
	return out, nil
}

func readBytes(b []byte) ([]byte, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, errCorrupt
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}
