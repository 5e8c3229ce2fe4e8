package postgres

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/jackc/pgx/v5"
)

// Days are PostgreSQL dates. depc.ParseDay gives the midnight UTC of the
// day, which pgx writes as that date; pgx reads dates as midnight UTC.

// dayNodes collects and checks a day's node results before they are
// written, sorted, in one COPY.
type dayNodes struct {
	day  string
	rows []nodeRow
	// Every row's downtime and children, back to back: two allocations
	// for the day instead of two per node.
	downtime []int64
	children []string
	// labels maps the labels of the nodes, label results and worst
	// nodes to their index in labelList, in the order met.
	labels    map[string]int32
	labelList []string

	// batch, when set, holds the nodes instead of rows and the arenas:
	// the computation's results are read from it again, in key order, as
	// COPY sends them, so that the day's results are never copied whole.
	// batchLabel maps its labels to labelList (-1 for a label no node
	// has).
	batch      *depc.DayBatch
	batchLabel []int32
}

// nodeRow is one node result waiting to be written, as the columns of
// node_result.
type nodeRow struct {
	name        string
	qos         float64
	ok, ko, unk int64
	// The row's downtime is dayNodes.downtime[dt0:dt1], [from0, to0,
	// from1, to1, …], and its children dayNodes.children[ch0:ch1],
	// [label0, name0, …]; NULL when empty.
	dt0, dt1 int32
	ch0, ch1 int32
	label    int32 // index in labelList
	hasQoS   bool
	timed    bool
}

// label returns the index of a label, which the caller checked.
func (c *dayNodes) label(l string) int32 {
	if i, ok := c.labels[l]; ok {
		return i
	}
	i := int32(len(c.labelList))
	c.labels[l] = i
	c.labelList = append(c.labelList, l)
	return i
}

// add checks one node result and keeps it.
func (c *dayNodes) add(n depc.NodeDayResult) error {
	if len(c.rows) == math.MaxInt32 || len(c.downtime)+2*len(n.Downtime) > math.MaxInt32 || len(c.children)+2*len(n.Children) > math.MaxInt32 {
		return depc.Errorf(depc.EINVALID, "nodes: more than %d results, periods or children in one day", math.MaxInt32)
	}
	if err := n.Validate(c.day); err != nil {
		return err
	}
	r := nodeRow{name: n.Name, label: c.label(n.Label)}
	if n.OK != nil {
		r.timed, r.ok, r.ko, r.unk = true, *n.OK, *n.KO, *n.Unknown
	}
	if n.QoS != nil {
		r.hasQoS, r.qos = true, *n.QoS
	}
	r.dt0 = int32(len(c.downtime))
	for _, p := range n.Downtime {
		c.downtime = append(c.downtime, p.From, p.To)
	}
	r.dt1, r.ch0 = int32(len(c.downtime)), int32(len(c.children))
	for _, ch := range n.Children {
		c.children = append(c.children, ch.Label, ch.Name)
	}
	r.ch1 = int32(len(c.children))
	c.rows = append(c.rows, r)
	return nil
}

// addBatch takes the computation's nodes without checking them again (see
// depc.DayBatch) and without copying them: COPY reads them from the batch.
// Only the labels are checked.
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
	// The nodes' labels are registered in the order add meets them, which
	// is the order new labels get their ids.
	for i := range b.Len {
		if l, _ := b.Key(i); c.batchLabel[l] < 0 {
			c.batchLabel[l] = c.label(b.Labels[l])
		}
	}
	return nil
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

// sortKey is a row's place in key order.
type sortKey struct{ label, row int32 }

// sorted returns the rows' key order (label id, then name by bytes, the
// "C" collation of the key) given the labels' ids. Rows written in key
// order append to the primary key's B-tree instead of touching pages all
// over it. EINVALID names a node listed twice.
func (c *dayNodes) sorted(ids []int32) ([]sortKey, error) {
	order := make([]sortKey, c.count())
	for i := range order {
		l, _ := c.key(int32(i))
		order[i] = sortKey{label: ids[l], row: int32(i)}
	}
	order = sortByLabel(order, func(a, b sortKey) int {
		if c := cmp.Compare(a.label, b.label); c != 0 {
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

// copyNodes feeds the sorted rows to COPY. Values hands out pointers
// into the rows (and to the row's slices of the arenas), which pgx encodes
// before asking for the next row: no value is boxed on the heap per row.
type copyNodes struct {
	c        *dayNodes
	order    []sortKey
	ids      []int32 // label index -> id
	team     *int64
	day      *time.Time
	gen      *int32
	i        int
	downtime []int64
	children []string
	values   [11]any
	// row, labelID and result are the scratch space of a batch's row.
	row     nodeRow
	labelID int32
	result  depc.BatchResult
}

func (w *copyNodes) Next() bool {
	w.i++
	return w.i <= len(w.order)
}

func (w *copyNodes) Values() ([]any, error) {
	if w.c.batch != nil {
		return w.batchValues(), nil
	}
	r := &w.c.rows[w.order[w.i-1].row]
	v := &w.values
	v[0], v[1], v[2], v[3], v[4] = w.team, w.day, w.gen, &w.ids[r.label], &r.name
	v[5], v[6], v[7], v[8] = nil, nil, nil, nil
	if r.hasQoS {
		v[5] = &r.qos
	}
	if r.timed {
		v[6], v[7], v[8] = &r.ok, &r.ko, &r.unk
	}
	v[9], v[10] = nil, nil
	if r.dt1 > r.dt0 {
		w.downtime = w.c.downtime[r.dt0:r.dt1:r.dt1]
		v[9] = &w.downtime
	}
	if r.ch1 > r.ch0 {
		w.children = w.c.children[r.ch0:r.ch1:r.ch1]
		v[10] = &w.children
	}
	return v[:], nil
}

// batchValues reads the next row from the batch.
func (w *copyNodes) batchValues() []any {
	b, k := w.c.batch, w.order[w.i-1]
	r := &w.result
	r.Downtime, r.Children = r.Downtime[:0], r.Children[:0]
	b.Result(k.row, r)
	_, name := b.Key(k.row)
	w.row = nodeRow{name: name, qos: r.QoS, ok: r.OK, ko: r.KO, unk: r.Unknown}
	w.labelID = k.label
	row, v := &w.row, &w.values
	v[0], v[1], v[2], v[3], v[4] = w.team, w.day, w.gen, &w.labelID, &row.name
	v[5], v[6], v[7], v[8], v[9], v[10] = nil, nil, nil, nil, nil, nil
	if r.HasQoS {
		v[5] = &row.qos
	}
	if r.Timed {
		v[6], v[7], v[8] = &row.ok, &row.ko, &row.unk
	}
	if len(r.Downtime) > 0 {
		w.downtime = w.downtime[:0]
		for _, p := range r.Downtime {
			w.downtime = append(w.downtime, p.From, p.To)
		}
		v[9] = &w.downtime
	}
	if len(r.Children) > 0 {
		w.children = w.children[:0]
		for _, ch := range r.Children {
			cl, cn := b.Key(ch)
			w.children = append(w.children, b.Labels[cl], cn)
		}
		v[10] = &w.children
	}
	return v[:]
}

func (w *copyNodes) Err() error { return nil }

var nodeColumns = []string{"team_id", "day", "gen", "label_id", "name", "qos", "ok", "ko", "unknown", "downtime", "children"}

// internLabels returns the ids of labels, creating the missing ones in
// their own statement, committed at once: an id that ends up unused is
// harmless, and knowing the ids first lets the rows be sorted before the
// write's transaction starts.
func (s *Store) internLabels(ctx context.Context, labels []string) ([]int32, error) {
	const op = "intern labels"
	if err := s.usable(); err != nil {
		return nil, err
	}
	// Two statements: the SELECT's snapshot, taken after the INSERT
	// waited for any concurrent insert of the same label, sees it.
	if _, err := s.pool.Exec(ctx, `INSERT INTO label (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`, labels); err != nil {
		return nil, storeError(err, op)
	}
	rows, _ := s.pool.Query(ctx, `SELECT name, id FROM label WHERE name = ANY ($1)`, labels)
	byName := make(map[string]int32, len(labels))
	var name string
	var id int32
	if _, err := pgx.ForEachRow(rows, []any{&name, &id}, func() error {
		byName[name] = id
		return nil
	}); err != nil {
		return nil, storeError(err, op)
	}
	ids := make([]int32, len(labels))
	for i, l := range labels {
		var ok bool
		if ids[i], ok = byName[l]; !ok {
			return nil, depc.Errorf(depc.EINTERNAL, "%s: label %q missing after insert", op, l)
		}
	}
	return ids, nil
}

// ReplaceDayResults replaces every result of a team's day in one
// transaction. The nodes are collected, checked and sorted before it
// starts; the transaction deletes the day's rows and writes the new ones
// with COPY, three round trips whatever the number of nodes.
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
	if err := s.teamFirst(ctx, team, nil); err != nil {
		return err
	}
	d, err := depc.ParseDay("day", day)
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

	var tid int64
	var gen int32
	err = s.write(ctx, op, func(tx pgx.Tx) error {
		// FOR KEY SHARE: other writes of the team go on; a DeleteTeam
		// waits for this one, or this one finds no team.
		var err error
		if tid, err = teamID(ctx, tx, team, lockTeamResult); err != nil {
			return err
		}
		// The day's row first: its lock makes a concurrent write of the
		// same day wait until this one commits. Its new generation is
		// what readers see once this commits.
		if err := tx.QueryRow(ctx, `INSERT INTO result_day (team_id, day, gen, computed_at) VALUES ($1, $2, 1, $3)
			ON CONFLICT (team_id, day) DO UPDATE SET gen = result_day.gen + 1, computed_at = excluded.computed_at
			RETURNING gen`, tid, d, s.unix()).Scan(&gen); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"node_result"}, nodeColumns,
			&copyNodes{c: c, order: order, ids: ids, team: &tid, day: &d, gen: &gen}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM label_result WHERE team_id = $1 AND day = $2`, tid, d); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM worst_node WHERE team_id = $1 AND day = $2`, tid, d); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"label_result"}, []string{"team_id", "label_id", "day", "qos", "nodes"},
			pgx.CopyFromSlice(len(labels), func(i int) ([]any, error) {
				l := labels[i]
				return []any{tid, ids[c.labels[l.Label]], d, l.QoS, int64(l.Nodes)}, nil
			})); err != nil {
			return err
		}
		var ws [][]any
		for _, wr := range worstRows {
			for rank, n := range wr.Nodes {
				ws = append(ws, []any{tid, ids[c.labels[wr.Label]], d, int32(rank), n.Name, n.QoS})
			}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"worst_node"}, []string{"team_id", "label_id", "day", "rank", "name", "qos"},
			pgx.CopyFromRows(ws))
		return err
	})
	if err != nil {
		return err
	}
	// The replaced generations are invisible already; deleting them is
	// housekeeping. Should it fail, the next write of the day deletes
	// them: the write succeeded, so does the call. Older than this one,
	// not other than it: a later write may have committed since.
	_, _ = s.pool.Exec(ctx, `DELETE FROM node_result WHERE team_id = $1 AND day = $2 AND gen < $3`, tid, d, gen)
	return nil
}

// ---- reads

// scanNode scans the result columns of node_result (qos, ok, ko,
// unknown, downtime, children) into n.
func scanNode(row pgx.CollectableRow, n *depc.NodeDayResult, dest ...any) error {
	var downtime []int64
	var children []string
	if err := row.Scan(append(dest, &n.QoS, &n.OK, &n.KO, &n.Unknown, &downtime, &children)...); err != nil {
		return err
	}
	if n.OK == nil || n.KO == nil || n.Unknown == nil {
		n.OK, n.KO, n.Unknown = nil, nil, nil
	} else {
		n.Downtime = make([]depc.Period, 0, len(downtime)/2)
	}
	if len(downtime)%2 != 0 || len(children)%2 != 0 {
		return fmt.Errorf("node %s/%s: downtime or children of odd length", n.Label, n.Name)
	}
	for i := 0; i < len(downtime); i += 2 {
		n.Downtime = append(n.Downtime, depc.Period{From: downtime[i], To: downtime[i+1]})
	}
	if len(children) > 0 {
		n.Children = make([]depc.NodeKey, 0, len(children)/2)
		for i := 0; i < len(children); i += 2 {
			n.Children = append(n.Children, depc.NodeKey{Label: children[i], Name: children[i+1]})
		}
	}
	return nil
}

// sqlNodeQoS drives the loop from result_day, the days of the range that
// have results, and seeks node_result once per day (LATERAL, kept apart by
// LIMIT 1 as in sqlDayResults): the cost is one index seek per day
// whatever the table holds.
const sqlNodeQoS = `SELECT d.day, n.qos, n.ok, n.ko, n.unknown, n.downtime, n.children
	FROM result_day d CROSS JOIN LATERAL (
		SELECT qos, ok, ko, unknown, downtime, children FROM node_result
		WHERE team_id = d.team_id AND day = d.day AND gen = d.gen
			AND label_id = (SELECT id FROM label WHERE name = $4) AND name = $5
		LIMIT 1) n
	WHERE d.team_id = (SELECT id FROM team WHERE name = $1) AND d.day BETWEEN $2 AND $3
	ORDER BY d.day`

// NodeQoS returns a node's results over a range of days.
func (s *Store) NodeQoS(ctx context.Context, team string, key depc.NodeKey, start, end string) ([]depc.NodeDayResult, error) {
	ds, de, err := depc.ParseDayRange(start, end)
	if err != nil {
		return nil, s.teamFirst(ctx, team, err)
	}
	return teamList(ctx, s, "node qos", team, sqlNodeQoS, []any{team, ds, de, key.Label, key.Name},
		func(row pgx.CollectableRow) (depc.NodeDayResult, error) {
			n := depc.NodeDayResult{Label: key.Label, Name: key.Name}
			var d time.Time
			err := scanNode(row, &n, &d)
			n.Day = depc.FormatDay(d)
			return n, err
		})
}

// sqlDayResults looks up a set of nodes of one day in one statement: one
// index seek per node. LIMIT 1 (the key is unique anyway) keeps the
// planner from flattening the LATERAL subquery: without statistics, which
// lag behind a day's write, it would rather hash the whole day.
const sqlDayResults = `SELECT k.label, k.name, n.qos, n.ok, n.ko, n.unknown, n.downtime, n.children
	FROM unnest($3::text[], $4::text[]) AS k (label, name)
	JOIN label l ON l.name = k.label
	CROSS JOIN LATERAL (
		SELECT qos, ok, ko, unknown, downtime, children FROM node_result
		WHERE team_id = $1 AND day = $2 AND gen = (SELECT gen FROM result_day WHERE team_id = $1 AND day = $2)
			AND label_id = l.id AND name = k.name
		LIMIT 1) n`

// DayResults returns the results of a set of nodes for one day.
func (s *Store) DayResults(ctx context.Context, team, day string, keys []depc.NodeKey) ([]depc.NodeDayResult, error) {
	var tid int64
	ok, err := s.queryRow(ctx, "team "+team, `SELECT id FROM team WHERE name = $1`, []any{team}, &tid)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFoundTeam(team)
	}
	d, err := depc.ParseDay("day", day)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, nil
	}
	// Distinct keys in key order: consecutive seeks often land on the
	// page the previous one read.
	keys = slices.Clone(keys)
	slices.SortFunc(keys, func(a, b depc.NodeKey) int {
		return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Name, b.Name))
	})
	keys = slices.Compact(keys)
	labels, names := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		labels[i], names[i] = k.Label, k.Name
	}
	out, err := list(ctx, s, "day results", sqlDayResults, []any{tid, d, labels, names},
		func(row pgx.CollectableRow) (depc.NodeDayResult, error) {
			n := depc.NodeDayResult{Day: day}
			return n, scanNode(row, &n, &n.Label, &n.Name)
		})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b depc.NodeDayResult) int {
		return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Name, b.Name))
	})
	return out, nil
}

// LabelQoS returns a label's averages over a range of days.
func (s *Store) LabelQoS(ctx context.Context, team, label, start, end string) ([]depc.LabelDayResult, error) {
	ds, de, err := depc.ParseDayRange(start, end)
	if err != nil {
		return nil, s.teamFirst(ctx, team, err)
	}
	return teamList(ctx, s, "label qos", team, `SELECT day, qos, nodes FROM label_result
		WHERE team_id = (SELECT id FROM team WHERE name = $1) AND label_id = (SELECT id FROM label WHERE name = $2)
			AND day BETWEEN $3 AND $4
		ORDER BY day`, []any{team, label, ds, de},
		func(row pgx.CollectableRow) (depc.LabelDayResult, error) {
			l := depc.LabelDayResult{Label: label}
			var d time.Time
			err := row.Scan(&d, &l.QoS, &l.Nodes)
			l.Day = depc.FormatDay(d)
			return l, err
		})
}

// TeamQoS returns every label's averages over a range of days.
func (s *Store) TeamQoS(ctx context.Context, team, start, end string) ([]depc.LabelDayResult, error) {
	var tid int64
	ok, err := s.queryRow(ctx, "team "+team, `SELECT id FROM team WHERE name = $1`, []any{team}, &tid)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFoundTeam(team)
	}
	ds, de, err := depc.ParseDayRange(start, end)
	if err != nil {
		return nil, err
	}
	return list(ctx, s, "team qos", `SELECT l.name, r.day, r.qos, r.nodes FROM label_result r JOIN label l ON l.id = r.label_id
		WHERE r.team_id = $1 AND r.day BETWEEN $2 AND $3 ORDER BY l.name, r.day`, []any{tid, ds, de},
		func(row pgx.CollectableRow) (depc.LabelDayResult, error) {
			var l depc.LabelDayResult
			var d time.Time
			err := row.Scan(&l.Label, &d, &l.QoS, &l.Nodes)
			l.Day = depc.FormatDay(d)
			return l, err
		})
}

// Worst returns the worst nodes of a label for a day.
func (s *Store) Worst(ctx context.Context, team, label, day string, limit int) ([]depc.WorstNode, error) {
	d, err := depc.ParseDay("day", day)
	if err != nil {
		return nil, s.teamFirst(ctx, team, err)
	}
	if limit <= 0 || limit > depc.MaxWorstNodes {
		limit = depc.MaxWorstNodes
	}
	return teamList(ctx, s, "worst", team, `SELECT name, qos FROM worst_node
		WHERE team_id = (SELECT id FROM team WHERE name = $1) AND label_id = (SELECT id FROM label WHERE name = $2) AND day = $3
		ORDER BY rank LIMIT $4`, []any{team, label, d, limit},
		func(row pgx.CollectableRow) (depc.WorstNode, error) {
			var w depc.WorstNode
			return w, row.Scan(&w.Name, &w.QoS)
		})
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
