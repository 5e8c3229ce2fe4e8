package embedded

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
)

// Apply folds a batch of events into the graph in one transaction.
//
// The batch is first grouped in memory by entity, so that each node and
// relation it touches is read and written once whatever the number of its
// events. Then, with set-based statements of hundreds of rows each (never a
// statement per event): node ids are looked up, missing nodes inserted,
// relations inserted when new, and only the entities whose event set grew
// are rewritten.
func (s *Store) Apply(ctx context.Context, team string, events []depc.Event) error {
	if err := depc.CheckTeam("team", team); err != nil {
		return err
	}
	if len(events) == 0 {
		return nil
	}
	b, err := newBatch(events)
	if err != nil {
		return err
	}
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	// One writer at a time, from the transaction to the cache update.
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.applyTx(ctx, team, b); err != nil {
		return err
	}
	s.ids.learn(b.nodes)
	return nil
}

func (s *Store) applyTx(ctx context.Context, team string, b *batch) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(err, "apply: begin")
	}
	defer tx.Rollback()
	if err := s.ids.check(ctx, tx); err != nil {
		return s.fail(err, "apply: read data version")
	}
	w := &writer{ctx: ctx, tx: tx, s: s}
	if err := w.labels(team, b); err != nil {
		return err
	}
	if err := w.nodes(b); err != nil {
		return err
	}
	if err := w.relations(b); err != nil {
		return err
	}
	if err := w.adjacency(b); err != nil {
		return err
	}
	if err := bumpVersion(ctx, tx, team); err != nil {
		return s.fail(err, "apply: graph version")
	}
	if err := tx.Commit(); err != nil {
		// A failed commit may or may not have reached the file.
		s.ids.invalidate()
		return s.fail(err, "apply: commit")
	}
	return nil
}

// batchNode is a node a batch touches, with the events the batch records
// about it.
type batchNode struct {
	key    depc.NodeKey
	events depc.EventSet
	label  int64 // label.id, once resolved
	id     int64 // node.id, once resolved; 0 until then
	// lookedUp says a lookup found the node (not the cache, not an insert).
	lookedUp bool
	// inserted says this batch inserted the node: it had no relation.
	inserted bool
	// out are the batch's relations from the node; adjWritten says its
	// insert wrote their adjacency already.
	out        []*batchRel
	adjWritten bool
}

// batchRel is a relation a batch touches.
type batchRel struct {
	src, dst *batchNode
	events   depc.EventSet
	periods  []byte // the relation's periods once written (encodePeriods)
}

// batch is a batch of events grouped by entity, in first-seen order.
type batch struct {
	nodes  []*batchNode
	rels   []*batchRel
	labels []string // distinct labels, sorted
}

// newBatch groups and checks the events. Each event is checked as
// depc.ValidateEvent would, but once per distinct node of the batch: the
// checks took a tenth of Apply's CPU on large batches. An event that fails
// goes to depc.ValidateEvent for the verdict and the message.
func newBatch(events []depc.Event) (*batch, error) {
	b := &batch{}
	// Nodes by label, then name: a lookup hashes the name only.
	byLabel := make(map[string]map[string]*batchNode)
	// node returns the batch's node for k, creating it when k is valid;
	// nil when k is not.
	node := func(k depc.NodeKey) *batchNode {
		names, ok := byLabel[k.Label]
		if !ok {
			if !depc.ValidLabel(k.Label) {
				return nil
			}
			names = make(map[string]*batchNode, min(len(events), 1024))
			byLabel[k.Label] = names
			b.labels = append(b.labels, k.Label)
		}
		n := names[k.Name]
		if n == nil {
			if !depc.ValidName(k.Name) {
				return nil
			}
			n = &batchNode{key: k}
			names[k.Name] = n
			b.nodes = append(b.nodes, n)
		}
		return n
	}
	type pair struct{ src, dst *batchNode }
	rels := make(map[pair]*batchRel, len(events))
	for i, e := range events {
		src := node(e.Node)
		var dst *batchNode
		relation := e.Target != depc.NodeKey{}
		if relation {
			dst = node(e.Target)
		}
		if src == nil || (relation && dst == nil) || !timesValid(e) {
			if err := depc.ValidateEvent(e); err != nil {
				return nil, depc.Errorf(depc.EINVALID, "event %d: %s", i, depc.ErrorMessage(err))
			}
			return nil, depc.Errorf(depc.EINTERNAL, "event %d: rejected by the store, accepted by depc.ValidateEvent", i)
		}
		if !relation {
			src.events.Add(e)
			continue
		}
		r := rels[pair{src, dst}]
		if r == nil {
			r = &batchRel{src: src, dst: dst}
			rels[pair{src, dst}] = r
			b.rels = append(b.rels, r)
			src.out = append(src.out, r)
		}
		r.events.Add(e)
	}
	slices.Sort(b.labels)
	return b, nil
}

// timesValid is the part of depc.ValidateEvent that does not look at
// names: when it fails, or a name is new to the batch, the event goes
// through depc.ValidateEvent, which has the last word and the message.
func timesValid(e depc.Event) bool {
	switch e.Kind {
	case depc.EventExists:
		return true
	case depc.EventSpan:
		return e.From >= 0 && e.To >= 1 && e.From < e.To
	case depc.EventOpen:
		return e.From >= 0
	case depc.EventClose:
		return e.To >= 1
	}
	return false
}

// writer runs the statements of one Apply.
type writer struct {
	ctx    context.Context
	tx     *sql.Tx
	s      *Store
	nextID int64 // the next node id to hand out; 0 until read
	// The prepared statements bound to the transaction, made once per
	// Apply instead of once per statement run (a tenth of Apply's CPU).
	txStmts map[*sql.Stmt]*sql.Stmt
}

// The statements Apply runs with a fixed text, prepared once per store.
var (
	insertNodesFull     = `INSERT OR IGNORE INTO node (id, label, name, events, periods, adj) VALUES ` + placeholders(insertChunk, 6)
	insertRelationsFull = `INSERT OR IGNORE INTO rel (src, dst, events, periods) VALUES ` + placeholders(insertChunk, 4)
	updateNodesFull     = updateNodes(insertChunk)
	updateRelationsFull = updateRelations(insertChunk)
	updateAdjFull       = updateAdj(insertChunk)
)

// Rewrites of many rows in one statement: the new values joined to the
// rows by key (each row found by its key, as a lone UPDATE would), one
// statement per chunk instead of one per row.
func updateNodes(rows int) string {
	return `UPDATE node SET events = v.column2, periods = v.column3 FROM (VALUES ` + placeholders(rows, 3) + `) AS v WHERE node.id = v.column1`
}

func updateRelations(rows int) string {
	return `UPDATE rel SET events = v.column3, periods = v.column4 FROM (VALUES ` + placeholders(rows, 4) + `) AS v WHERE rel.src = v.column1 AND rel.dst = v.column2`
}

func updateAdj(rows int) string {
	return `UPDATE node SET adj = v.column2 FROM (VALUES ` + placeholders(rows, 2) + `) AS v WHERE node.id = v.column1`
}

const (
	countNodes = `UPDATE label SET nodes = nodes + ? WHERE id = ?`
	lookupBare = `SELECT j.key, n.id
		FROM json_each(?2) j CROSS JOIN node n ON n.label = ?1 AND n.name = j.value`
	lookupWithEvents = `SELECT j.key, n.id, n.events
		FROM json_each(?2) j CROSS JOIN node n ON n.label = ?1 AND n.name = j.value`
	readRelations = `SELECT j.key, r.events
		FROM json_each(?) j CROSS JOIN rel r ON r.src = j.value ->> 0 AND r.dst = j.value ->> 1`
	insertedIDs = `SELECT id FROM node WHERE id BETWEEN ? AND ?`
	readAdj     = `SELECT j.key, n.adj FROM json_each(?) j CROSS JOIN node n ON n.id = j.value`
)

var writerStatements = []string{
	insertNodesFull, insertRelationsFull, countNodes, lookupBare, lookupWithEvents,
	readRelations, insertedIDs, updateNodesFull, updateRelationsFull, updateAdjFull, readAdj,
}

// exec runs a statement in the transaction, through its prepared form when
// it is one of writerStatements.
func (w *writer) exec(q string, args ...any) (sql.Result, error) {
	if st := w.stmt(q); st != nil {
		return st.ExecContext(w.ctx, args...)
	}
	return w.tx.ExecContext(w.ctx, q, args...)
}

// query is exec for statements that return rows.
func (w *writer) query(q string, args ...any) (*sql.Rows, error) {
	if st := w.stmt(q); st != nil {
		return st.QueryContext(w.ctx, args...)
	}
	return w.tx.QueryContext(w.ctx, q, args...)
}

// stmt returns q's prepared statement bound to the transaction, or nil
// when q is not one of writerStatements.
func (w *writer) stmt(q string) *sql.Stmt {
	st := w.s.prepared(q)
	if st == nil {
		return nil
	}
	if ts, ok := w.txStmts[st]; ok {
		return ts
	}
	if w.txStmts == nil {
		w.txStmts = make(map[*sql.Stmt]*sql.Stmt)
	}
	ts := w.tx.StmtContext(w.ctx, st)
	w.txStmts[st] = ts
	return ts
}

// execRows runs a multi-row statement over values, cols values a row,
// insertChunk rows per statement; q returns the statement for n rows.
func (w *writer) execRows(q func(n int) string, cols int, values []any) error {
	for chunk := range slices.Chunk(values, cols*insertChunk) {
		if _, err := w.exec(q(len(chunk)/cols), chunk...); err != nil {
			return err
		}
	}
	return nil
}

// Rows per multi-row statement. A lookup passes its keys as one JSON
// parameter; an insert binds four or five parameters per row, far below
// SQLite's limit of 32 766.
const (
	lookupChunk = 1000
	insertChunk = 250
)

// labels resolves the label ids of the batch, creating missing labels.
func (w *writer) labels(team string, b *batch) error {
	ids, err := labelIDs(w.ctx, w.tx, team)
	if err != nil {
		return w.s.fail(err, "apply: read labels")
	}
	for _, l := range b.labels {
		if _, ok := ids.byName[l]; ok {
			continue
		}
		var id int64
		err := w.tx.QueryRowContext(w.ctx, `INSERT INTO label (team, name) VALUES (?, ?) RETURNING id`, team, l).Scan(&id)
		if err != nil {
			return w.s.fail(err, "apply: create label %s", l)
		}
		ids.byName[l] = id
	}
	for _, n := range b.nodes {
		n.label = ids.byName[n.key.Label]
	}
	return nil
}

// nodes resolves the id of every node of the batch: existing nodes are
// looked up (with their event sets when the batch has events for them),
// missing ones inserted with their events, and existing ones whose event
// set grows are rewritten.
//
// Which comes first, the lookup or the insert, is chosen per label from
// the previous batch: a label whose nodes were mostly new (a bulk load of
// websites) is inserted first with INSERT OR IGNORE, which learns the
// new ids in the same statement, and only the conflicting names are looked
// up; a label whose nodes mostly exist (the filers those websites share,
// or any replay) is looked up first, and only what is missing is inserted.
func (w *writer) nodes(b *batch) error {
	byLabel := make(map[int64][]*batchNode)
	for _, n := range b.nodes {
		byLabel[n.label] = append(byLabel[n.label], n)
	}
	labelIDs := make([]int64, 0, len(byLabel))
	for id := range byLabel {
		labelIDs = append(labelIDs, id)
	}
	slices.Sort(labelIDs)

	for _, label := range labelIDs {
		all := byLabel[label]
		// Nodes the cache knows need no statement unless the batch has
		// events for them, which must be merged with their stored ones.
		var bare []*batchNode
		for _, n := range all {
			if n.events.Empty() {
				bare = append(bare, n)
			}
		}
		w.s.ids.resolve(label, bare)
		nodes := all[:0:0]
		for _, n := range all {
			if n.id == 0 || !n.events.Empty() {
				n.id = 0
				nodes = append(nodes, n)
			}
		}
		// Names in byte order: statements then walk the index forward.
		slices.SortFunc(nodes, func(a, b *batchNode) int { return strings.Compare(a.key.Name, b.key.Name) })
		var first, rest []*batchNode
		if w.s.insertFirst(label) {
			// Nodes with events need their stored sets: they take the
			// lookup path whatever the label's mode.
			for _, n := range nodes {
				if n.events.Empty() {
					first = append(first, n)
				} else {
					rest = append(rest, n)
				}
			}
		} else {
			rest = nodes
		}
		added := 0
		for chunk := range slices.Chunk(first, insertChunk) {
			n, err := w.insertNodes(chunk)
			if err != nil {
				return err
			}
			added += n
			for _, n := range chunk {
				if n.id == 0 {
					rest = append(rest, n)
				}
			}
		}
		var missing []*batchNode
		for chunk := range slices.Chunk(rest, lookupChunk) {
			if err := w.lookupNodes(label, chunk); err != nil {
				return err
			}
			for _, n := range chunk {
				if n.id == 0 {
					missing = append(missing, n)
				}
			}
		}
		for chunk := range slices.Chunk(missing, insertChunk) {
			n, err := w.insertNodes(chunk)
			if err != nil {
				return err
			}
			if n != len(chunk) {
				return depc.Errorf(depc.EINTERNAL, "graph store: apply: inserted %d of %d missing nodes", n, len(chunk))
			}
			added += n
		}
		if added > 0 {
			if _, err := w.exec(countNodes, added, label); err != nil {
				return w.s.fail(err, "apply: count nodes")
			}
		}
		if len(nodes) > 0 {
			w.s.learnMode(label, added, len(nodes))
		}
	}
	return nil
}

// lookupNodes finds the ids of the chunk's nodes that exist (all of one
// label), and folds the batch's events into the stored event sets of those
// that have some.
func (w *writer) lookupNodes(label int64, chunk []*batchNode) error {
	var withEvents, bare []*batchNode
	for _, n := range chunk {
		if n.events.Empty() {
			bare = append(bare, n)
		} else {
			withEvents = append(withEvents, n)
		}
	}
	if len(bare) > 0 {
		// The key index covers (label, name, id): no table access.
		rows, err := w.query(lookupBare,
			label, nameArray(bare))
		if err != nil {
			return w.s.fail(err, "apply: look up nodes")
		}
		defer rows.Close()
		for rows.Next() {
			var i int
			var id int64
			if err := rows.Scan(&i, &id); err != nil {
				return w.s.fail(err, "apply: look up nodes")
			}
			bare[i].id, bare[i].lookedUp = id, true
		}
		if err := rows.Err(); err != nil {
			return w.s.fail(err, "apply: look up nodes")
		}
		rows.Close()
	}
	if len(withEvents) == 0 {
		return nil
	}
	rows, err := w.query(lookupWithEvents,
		label, nameArray(withEvents))
	if err != nil {
		return w.s.fail(err, "apply: look up nodes")
	}
	defer rows.Close()
	var changed []*batchNode
	for rows.Next() {
		var i int
		var id int64
		var blob []byte
		if err := rows.Scan(&i, &id, &blob); err != nil {
			return w.s.fail(err, "apply: look up nodes")
		}
		n := withEvents[i]
		n.id, n.lookedUp = id, true
		stored, err := decodeEvents(blob)
		if err != nil {
			return w.s.fail(err, "apply: node %v", n.key)
		}
		if stored.Merge(n.events) {
			n.events = stored
			changed = append(changed, n)
		}
	}
	if err := rows.Err(); err != nil {
		return w.s.fail(err, "apply: look up nodes")
	}
	rows.Close()
	values := make([]any, 0, 3*len(changed))
	for _, n := range changed {
		values = append(values, n.id, encodeEvents(&n.events), encodePeriods(n.events.Periods()))
	}
	if err := w.execRows(updateNodes, 3, values); err != nil {
		return w.s.fail(err, "apply: update nodes")
	}
	return nil
}

// insertNodes inserts the chunk's nodes that do not exist, learns their
// ids and returns how many it inserted.
//
// The writer hands out the ids itself, after the largest in the table
// (read once per batch, under the write lock no other connection can take
// meanwhile), as SQLite would: so the statement needs no RETURNING clause,
// whose rows cost as much as the insert. When some names already existed
// (OR IGNORE skipped them, leaving gaps), one range read of the ids handed
// out tells which rows went in.
func (w *writer) insertNodes(chunk []*batchNode) (int, error) {
	if w.nextID == 0 {
		if err := w.tx.QueryRowContext(w.ctx, `SELECT coalesce(max(id), 0) + 1 FROM node`).Scan(&w.nextID); err != nil {
			return 0, w.s.fail(err, "apply: allocate node ids")
		}
	}
	lo := w.nextID
	w.nextID += int64(len(chunk))
	args := make([]any, 0, 6*len(chunk))
	written := make([]bool, len(chunk))
	for i, n := range chunk {
		var events, periods []byte
		if !n.events.Empty() {
			events, periods = encodeEvents(&n.events), encodePeriods(n.events.Periods())
		}
		var adj []byte
		adj, written[i] = newAdjacency(n)
		args = append(args, lo+int64(i), n.label, n.key.Name, events, periods, adj)
	}
	q := `INSERT OR IGNORE INTO node (id, label, name, events, periods, adj) VALUES ` + placeholders(len(chunk), 6)
	res, err := w.exec(q, args...)
	if err != nil {
		return 0, w.s.fail(err, "apply: insert nodes")
	}
	inserted, err := res.RowsAffected()
	if err != nil {
		return 0, w.s.fail(err, "apply: insert nodes")
	}
	if int(inserted) == len(chunk) {
		for i, n := range chunk {
			n.id, n.inserted, n.adjWritten = lo+int64(i), true, written[i]
		}
		return len(chunk), nil
	}
	rows, err := w.query(insertedIDs, lo, lo+int64(len(chunk))-1)
	if err != nil {
		return 0, w.s.fail(err, "apply: insert nodes")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, w.s.fail(err, "apply: insert nodes")
		}
		n := chunk[id-lo]
		n.id, n.inserted, n.adjWritten = id, true, written[id-lo]
	}
	if err := rows.Err(); err != nil {
		return 0, w.s.fail(err, "apply: insert nodes")
	}
	return int(inserted), nil
}

// relations writes the relations of the batch: each chunk is inserted with
// INSERT OR IGNORE, and only when some rows already existed are the
// chunk's stored event sets read back, merged and rewritten where they grew.
// A bulk load of new relations is thus one statement per chunk.
//
// OR IGNORE rather than ON CONFLICT DO NOTHING: with it no row can make
// the statement abort halfway, so SQLite keeps no statement journal (a copy
// of every page the statement touches, a tenth of Apply's CPU). The
// constraints it would ignore beyond uniqueness (NOT NULL) cannot fail: no
// value bound here is NULL.
func (w *writer) relations(b *batch) error {
	rels := b.rels
	slices.SortFunc(rels, func(a, b *batchRel) int {
		return cmp.Or(cmp.Compare(a.src.id, b.src.id), cmp.Compare(a.dst.id, b.dst.id))
	})
	for chunk := range slices.Chunk(rels, insertChunk) {
		args := make([]any, 0, 4*len(chunk))
		for _, r := range chunk {
			r.periods = encodePeriods(r.events.Periods())
			args = append(args, r.src.id, r.dst.id, encodeEvents(&r.events), r.periods)
		}
		q := `INSERT OR IGNORE INTO rel (src, dst, events, periods) VALUES ` + placeholders(len(chunk), 4)
		res, err := w.exec(q, args...)
		if err != nil {
			return w.s.fail(err, "apply: insert relations")
		}
		n, err := res.RowsAffected()
		if err != nil {
			return w.s.fail(err, "apply: insert relations")
		}
		if int(n) == len(chunk) {
			continue
		}
		if err := w.mergeRelations(chunk); err != nil {
			return err
		}
	}
	return nil
}

// mergeRelations folds the chunk's events into the stored relations. The
// rows this batch just inserted read back equal to the batch's sets and are
// left alone.
func (w *writer) mergeRelations(chunk []*batchRel) error {
	var pairs strings.Builder
	pairs.WriteByte('[')
	for i, r := range chunk {
		if i > 0 {
			pairs.WriteByte(',')
		}
		pairs.WriteByte('[')
		pairs.WriteString(strconv.FormatInt(r.src.id, 10))
		pairs.WriteByte(',')
		pairs.WriteString(strconv.FormatInt(r.dst.id, 10))
		pairs.WriteByte(']')
	}
	pairs.WriteByte(']')
	rows, err := w.query(readRelations, pairs.String())
	if err != nil {
		return w.s.fail(err, "apply: read relations")
	}
	defer rows.Close()
	var changed []*batchRel
	for rows.Next() {
		var i int
		var blob []byte
		if err := rows.Scan(&i, &blob); err != nil {
			return w.s.fail(err, "apply: read relations")
		}
		r := chunk[i]
		stored, err := decodeEvents(blob)
		if err != nil {
			return w.s.fail(err, "apply: relation %v -> %v", r.src.key, r.dst.key)
		}
		// Whether it grew or not, the stored set is now the relation's:
		// its periods are what the source's adjacency must hold.
		if stored.Merge(r.events) {
			changed = append(changed, r)
		}
		r.events = stored
		r.periods = encodePeriods(stored.Periods())
	}
	if err := rows.Err(); err != nil {
		return w.s.fail(err, "apply: read relations")
	}
	rows.Close()
	values := make([]any, 0, 4*len(changed))
	for _, r := range changed {
		values = append(values, r.src.id, r.dst.id, encodeEvents(&r.events), r.periods)
	}
	if err := w.execRows(updateRelations, 4, values); err != nil {
		return w.s.fail(err, "apply: update relations")
	}
	return nil
}

// adjacency rewrites the adjacency of every source node of the batch's
// relations (adj.go) with their periods as written: nodes this batch
// inserted get theirs directly, the others' stored ones are read, merged
// and written back where they changed (not on a replay).
func (w *writer) adjacency(b *batch) error {
	// b.rels is sorted by source, then destination id (relations).
	type source struct {
		node    *batchNode
		changes []adjEntry
	}
	var sources []source
	for _, r := range b.rels {
		if len(sources) == 0 || sources[len(sources)-1].node != r.src {
			sources = append(sources, source{node: r.src})
		}
		s := &sources[len(sources)-1]
		s.changes = append(s.changes, adjEntry{dst: r.dst.id, periods: r.periods})
	}
	var values []any
	var stored []*source
	for i := range sources {
		s := &sources[i]
		if s.node.adjWritten {
			continue
		}
		if s.node.inserted {
			values = append(values, s.node.id, encodeAdj(s.changes))
		} else {
			stored = append(stored, s)
		}
	}
	for chunk := range slices.Chunk(stored, lookupChunk) {
		ids := make([]int64, len(chunk))
		for i, s := range chunk {
			ids[i] = s.node.id
		}
		rows, err := w.query(readAdj, idArray(ids))
		if err != nil {
			return w.s.fail(err, "apply: read adjacencies")
		}
		for rows.Next() {
			var i int
			var blob []byte
			if err := rows.Scan(&i, &blob); err != nil {
				rows.Close()
				return w.s.fail(err, "apply: read adjacencies")
			}
			s := chunk[i]
			merged, changed, err := mergeAdj(blob, s.changes)
			if err != nil {
				rows.Close()
				return w.s.fail(err, "apply: adjacency of %v", s.node.key)
			}
			if changed {
				values = append(values, s.node.id, merged)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return w.s.fail(err, "apply: read adjacencies")
		}
	}
	if err := w.execRows(updateAdj, 2, values); err != nil {
		return w.s.fail(err, "apply: write adjacencies")
	}
	return nil
}

// newAdjacency returns the adjacency of a node about to be inserted (a
// new node has no relation but the batch's) and true, when the batch's
// relations from it all lead to nodes whose ids are known; else nil and
// false, and adjacency writes it once they are.
func newAdjacency(n *batchNode) ([]byte, bool) {
	if len(n.out) == 0 {
		return nil, true
	}
	es := make([]adjEntry, len(n.out))
	for i, r := range n.out {
		if r.dst.id == 0 {
			return nil, false
		}
		es[i] = adjEntry{dst: r.dst.id, periods: encodePeriods(r.events.Periods())}
	}
	slices.SortFunc(es, func(a, b adjEntry) int { return cmp.Compare(a.dst, b.dst) })
	return encodeAdj(es), true
}

// nameArray returns the nodes' names as a JSON array. Valid names hold no
// quote, backslash or control character, and this escapes them anyway.
func nameArray(nodes []*batchNode) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, n := range nodes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(n.key.Name))
	}
	b.WriteByte(']')
	return b.String()
}

// placeholders returns "(?,?),(?,?)" for rows rows of cols columns. Only
// placeholders: values are always bound as parameters.
func placeholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}
