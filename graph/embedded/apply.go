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
}

// batchRel is a relation a batch touches.
type batchRel struct {
	src, dst *batchNode
	events   depc.EventSet
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
}

// The statements Apply runs with a fixed text, prepared once per store.
var (
	insertNodesFull     = `INSERT OR IGNORE INTO node (id, label, name, events, periods) VALUES ` + placeholders(insertChunk, 5)
	insertRelationsFull = `INSERT OR IGNORE INTO rel (src, dst, events, periods) VALUES ` + placeholders(insertChunk, 4)
)

const (
	countNodes = `UPDATE label SET nodes = nodes + ? WHERE id = ?`
	lookupBare = `SELECT j.key, n.id
		FROM json_each(?2) j CROSS JOIN node n ON n.label = ?1 AND n.name = j.value`
	lookupWithEvents = `SELECT j.key, n.id, n.events
		FROM json_each(?2) j CROSS JOIN node n ON n.label = ?1 AND n.name = j.value`
	updateNode    = `UPDATE node SET events = ?, periods = ? WHERE id = ?`
	readRelations = `SELECT j.key, r.events
		FROM json_each(?) j CROSS JOIN rel r ON r.src = j.value ->> 0 AND r.dst = j.value ->> 1`
	updateRelation = `UPDATE rel SET events = ?, periods = ? WHERE src = ? AND dst = ?`
	insertedIDs    = `SELECT id FROM node WHERE id BETWEEN ? AND ?`
)

var writerStatements = []string{
	insertNodesFull, insertRelationsFull, countNodes, lookupBare, lookupWithEvents,
	updateNode, readRelations, updateRelation, insertedIDs,
}

// exec runs a statement in the transaction, through its prepared form when
// it is one of writerStatements.
func (w *writer) exec(q string, args ...any) (sql.Result, error) {
	if st := w.s.prepared(q); st != nil {
		return w.tx.StmtContext(w.ctx, st).ExecContext(w.ctx, args...)
	}
	return w.tx.ExecContext(w.ctx, q, args...)
}

// query is exec for statements that return rows.
func (w *writer) query(q string, args ...any) (*sql.Rows, error) {
	if st := w.s.prepared(q); st != nil {
		return w.tx.StmtContext(w.ctx, st).QueryContext(w.ctx, args...)
	}
	return w.tx.QueryContext(w.ctx, q, args...)
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
	for _, n := range changed {
		if _, err := w.exec(updateNode,
			encodeEvents(&n.events), encodePeriods(n.events.Periods()), n.id); err != nil {
			return w.s.fail(err, "apply: update node %v", n.key)
		}
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
	args := make([]any, 0, 5*len(chunk))
	for i, n := range chunk {
		var events, periods []byte
		if !n.events.Empty() {
			events, periods = encodeEvents(&n.events), encodePeriods(n.events.Periods())
		}
		args = append(args, lo+int64(i), n.label, n.key.Name, events, periods)
	}
	q := `INSERT OR IGNORE INTO node (id, label, name, events, periods) VALUES ` + placeholders(len(chunk), 5)
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
			n.id = lo + int64(i)
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
		chunk[id-lo].id = id
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
			args = append(args, r.src.id, r.dst.id, encodeEvents(&r.events), encodePeriods(r.events.Periods()))
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
		if stored.Merge(r.events) {
			r.events = stored
			changed = append(changed, r)
		}
	}
	if err := rows.Err(); err != nil {
		return w.s.fail(err, "apply: read relations")
	}
	rows.Close()
	for _, r := range changed {
		if _, err := w.exec(updateRelation,
			encodeEvents(&r.events), encodePeriods(r.events.Periods()), r.src.id, r.dst.id); err != nil {
			return w.s.fail(err, "apply: update relation %v -> %v", r.src.key, r.dst.key)
		}
	}
	return nil
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
