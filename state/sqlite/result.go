package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/depc-dev/depc"
)

// nodeBatch is how many node results one INSERT statement writes. Fewer,
// bigger statements cut the per-call cost of database/sql and the driver,
// which dominates a bulk write.
const nodeBatch = 200

// internLabels returns the ids of labels, creating the missing ones in
// their own small transaction: an id that ends up unused is harmless, and
// knowing the ids before the big transaction lets the rows be sorted
// before it takes the write lock.
func (s *Store) internLabels(ctx context.Context, labels []string) (map[string]int64, error) {
	ids := make(map[string]int64, len(labels))
	err := s.write(ctx, "intern labels", func(tx *sql.Tx) error {
		for _, l := range labels {
			if _, err := tx.ExecContext(ctx, `INSERT INTO label (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, l); err != nil {
				return err
			}
			var id int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM label WHERE name = ?`, l).Scan(&id); err != nil {
				return err
			}
			ids[l] = id
		}
		return nil
	})
	return ids, err
}

// labelsKnown tells whether every label has an id already.
func (s *Store) labelsKnown(ctx context.Context, labels []string) (bool, error) {
	for _, l := range labels {
		var id int64
		err := s.r.QueryRowContext(ctx, `SELECT id FROM label WHERE name = ?`, l).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, storeError(err, "labels")
		}
	}
	return true, nil
}

// dayNodes collects and checks a day's node results, then writes them in
// key order. The order matters more than anything else for the bulk
// write: inserting a million rows in key order appends to the B-tree,
// while the same rows in random order touch pages all over it and take two
// to three times as long. The rows are kept compact while they wait (about
// 90 bytes each, plus their encoded downtime and children).
type dayNodes struct {
	day string

	rows   []nodeRow
	arena  []byte           // every row's encoded downtime and children
	labels map[string]int32 // label -> index in labelList
	// labelList holds the labels of the nodes and of their children, in
	// the order met.
	labelList []string

	// batch, when set, holds the nodes instead of rows and arena: the
	// computation's results are read from it again, in key order, as they
	// are written, so that the day's results are never copied whole.
	// batchLabel maps its labels to labelList (-1 until met).
	batch      *depc.DayBatch
	batchLabel []int32
}

// nodeRow is one node result waiting to be written.
type nodeRow struct {
	// p0, p1 are the name's first 16 bytes, big-endian and zero-padded:
	// most comparisons of the sort end there, without reading the string
	// from wherever it lies in memory.
	p0, p1       uint64
	name         string
	qos          float64
	ok, ko, unk  int64
	start        int // the row's blobs are arena[start:dtEnd] and arena[dtEnd:chEnd]
	dtEnd, chEnd int
	label        int32 // index in labelList
	hasQoS       bool
	timed        bool
}

// sortKey is a row's place in key order.
type sortKey struct {
	p0, p1     uint64
	label, row int32
}

// namePrefix returns the first 16 bytes of s as two big-endian integers,
// zero-padded: they compare like the bytes they hold, and names have no
// zero byte, so the order of (p0, p1, s) is the order of s.
func namePrefix(s string) (p0, p1 uint64) {
	var b [16]byte
	copy(b[:], s)
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

// label returns the index of a valid label, or -1.
func (c *dayNodes) label(l string) int32 {
	if i, ok := c.labels[l]; ok {
		return i
	}
	if !depc.ValidLabel(l) {
		return -1
	}
	i := int32(len(c.labelList))
	c.labels[l] = i
	c.labelList = append(c.labelList, l)
	return i
}

// add checks one node result and keeps it.
func (c *dayNodes) add(n depc.NodeDayResult) error {
	if len(c.rows) == math.MaxInt32 {
		return depc.Errorf(depc.EINVALID, "nodes: more than %d results in one day", math.MaxInt32)
	}
	if err := n.Validate(c.day); err != nil {
		return err
	}
	r := nodeRow{name: n.Name, label: c.label(n.Label), start: len(c.arena)}
	if n.OK != nil {
		r.timed, r.ok, r.ko, r.unk = true, *n.OK, *n.KO, *n.Unknown
	}
	for _, ch := range n.Children {
		c.label(ch.Label)
	}
	if n.QoS != nil {
		r.hasQoS, r.qos = true, *n.QoS
	}
	r.p0, r.p1 = namePrefix(n.Name)
	if len(n.Downtime) > 0 {
		c.arena = appendDowntime(c.arena, n.Downtime)
	}
	r.dtEnd = len(c.arena)
	if len(n.Children) > 0 {
		c.arena = appendChildren(c.arena, n.Children)
	}
	r.chEnd = len(c.arena)
	c.rows = append(c.rows, r)
	return nil
}

// addBatch takes the computation's nodes without checking them again (see
// depc.DayBatch) and without copying them: write reads them from the
// batch. Only the labels are checked.
func (c *dayNodes) addBatch(b *depc.DayBatch) error {
	if b == nil {
		return nil
	}
	c.batch = b
	c.batchLabel = make([]int32, len(b.Labels))
	for i, l := range b.Labels {
		if !depc.ValidLabel(l) {
			return depc.Errorf(depc.EINVALID, "nodes: label %q must match %s", l, depc.LabelPattern)
		}
		c.batchLabel[i] = -1
	}
	return nil
}

// batchLabels registers the batch's labels. A label new to the store gets
// its id in the order labels are registered: with known false they are
// registered as add meets them (each node's label, then its children's),
// which takes a pass over every result, so that ids are those the same
// results given to ReplaceDayResults get. With known true (every label is
// in the store already) the order does not matter.
func (c *dayNodes) batchLabels(known bool) {
	b := c.batch
	label := func(l int32) {
		if c.batchLabel[l] < 0 {
			c.batchLabel[l] = c.label(b.Labels[l])
		}
	}
	if known {
		for l := range b.Labels {
			label(int32(l))
		}
		return
	}
	var r depc.BatchResult
	for i := range b.Len {
		l, _ := b.Key(i)
		label(l)
		r.Downtime, r.Children = r.Downtime[:0], r.Children[:0]
		b.Result(i, &r)
		for _, ch := range r.Children {
			cl, _ := b.Key(ch)
			label(cl)
		}
	}
}

// count returns the number of nodes.
func (c *dayNodes) count() int {
	if c.batch != nil {
		return int(c.batch.Len)
	}
	return len(c.rows)
}

// key returns node i's label (an index into labelList) and name.
func (c *dayNodes) key(i int32) (int32, string) {
	if c.batch != nil {
		l, name := c.batch.Key(i)
		return c.batchLabel[l], name
	}
	return c.rows[i].label, c.rows[i].name
}

// sorted returns the rows' key order given the labels' ids. EINVALID names
// a node listed twice.
func (c *dayNodes) sorted(ids map[string]int64) ([]sortKey, error) {
	labelID := make([]int32, len(c.labelList))
	for i, l := range c.labelList {
		labelID[i] = int32(ids[l])
	}
	// Sorting small pointer-free keys moves a quarter of the bytes that
	// sorting the rows would, and the garbage collector skips them.
	order := make([]sortKey, c.count())
	if c.batch != nil {
		for i := range order {
			l, name := c.key(int32(i))
			p0, p1 := namePrefix(name)
			order[i] = sortKey{p0: p0, p1: p1, label: labelID[l], row: int32(i)}
		}
	} else {
		for i, r := range c.rows {
			order[i] = sortKey{p0: r.p0, p1: r.p1, label: labelID[r.label], row: int32(i)}
		}
	}
	order = sortByLabel(order, func(a, b sortKey) int {
		if c := cmp.Compare(a.label, b.label); c != 0 {
			return c
		}
		if c := cmp.Compare(a.p0, b.p0); c != 0 {
			return c
		}
		if c := cmp.Compare(a.p1, b.p1); c != 0 {
			return c
		}
		_, an := c.key(a.row)
		_, bn := c.key(b.row)
		return strings.Compare(an, bn)
	})
	for i := 1; i < len(order); i++ {
		al, an := c.key(order[i-1].row)
		bl, bn := c.key(order[i].row)
		if al == bl && an == bn {
			return nil, depc.Errorf(depc.EINVALID, "nodes: %s/%s: listed twice", c.labelList[bl], bn)
		}
	}
	return order, nil
}

const nodeColumns = 8 // per row, after team_id and day

func insertNodesSQL(team, day int64, rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO node_result (team_id, day, label_id, name, qos, ok, ko, unknown, downtime, children) VALUES `)
	// team and day are integers this package made: writing them into the
	// text saves two bound arguments per row.
	row := fmt.Sprintf("(%d, %d, ?, ?, ?, ?, ?, ?, ?, ?)", team, day)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	return b.String()
}

// write inserts the rows in the given order, nodeBatch at a time, on the
// transaction's connection through the driver itself: database/sql would
// check and copy every one of the 8 values of a million rows, and allocate
// the arguments of each statement again (the garbage of a day's write).
func (c *dayNodes) write(ctx context.Context, conn *sql.Conn, team, day int64, order []sortKey) error {
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("the SQLite driver's connection %T cannot prepare with a context", dc)
		}
		exec := func(st driver.Stmt, args []driver.NamedValue) error {
			se, ok := st.(driver.StmtExecContext)
			if !ok {
				return fmt.Errorf("the SQLite driver's statement %T cannot execute with a context", st)
			}
			_, err := se.ExecContext(ctx, args)
			return err
		}
		var full driver.Stmt
		defer func() {
			if full != nil {
				full.Close()
			}
		}()
		args := make([]driver.NamedValue, 0, nodeBatch*nodeColumns)
		add := func(v driver.Value) { args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v}) }
		arena := c.arena
		blob := func(from, to int) driver.Value {
			if from == to {
				return nil
			}
			return arena[from:to:to]
		}
		// With a batch, each statement's rows are read from it into rows
		// and their blobs encoded into arena, both reused from one
		// statement to the next.
		var rows []nodeRow
		var r depc.BatchResult
		var keys []depc.NodeKey
		for len(order) > 0 {
			batch := order[:min(nodeBatch, len(order))]
			order = order[len(batch):]
			args = args[:0]
			if c.batch != nil {
				rows, arena = rows[:0], arena[:0]
				for _, k := range batch {
					var row nodeRow
					row, arena, keys = c.batchRow(k.row, &r, arena, keys)
					rows = append(rows, row)
				}
			}
			for i, k := range batch {
				var r *nodeRow
				if c.batch != nil {
					r = &rows[i]
				} else {
					r = &c.rows[k.row]
				}
				add(int64(k.label))
				add(r.name)
				if r.hasQoS {
					add(r.qos)
				} else {
					add(nil)
				}
				if r.timed {
					add(r.ok)
					add(r.ko)
					add(r.unk)
				} else {
					add(nil)
					add(nil)
					add(nil)
				}
				add(blob(r.start, r.dtEnd))
				add(blob(r.dtEnd, r.chEnd))
			}
			if len(batch) == nodeBatch {
				if full == nil {
					var err error
					if full, err = pc.PrepareContext(ctx, insertNodesSQL(team, day, nodeBatch)); err != nil {
						return err
					}
				}
				if err := exec(full, args); err != nil {
					return err
				}
				continue
			}
			st, err := pc.PrepareContext(ctx, insertNodesSQL(team, day, len(batch)))
			if err != nil {
				return err
			}
			err = exec(st, args)
			st.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// batchRow reads node i of the batch into a row, its blobs appended to
// arena; r and keys are scratch space.
func (c *dayNodes) batchRow(i int32, r *depc.BatchResult, arena []byte, keys []depc.NodeKey) (nodeRow, []byte, []depc.NodeKey) {
	b := c.batch
	r.Downtime, r.Children = r.Downtime[:0], r.Children[:0]
	b.Result(i, r)
	_, name := b.Key(i)
	row := nodeRow{name: name, start: len(arena), timed: r.Timed, hasQoS: r.HasQoS}
	if r.Timed {
		row.ok, row.ko, row.unk = r.OK, r.KO, r.Unknown
	}
	if r.HasQoS {
		row.qos = r.QoS
	}
	if len(r.Downtime) > 0 {
		arena = appendDowntime(arena, r.Downtime)
	}
	row.dtEnd = len(arena)
	if len(r.Children) > 0 {
		keys = keys[:0]
		for _, ch := range r.Children {
			cl, cn := b.Key(ch)
			keys = append(keys, depc.NodeKey{Label: b.Labels[cl], Name: cn})
		}
		arena = appendChildren(arena, keys)
	}
	row.chEnd = len(arena)
	return row, arena, keys
}

// ReplaceDayResults replaces every result of a team's day in one
// transaction. The nodes are collected, checked and sorted before the
// transaction starts, so that it holds the write lock only for the write
// itself.
func (s *Store) ReplaceDayResults(ctx context.Context, team, day string, nodes iter.Seq[depc.NodeDayResult], labels []depc.LabelDayResult, worst map[string][]depc.WorstNode) error {
	return s.replaceDay(ctx, team, day, func(c *dayNodes) error {
		if nodes != nil {
			for n := range nodes {
				if err := c.add(n); err != nil {
					return err
				}
			}
		}
		return nil
	}, labels, worst)
}

// ReplaceDayBatch replaces every result of a team's day with the
// computation's batch, which it does not check again.
func (s *Store) ReplaceDayBatch(ctx context.Context, team, day string, nodes *depc.DayBatch, labels []depc.LabelDayResult, worst map[string][]depc.WorstNode) error {
	return s.replaceDay(ctx, team, day, func(c *dayNodes) error { return c.addBatch(nodes) }, labels, worst)
}

// replaceDay checks the day, labels and worst nodes, has collect fill the
// day's nodes, then writes everything in one transaction.
func (s *Store) replaceDay(ctx context.Context, team, day string, collect func(c *dayNodes) error, labels []depc.LabelDayResult, worst map[string][]depc.WorstNode) error {
	const op = "replace day results"
	if _, err := s.teamIDFast(ctx, team); err != nil {
		return err
	}
	d, err := parseDay("day", day)
	if err != nil {
		return err
	}
	if err := depc.ValidateLabelResults(day, labels); err != nil {
		return err
	}
	worstRows, err := depc.KeepWorst(worst)
	if err != nil {
		return err
	}
	c := &dayNodes{day: day, labels: map[string]int32{}}
	if err := collect(c); err != nil {
		return err
	}
	if c.batch != nil {
		known, err := s.labelsKnown(ctx, c.batch.Labels)
		if err != nil {
			return err
		}
		c.batchLabels(known)
	}
	for _, l := range labels {
		c.label(l.Label)
	}
	for _, w := range worstRows {
		c.label(w.Label)
	}
	ids, err := s.internLabels(ctx, c.labelList)
	if err != nil {
		return err
	}
	order, err := c.sorted(ids)
	if err != nil {
		return err
	}

	return s.writeConn(ctx, op, func(conn *sql.Conn, tx *sql.Tx) error {
		tid, err := teamID(ctx, tx, team)
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM node_result WHERE team_id = ? AND day = ?`,
			`DELETE FROM label_result WHERE team_id = ? AND day = ?`,
			`DELETE FROM worst_node WHERE team_id = ? AND day = ?`,
			`DELETE FROM label_seconds WHERE team_id = ? AND day = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, tid, d); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO result_day (team_id, day, computed_at) VALUES (?, ?, ?)
			ON CONFLICT (team_id, day) DO UPDATE SET computed_at = excluded.computed_at`, tid, d, s.unix()); err != nil {
			return err
		}
		if err := c.write(ctx, conn, tid, d, order); err != nil {
			return err
		}
		for _, l := range labels {
			var qos any
			if l.QoS != nil {
				qos = *l.QoS
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO label_result (team_id, label_id, day, qos, nodes) VALUES (?, ?, ?, ?, ?)`,
				tid, ids[l.Label], d, qos, l.Nodes); err != nil {
				return err
			}
		}
		for _, wr := range worstRows {
			for rank, n := range wr.Nodes {
				if _, err := tx.ExecContext(ctx, `INSERT INTO worst_node (team_id, label_id, day, rank, name, qos) VALUES (?, ?, ?, ?, ?, ?)`,
					tid, ids[wr.Label], d, rank, n.Name, n.QoS); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ---- reads

// sqlNodeQoS drives the loop from result_day, the days of the range that
// have results, and seeks node_result once per day: the cost is one index
// seek per day whatever the table holds.
const sqlNodeQoS = `SELECT d.day, n.qos, n.ok, n.ko, n.unknown, n.downtime, n.children
	FROM result_day d CROSS JOIN node_result n
	WHERE d.team_id = (SELECT id FROM team WHERE name = ?1) AND d.day BETWEEN ?2 AND ?3
		AND n.team_id = d.team_id AND n.day = d.day
		AND n.label_id = (SELECT id FROM label WHERE name = ?4) AND n.name = ?5
	ORDER BY d.day`

// scanNode reads one node_result row; the row's byte slices are only read.
func scanNode(rows *sql.Rows, n *depc.NodeDayResult, dest ...any) error {
	var qos sql.NullFloat64
	var ok, ko, unknown sql.NullInt64
	var downtime, children sql.RawBytes
	if err := rows.Scan(append(dest, &qos, &ok, &ko, &unknown, &downtime, &children)...); err != nil {
		return err
	}
	if qos.Valid {
		n.QoS = &qos.Float64
	}
	if ok.Valid && ko.Valid && unknown.Valid {
		n.OK, n.KO, n.Unknown = &ok.Int64, &ko.Int64, &unknown.Int64
		n.Downtime = []depc.Period{}
	}
	var err error
	if len(downtime) > 0 {
		if n.Downtime, err = decodeDowntime(downtime); err != nil {
			return fmt.Errorf("node %s/%s: downtime: %w", n.Label, n.Name, err)
		}
	}
	if len(children) > 0 {
		if n.Children, err = decodeChildren(children); err != nil {
			return fmt.Errorf("node %s/%s: children: %w", n.Label, n.Name, err)
		}
	}
	return nil
}

// NodeQoS returns a node's results over a range of days.
func (s *Store) NodeQoS(ctx context.Context, team string, key depc.NodeKey, start, end string) ([]depc.NodeDayResult, error) {
	const op = "node qos"
	// The hot reads find the team inside their query and look for it on
	// its own only when they find nothing (or are refused): one query
	// instead of two.
	ds, de, err := parseDayRange(start, end)
	if err != nil {
		return nil, s.teamFirst(ctx, team, err)
	}
	rows, err := s.stmtNodeQoS.QueryContext(ctx, team, ds, de, key.Label, key.Name)
	if err != nil {
		return nil, storeError(err, op)
	}
	defer rows.Close()
	var out []depc.NodeDayResult
	for rows.Next() {
		n := depc.NodeDayResult{Label: key.Label, Name: key.Name}
		var d int64
		if err := scanNode(rows, &n, &d); err != nil {
			return nil, storeError(err, op)
		}
		n.Day = formatDay(d)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(err, op)
	}
	if len(out) == 0 {
		return nil, s.teamFirst(ctx, team, nil)
	}
	return out, nil
}

// sqlDayResults looks up the names of one label from a JSON array: one
// statement per label, one index seek per name. The caller sorts (in Go,
// cheaper than SQLite's temporary B-tree).
const sqlDayResults = `SELECT n.name, n.qos, n.ok, n.ko, n.unknown, n.downtime, n.children
	FROM json_each(?4) j
	CROSS JOIN node_result n ON n.team_id = ?1 AND n.day = ?2
		AND n.label_id = (SELECT id FROM label WHERE name = ?3) AND n.name = j.value`

// DayResults returns the results of a set of nodes for one day.
func (s *Store) DayResults(ctx context.Context, team, day string, keys []depc.NodeKey) ([]depc.NodeDayResult, error) {
	const op = "day results"
	tid, err := s.teamIDFast(ctx, team)
	if err != nil {
		return nil, err
	}
	d, err := parseDay("day", day)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, nil
	}
	byLabel := map[string][]string{}
	seen := make(map[depc.NodeKey]bool, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			byLabel[k.Label] = append(byLabel[k.Label], k.Name)
		}
	}
	var out []depc.NodeDayResult
	// One label's nodes (a node's dependencies usually share one): one
	// statement, prepared once per connection, which sees one state of
	// the database without a transaction around it. Several labels: one
	// read transaction, so that they see the same state.
	labels := slices.Sorted(maps.Keys(byLabel))
	readLabel := func(st *sql.Stmt, label string) error {
		// In key order, consecutive seeks often land on the page the
		// previous one read.
		slices.Sort(byLabel[label])
		names, err := json.Marshal(byLabel[label])
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, tid, d, label, string(names))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			n := depc.NodeDayResult{Label: label, Day: day}
			if err := scanNode(rows, &n, &n.Name); err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	}
	if len(labels) == 1 {
		err = storeError(readLabel(s.stmtDayRes, labels[0]), op)
	} else {
		err = s.read(ctx, op, func(tx *sql.Tx) error {
			st := tx.StmtContext(ctx, s.stmtDayRes)
			for _, label := range labels {
				if err := readLabel(st, label); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b depc.NodeDayResult) int {
		return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Name, b.Name))
	})
	return out, nil
}

const sqlLabelQoS = `SELECT day, qos, nodes FROM label_result
	WHERE team_id = (SELECT id FROM team WHERE name = ?1) AND label_id = (SELECT id FROM label WHERE name = ?2)
		AND day BETWEEN ?3 AND ?4
	ORDER BY day`

// LabelQoS returns a label's averages over a range of days.
func (s *Store) LabelQoS(ctx context.Context, team, label, start, end string) ([]depc.LabelDayResult, error) {
	const op = "label qos"
	// The hot reads find the team inside their query and look for it on
	// its own only when they find nothing (or are refused): one query
	// instead of two.
	ds, de, err := parseDayRange(start, end)
	if err != nil {
		return nil, s.teamFirst(ctx, team, err)
	}
	rows, err := s.stmtLabelQoS.QueryContext(ctx, team, label, ds, de)
	if err != nil {
		return nil, storeError(err, op)
	}
	defer rows.Close()
	var out []depc.LabelDayResult
	for rows.Next() {
		l := depc.LabelDayResult{Label: label}
		var d int64
		var qos sql.NullFloat64
		if err := rows.Scan(&d, &qos, &l.Nodes); err != nil {
			return nil, storeError(err, op)
		}
		l.Day = formatDay(d)
		if qos.Valid {
			l.QoS = &qos.Float64
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(err, op)
	}
	if len(out) == 0 {
		return nil, s.teamFirst(ctx, team, nil)
	}
	return out, nil
}

// TeamQoS returns every label's averages over a range of days.
func (s *Store) TeamQoS(ctx context.Context, team, start, end string) ([]depc.LabelDayResult, error) {
	const op = "team qos"
	tid, err := s.teamIDFast(ctx, team)
	if err != nil {
		return nil, err
	}
	ds, de, err := parseDayRange(start, end)
	if err != nil {
		return nil, err
	}
	rows, err := s.stmtTeamQoS.QueryContext(ctx, tid, ds, de)
	if err != nil {
		return nil, storeError(err, op)
	}
	defer rows.Close()
	var out []depc.LabelDayResult
	for rows.Next() {
		var l depc.LabelDayResult
		var d int64
		var qos sql.NullFloat64
		if err := rows.Scan(&l.Label, &d, &qos, &l.Nodes); err != nil {
			return nil, storeError(err, op)
		}
		l.Day = formatDay(d)
		if qos.Valid {
			l.QoS = &qos.Float64
		}
		out = append(out, l)
	}
	return out, storeError(rows.Err(), op)
}

const sqlTeamQoS = `SELECT l.name, r.day, r.qos, r.nodes FROM label_result r JOIN label l ON l.id = r.label_id
	WHERE r.team_id = ? AND r.day BETWEEN ? AND ? ORDER BY l.name, r.day`

// sqlWorst has no LIMIT: Worst stops reading after its limit. A LIMIT
// bound to a parameter makes SQLite compile the statement again at every
// new binding (it plans with the bound value), which was most of the
// API's GET …/worst (issue 16).
const sqlWorst = `SELECT name, qos FROM worst_node
	WHERE team_id = (SELECT id FROM team WHERE name = ?1) AND label_id = (SELECT id FROM label WHERE name = ?2) AND day = ?3
	ORDER BY rank`

// Worst returns the worst nodes of a label for a day.
func (s *Store) Worst(ctx context.Context, team, label, day string, limit int) ([]depc.WorstNode, error) {
	const op = "worst"
	// The hot reads find the team inside their query and look for it on
	// its own only when they find nothing (or are refused): one query
	// instead of two.
	d, err := parseDay("day", day)
	if err != nil {
		return nil, s.teamFirst(ctx, team, err)
	}
	if limit <= 0 || limit > depc.MaxWorstNodes {
		limit = depc.MaxWorstNodes
	}
	rows, err := s.stmtWorst.QueryContext(ctx, team, label, d)
	if err != nil {
		return nil, storeError(err, op)
	}
	defer rows.Close()
	var out []depc.WorstNode
	for len(out) < limit && rows.Next() {
		var w depc.WorstNode
		if err := rows.Scan(&w.Name, &w.QoS); err != nil {
			return nil, storeError(err, op)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(err, op)
	}
	if len(out) == 0 {
		return nil, s.teamFirst(ctx, team, nil)
	}
	return out, nil
}

// sortByLabel returns order sorted by compare, which orders by label
// first. The keys come mostly in order already — the computation hands its
// nodes in (label, name) order, only its order of labels is not that of
// their ids — so they are grouped by label first (a counting sort, stable)
// and each label's run sorted only if it is not in order yet: linear for
// the computation's batch instead of n log n comparisons of names.
func sortByLabel(order []sortKey, compare func(a, b sortKey) int) []sortKey {
	count := map[int32]int{}
	for _, k := range order {
		count[k.label]++
	}
	labels := slices.Sorted(maps.Keys(count))
	at := make(map[int32]int, len(labels))
	n := 0
	for _, l := range labels {
		at[l] = n
		n += count[l]
	}
	out := make([]sortKey, len(order))
	for _, k := range order {
		out[at[k.label]] = k
		at[k.label]++
	}
	for i := 0; i < len(out); {
		j := i + count[out[i].label]
		if run := out[i:j]; !slices.IsSortedFunc(run, compare) {
			slices.SortFunc(run, compare)
		}
		i = j
	}
	return out
}
