package embedded

import (
	"context"
	"database/sql"
	"errors"

	"github.com/depc-dev/depc"
)

// querier is what reads need: a transaction or a pool.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// teamLabels are the labels of one team, both ways, with node counts.
type teamLabels struct {
	byName map[string]int64
	byID   map[int64]string
	nodes  map[int64]int64
}

func labelIDs(ctx context.Context, q querier, team string) (*teamLabels, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, nodes FROM label WHERE team = ?`, team)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ls := &teamLabels{byName: map[string]int64{}, byID: map[int64]string{}, nodes: map[int64]int64{}}
	for rows.Next() {
		var id, nodes int64
		var name string
		if err := rows.Scan(&id, &name, &nodes); err != nil {
			return nil, err
		}
		ls.byName[name], ls.byID[id], ls.nodes[id] = id, name, nodes
	}
	return ls, rows.Err()
}

// readTx starts a read transaction: every query of one call sees the same
// state of the graph.
func (s *Store) readTx(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.fail(err, "begin read")
	}
	return tx, nil
}

// nodeRow is a node as stored.
type nodeRow struct {
	id      int64
	label   int64
	periods depc.Periods
}

const nodeQuery = `SELECT n.id, n.label, n.periods
	FROM label l JOIN node n ON n.label = l.id
	WHERE l.team = ? AND l.name = ? AND n.name = ?`

// readStmts are the reads the API makes for every node page, prepared
// once on the reading pool (database/sql prepares each on a connection
// the first time it runs there and keeps it): parsing them again at each
// call was a third of the API's GET …/dependencies (issue 16).
type readStmts struct {
	node, dependencies, dependents *sql.Stmt
}

func (s *Store) prepareReads(ctx context.Context) error {
	for _, p := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.rs.node, nodeQuery},
		{&s.rs.dependencies, dependenciesQuery},
		{&s.rs.dependents, dependentsQuery},
	} {
		st, err := s.reader.PrepareContext(ctx, p.query)
		if err != nil {
			return s.fail(err, "prepare %s", s.path)
		}
		*p.dst = st
	}
	return nil
}

// stmtQuerier runs a statement prepared beforehand.
type stmtQuerier interface {
	QueryContext(ctx context.Context, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, args ...any) *sql.Row
}

// readStmt returns st (prepared on the reading pool) to run on q: itself
// on the pool, the transaction's copy of it in a transaction of the pool
// (every *sql.Tx given is one: the writer's are wrapped in writeTx); on
// anything else, query prepared there.
func (s *Store) readStmt(ctx context.Context, q querier, st *sql.Stmt, query string) stmtQuerier {
	switch q := q.(type) {
	case *sql.Tx:
		return q.StmtContext(ctx, st)
	case *sql.DB:
		if q == s.reader {
			return st
		}
	}
	return adHoc{q, query}
}

// writeTx is a transaction of the writer: the readers' statements are not
// its own, so readStmt runs its queries as they are.
type writeTx struct{ *sql.Tx }

// adHoc is a query run as it is, on a querier.
type adHoc struct {
	q     querier
	query string
}

func (a adHoc) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return a.q.QueryContext(ctx, a.query, args...)
}

func (a adHoc) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return a.q.QueryRowContext(ctx, a.query, args...)
}

// findNode looks a node up: ENOTFOUND if absent.
func (s *Store) findNode(ctx context.Context, q querier, team string, k depc.NodeKey) (nodeRow, error) {
	var n nodeRow
	var blob []byte
	err := s.readStmt(ctx, q, s.rs.node, nodeQuery).QueryRowContext(ctx, team, k.Label, k.Name).Scan(&n.id, &n.label, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return n, depc.Errorf(depc.ENOTFOUND, "node %s not found", k)
	}
	if err != nil {
		return n, s.fail(err, "read node %s", k)
	}
	if n.periods, err = decodePeriods(blob); err != nil {
		return n, s.fail(err, "read node %s", k)
	}
	return n, nil
}

// Node returns one node with its periods.
func (s *Store) Node(ctx context.Context, team string, k depc.NodeKey) (depc.Node, error) {
	if err := checkKey(team, k); err != nil {
		return depc.Node{}, err
	}
	done, err := s.enter()
	if err != nil {
		return depc.Node{}, err
	}
	defer done()
	n, err := s.findNode(ctx, s.reader, team, k)
	if err != nil {
		return depc.Node{}, err
	}
	return depc.Node{Key: k, Periods: n.periods}, nil
}

// Labels returns the team's labels that have nodes, with their counts.
func (s *Store) Labels(ctx context.Context, team string) ([]depc.LabelCount, error) {
	if err := depc.CheckTeam("team", team); err != nil {
		return nil, err
	}
	done, err := s.enter()
	if err != nil {
		return nil, err
	}
	defer done()
	rows, err := s.reader.QueryContext(ctx, `SELECT name, nodes FROM label WHERE team = ? AND nodes > 0 ORDER BY name`, team)
	if err != nil {
		return nil, s.fail(err, "read labels")
	}
	defer rows.Close()
	var out []depc.LabelCount
	for rows.Next() {
		var lc depc.LabelCount
		if err := rows.Scan(&lc.Label, &lc.Nodes); err != nil {
			return nil, s.fail(err, "read labels")
		}
		out = append(out, lc)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(err, "read labels")
	}
	return out, nil
}

// Nodes returns a page of a label's node names. The substring is matched
// with instr, which compares bytes: LIKE would fold case and treat % and _
// as wildcards.
func (s *Store) Nodes(ctx context.Context, team, label, substring string, limit int, after string) ([]string, string, error) {
	if err := depc.CheckTeam("team", team); err != nil {
		return nil, "", err
	}
	if err := depc.CheckLabel("label", label); err != nil {
		return nil, "", err
	}
	if err := checkLimit(limit); err != nil {
		return nil, "", err
	}
	done, err := s.enter()
	if err != nil {
		return nil, "", err
	}
	defer done()
	rows, err := s.reader.QueryContext(ctx, `SELECT n.name FROM node n
		WHERE n.label = (SELECT id FROM label WHERE team = ? AND name = ?)
		  AND n.name > ? AND instr(n.name, ?) > 0
		ORDER BY n.name LIMIT ?`, team, label, after, substring, int64(limit)+1)
	if err != nil {
		return nil, "", s.fail(err, "list nodes of %s", label)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, "", s.fail(err, "list nodes of %s", label)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.fail(err, "list nodes of %s", label)
	}
	if len(names) > limit {
		return names[:limit], names[limit-1], nil
	}
	return names, "", nil
}

// Dependencies returns the direct dependencies of a node.
func (s *Store) Dependencies(ctx context.Context, team string, k depc.NodeKey, when depc.Activity) ([]depc.Dependency, error) {
	return s.neighbours(ctx, team, k, when, true)
}

// Dependents returns the direct dependents of a node.
func (s *Store) Dependents(ctx context.Context, team string, k depc.NodeKey, when depc.Activity) ([]depc.Dependency, error) {
	return s.neighbours(ctx, team, k, when, false)
}

// Both directions in one statement each: the relation's key (or the
// rel_dst index) gives the neighbours' ids in one range.
const (
	dependenciesQuery = `SELECT l.name, n.name, n.periods, r.periods
		FROM rel r JOIN node n ON n.id = r.dst JOIN label l ON l.id = n.label
		WHERE r.src = ? ORDER BY l.name, n.name`
	dependentsQuery = `SELECT l.name, n.name, n.periods, r.periods
		FROM rel r JOIN node n ON n.id = r.src JOIN label l ON l.id = n.label
		WHERE r.dst = ? ORDER BY l.name, n.name`
)

func (s *Store) neighbours(ctx context.Context, team string, k depc.NodeKey, when depc.Activity, down bool) ([]depc.Dependency, error) {
	if err := checkKey(team, k); err != nil {
		return nil, err
	}
	if err := checkActivity(when); err != nil {
		return nil, err
	}
	done, err := s.enter()
	if err != nil {
		return nil, err
	}
	defer done()
	tx, err := s.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	n, err := s.findNode(ctx, tx, team, k)
	if err != nil {
		return nil, err
	}
	q := tx.StmtContext(ctx, s.rs.dependencies)
	if !down {
		q = tx.StmtContext(ctx, s.rs.dependents)
	}
	rows, err := q.QueryContext(ctx, n.id)
	if err != nil {
		return nil, s.fail(err, "read neighbours of %s", k)
	}
	defer rows.Close()
	var out []depc.Dependency
	var sl slab
	for rows.Next() {
		var d depc.Dependency
		var nodeBlob, relBlob []byte
		if err := rows.Scan(&d.Node.Key.Label, &d.Node.Key.Name, &nodeBlob, &relBlob); err != nil {
			return nil, s.fail(err, "read neighbours of %s", k)
		}
		if d.Node.Periods, err = sl.decode(nodeBlob); err != nil {
			return nil, s.fail(err, "read neighbour %s of %s", d.Node.Key, k)
		}
		if d.Relation, err = sl.decode(relBlob); err != nil {
			return nil, s.fail(err, "read relation of %s to %s", k, d.Node.Key)
		}
		d.Active = when.Holds(d.Node.Periods) && when.Holds(d.Relation)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(err, "read neighbours of %s", k)
	}
	return out, nil
}
