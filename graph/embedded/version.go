package embedded

import (
	"context"
	"database/sql"

	"github.com/depc-dev/depc"
)

// createTeamVersion keeps each team's graph version (depc.GraphVersioner):
// every write of a team's graph sets it, in the write's transaction, to one
// more than the largest version of any team. Rows are never deleted, so
// that largest version only grows and a team's version never comes back to
// an earlier value, even after its graph was deleted and written again.
// (IF NOT EXISTS: a database taken back to schema 1 by a test keeps it.)
const createTeamVersion = `CREATE TABLE IF NOT EXISTS team_version (
	team    TEXT PRIMARY KEY,
	version INTEGER NOT NULL
) WITHOUT ROWID`

// bumpVersion gives the teams a new graph version inside tx.
func bumpVersion(ctx context.Context, tx *sql.Tx, teams ...string) error {
	var top int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM team_version`).Scan(&top); err != nil {
		return err
	}
	for _, t := range teams {
		if _, err := tx.ExecContext(ctx, `INSERT INTO team_version (team, version) VALUES (?, ?)
			ON CONFLICT (team) DO UPDATE SET version = excluded.version`, t, top+1); err != nil {
			return err
		}
	}
	return nil
}

// GraphVersion returns the team's graph version: 0 for a team never
// written.
func (s *Store) GraphVersion(ctx context.Context, team string) (int64, error) {
	if err := depc.CheckTeam("team", team); err != nil {
		return 0, err
	}
	done, err := s.enter()
	if err != nil {
		return 0, err
	}
	defer done()
	var v int64
	err = s.reader.QueryRowContext(ctx, `SELECT version FROM team_version WHERE team = ?`, team).Scan(&v)
	if isNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, s.fail(err, "graph version of %s", team)
	}
	return v, nil
}
