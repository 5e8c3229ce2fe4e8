package embedded

import (
	"context"
	"database/sql"
	"errors"

	"github.com/depc-dev/depc"
)

// txExec is the transaction a team's write runs in.
type txExec = *sql.Tx

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// A team lives in its label rows: the nodes hold label ids and the
// relations node ids. Deleting a team deletes its relations, nodes and
// labels in one transaction; renaming it renames its label rows, which
// moves everything else with them.

// DeleteTeam removes the team's graph.
func (s *Store) DeleteTeam(ctx context.Context, team string) error {
	if err := depc.CheckTeam("team", team); err != nil {
		return err
	}
	return s.teamWrite(ctx, "delete team "+team, []string{team}, func(tx txExec) error {
		for _, q := range []string{
			`DELETE FROM rel WHERE src IN (SELECT n.id FROM node n JOIN label l ON l.id = n.label WHERE l.team = ?)`,
			`DELETE FROM rel WHERE dst IN (SELECT n.id FROM node n JOIN label l ON l.id = n.label WHERE l.team = ?)`,
			`DELETE FROM node WHERE label IN (SELECT id FROM label WHERE team = ?)`,
			`DELETE FROM label WHERE team = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, team); err != nil {
				return err
			}
		}
		return nil
	})
}

// RenameTeam moves the team's graph to another name.
func (s *Store) RenameTeam(ctx context.Context, from, to string) error {
	if err := depc.CheckTeam("from", from); err != nil {
		return err
	}
	if err := depc.CheckTeam("to", to); err != nil {
		return err
	}
	if from == to {
		return nil
	}
	return s.teamWrite(ctx, "rename team "+from, []string{from, to}, func(tx txExec) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM label WHERE team = ? LIMIT 1`, to).Scan(&one)
		if err == nil {
			return depc.Errorf(depc.ECONFLICT, "team %s has a graph already: it cannot take team %s's", to, from)
		}
		if !isNoRows(err) {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE label SET team = ? WHERE team = ?`, to, from)
		return err
	})
}

// teamWrite runs fn in a write transaction under the writer's lock, gives
// the teams a new graph version, and forgets the cached node ids, which a
// deleted team's may be among.
func (s *Store) teamWrite(ctx context.Context, what string, teams []string, fn func(tx txExec) error) error {
	done, err := s.enter()
	if err != nil {
		return err
	}
	defer done()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(err, "%s: begin", what)
	}
	defer tx.Rollback()
	s.ids.invalidate()
	if err := fn(tx); err != nil {
		if depc.ErrorCode(err) == depc.ECONFLICT {
			return err
		}
		return s.fail(err, "%s", what)
	}
	if err := bumpVersion(ctx, tx, teams...); err != nil {
		return s.fail(err, "%s: graph version", what)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(err, "%s: commit", what)
	}
	return nil
}
