package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/depc-dev/depc"
)

// migrations are the schema changes, applied in order at Open. Version n
// of the schema is the result of migrations[:n]. Never edit a migration
// that has been released: add one.
var migrations = []string{
	// 1: the initial schema.
	//
	// Small tables use names as keys (WITHOUT ROWID, primary key on
	// (team_id, name)), which is what every lookup uses. The result tables
	// are shaped by the nightly write of a million node results for one
	// day: their keys start with (team_id, day), so one day's rows are one
	// contiguous range that is appended (or deleted) in key order, and
	// reading a node's days is one index seek per day that has results
	// (result_day drives the loop). Labels are interned in `label` so the
	// big keys hold a small integer instead of a string.
	`
CREATE TABLE team (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	timezone   TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE account (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	admin      INTEGER NOT NULL,
	token_hash BLOB NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);

CREATE TABLE setting (
	key   TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE team_grant (
	team_id INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
	role    TEXT NOT NULL,
	PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_grant_user ON team_grant(user_id);

CREATE TABLE rejection (
	id      INTEGER PRIMARY KEY,
	team_id INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	at      INTEGER NOT NULL,
	source  TEXT NOT NULL,
	error   TEXT NOT NULL,
	message TEXT NOT NULL
);
CREATE INDEX rejection_team ON rejection(team_id, id);

CREATE TABLE source (
	team_id       INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	plugin        TEXT NOT NULL,
	configuration BLOB NOT NULL,
	PRIMARY KEY (team_id, name)
) WITHOUT ROWID;

CREATE TABLE indicator (
	team_id    INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	source     TEXT NOT NULL,
	type       TEXT NOT NULL,
	parameters BLOB NOT NULL,
	PRIMARY KEY (team_id, name),
	FOREIGN KEY (team_id, source) REFERENCES source(team_id, name)
) WITHOUT ROWID;
CREATE INDEX indicator_source ON indicator(team_id, source);

CREATE TABLE rule (
	team_id INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	name    TEXT NOT NULL,
	PRIMARY KEY (team_id, name)
) WITHOUT ROWID;

CREATE TABLE rule_indicator (
	team_id   INTEGER NOT NULL,
	rule      TEXT NOT NULL,
	position  INTEGER NOT NULL,
	indicator TEXT NOT NULL,
	PRIMARY KEY (team_id, rule, position),
	FOREIGN KEY (team_id, rule) REFERENCES rule(team_id, name) ON DELETE CASCADE,
	FOREIGN KEY (team_id, indicator) REFERENCES indicator(team_id, name)
) WITHOUT ROWID;
CREATE INDEX rule_indicator_indicator ON rule_indicator(team_id, indicator);

-- rules: JSON array of the rule names the version uses.
CREATE TABLE config (
	team_id    INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	id         INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	doc        BLOB NOT NULL,
	rules      TEXT NOT NULL,
	PRIMARY KEY (team_id, id)
) WITHOUT ROWID;

-- days, errors: JSON arrays.
CREATE TABLE run (
	team_id     INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	id          INTEGER NOT NULL,
	days        TEXT NOT NULL,
	status      TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	started_at  INTEGER,
	finished_at INTEGER,
	nodes       INTEGER NOT NULL,
	errors      TEXT NOT NULL,
	progress    REAL NOT NULL,
	PRIMARY KEY (team_id, id)
) WITHOUT ROWID;
CREATE INDEX run_queued ON run(created_at, team_id, id) WHERE status = 'queued';

CREATE TABLE label (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);

-- day: days since 1970-01-01 of the "YYYY-MM-DD" date.
CREATE TABLE result_day (
	team_id     INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	day         INTEGER NOT NULL,
	computed_at INTEGER NOT NULL,
	PRIMARY KEY (team_id, day)
) WITHOUT ROWID;

-- No foreign key here: checking one per row would slow the nightly write;
-- DeleteTeam deletes these rows itself. downtime and children are compact
-- binary encodings (codec.go); NULL when empty.
CREATE TABLE node_result (
	team_id  INTEGER NOT NULL,
	day      INTEGER NOT NULL,
	label_id INTEGER NOT NULL,
	name     TEXT NOT NULL,
	qos      REAL,
	ok       INTEGER,
	ko       INTEGER,
	unknown  INTEGER,
	downtime BLOB,
	children BLOB,
	PRIMARY KEY (team_id, day, label_id, name)
) WITHOUT ROWID;

CREATE TABLE label_result (
	team_id  INTEGER NOT NULL,
	label_id INTEGER NOT NULL,
	day      INTEGER NOT NULL,
	qos      REAL,
	nodes    INTEGER NOT NULL,
	PRIMARY KEY (team_id, label_id, day)
) WITHOUT ROWID;

CREATE TABLE worst_node (
	team_id  INTEGER NOT NULL,
	label_id INTEGER NOT NULL,
	day      INTEGER NOT NULL,
	rank     INTEGER NOT NULL,
	name     TEXT NOT NULL,
	qos      REAL NOT NULL,
	PRIMARY KEY (team_id, label_id, day, rank)
) WITHOUT ROWID;
`,

	// 2: objectives (issue 14), and the seconds of a label's nodes for one
	// day in one blob (label_seconds): budgets read a label's month as 30
	// blobs instead of millions of node_result rows. A blob is built from
	// node_result at its first read and deleted when the day's results are
	// replaced. "window" is an SQL keyword, hence window_kind.
	`
CREATE TABLE objective (
	team_id     INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	label       TEXT NOT NULL,
	name        TEXT NOT NULL,
	target      REAL NOT NULL,
	window_kind TEXT NOT NULL,
	PRIMARY KEY (team_id, label, name)
) WITHOUT ROWID;

CREATE TABLE label_seconds (
	team_id  INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	day      INTEGER NOT NULL,
	label_id INTEGER NOT NULL,
	nodes    BLOB NOT NULL,
	PRIMARY KEY (team_id, day, label_id)
) WITHOUT ROWID;
`,

	// 3: maintenance windows (issue 14). label and name are '' for a
	// window on a label or on the whole team. AUTOINCREMENT: an id is
	// never reused, also after a delete.
	`
CREATE TABLE maintenance (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	team_id    INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	label      TEXT NOT NULL,
	name       TEXT NOT NULL,
	from_at    INTEGER NOT NULL,
	to_at      INTEGER NOT NULL,
	reason     TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE INDEX maintenance_from ON maintenance(team_id, from_at);
`,

	// 4: annotations (issue 13). AUTOINCREMENT so that an id is never
	// reused: it is in the links people paste. Listings read a team's
	// annotations of a window by from_at and filter them in Go
	// (depc.SelectAnnotations); a team has few.
	`
CREATE TABLE annotation (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	team_id    INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	label      TEXT NOT NULL,
	name       TEXT NOT NULL,
	from_at    INTEGER NOT NULL,
	to_at      INTEGER NOT NULL,
	text       TEXT NOT NULL,
	author     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX annotation_team ON annotation(team_id, from_at);
`,

	// 5: tokens of their own (several per user, named, expiring), and the
	// admin token's hash as a string (argon2id, issue 12).
	//
	// Each user's token moves to api_token as its "default" token.
	// account.token_hash stays, filled with random bytes: SQLite cannot
	// drop a UNIQUE column without rebuilding the table, and rebuilding
	// account would cascade to the grants. The old SHA-256 of the admin
	// token becomes "sha256$<hex>", which passhash still verifies.
	`
CREATE TABLE api_token (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	hash       BLOB NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	UNIQUE (account_id, name)
);
INSERT INTO api_token (account_id, name, hash, created_at, expires_at)
	SELECT id, 'default', token_hash, created_at, 0 FROM account;
UPDATE account SET token_hash = randomblob(32);
UPDATE setting SET key = 'admin_token', value = CAST('sha256$' || lower(hex(value)) AS BLOB)
	WHERE key = 'admin_token_hash';
`,

	// 6: a team's limits set by the admin (depc.Limits as JSON; '{}': the
	// server's defaults). A column of team, so that renaming or deleting a
	// team carries them.
	`ALTER TABLE team ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';`,

	// 7: alerts (issue 14): receivers, the state of each alert, and one
	// delivery per state change and receiver. A delivery's key (team,
	// receiver, alert, seq, slot) is unique, so a change is queued once
	// whoever records it; claimed_by and claimed_until hold it for one
	// dispatcher. alert is the JSON of the alert as of seq; secret is
	// what state/sealed gives to store.
	`
CREATE TABLE alert_receiver (
	team_id INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	name    TEXT NOT NULL,
	type    TEXT NOT NULL,
	url     TEXT NOT NULL,
	secret  TEXT NOT NULL,
	PRIMARY KEY (team_id, name)
) WITHOUT ROWID;

CREATE TABLE alert_state (
	team_id     INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	id          TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	firing      INTEGER NOT NULL,
	starts_at   INTEGER NOT NULL,
	ends_at     INTEGER NOT NULL,
	labels      TEXT NOT NULL,
	annotations TEXT NOT NULL,
	PRIMARY KEY (team_id, id)
) WITHOUT ROWID;

CREATE TABLE alert_delivery (
	id              INTEGER PRIMARY KEY,
	team_id         INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	receiver        TEXT NOT NULL,
	alert_id        TEXT NOT NULL,
	seq             INTEGER NOT NULL,
	slot            INTEGER NOT NULL,
	alert           TEXT NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	last_error      TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	delivered_at    INTEGER NOT NULL,
	claimed_by      TEXT NOT NULL,
	claimed_until   INTEGER NOT NULL,
	UNIQUE (team_id, receiver, alert_id, seq, slot)
);
CREATE INDEX alert_delivery_due ON alert_delivery(next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX alert_delivery_team ON alert_delivery(team_id, id);
CREATE INDEX alert_delivery_alert ON alert_delivery(team_id, alert_id);
`,

	// 8: runs are drained day by day by the schedulers of several
	// processes (issue 11). run_day is a run's days, each queued, running
	// (held by a lease: owner, claim number, expires in Unix ms), done, or
	// dropped (its run finished without it); interruptions counts the
	// leases of the day that expired. The days of unfinished runs are
	// added: those the progress says are done are done, the day a running
	// run was computing is held by an expired lease (its process died), the
	// others are queued. lease is the named leases of the scheduler's jobs
	// (the nightly job, the catch-up), expires in Unix ms.
	`
CREATE TABLE run_day (
	team_id       INTEGER NOT NULL,
	run_id        INTEGER NOT NULL,
	pos           INTEGER NOT NULL,
	day           TEXT NOT NULL,
	state         TEXT NOT NULL,
	owner         TEXT,
	claim         INTEGER NOT NULL,
	expires       INTEGER,
	interruptions INTEGER NOT NULL,
	PRIMARY KEY (team_id, run_id, pos),
	FOREIGN KEY (team_id, run_id) REFERENCES run(team_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX run_day_open ON run_day(team_id, day) WHERE state IN ('queued', 'running');

INSERT INTO run_day (team_id, run_id, pos, day, state, owner, claim, expires, interruptions)
SELECT r.team_id, r.id, j.key, j.value,
	CASE WHEN j.key < d.done THEN 'done'
		WHEN j.key = d.done AND r.status = 'running' THEN 'running'
		ELSE 'queued' END,
	CASE WHEN j.key = d.done AND r.status = 'running' THEN '' END,
	CASE WHEN j.key = d.done AND r.status = 'running' THEN 1 ELSE 0 END,
	CASE WHEN j.key = d.done AND r.status = 'running' THEN 0 END,
	0
FROM run r
	JOIN (SELECT team_id, id, CAST(round(progress * json_array_length(days)) AS INTEGER) AS done FROM run) d
		ON d.team_id = r.team_id AND d.id = r.id,
	json_each(r.days) j
WHERE r.status IN ('queued', 'running');

CREATE TABLE lease (
	name    TEXT PRIMARY KEY,
	owner   TEXT NOT NULL,
	expires INTEGER NOT NULL
) WITHOUT ROWID;
`,

	// 9: the audit log (issue 12): every write made through the API.
	// team_id becomes NULL when the team is deleted: its entries stay in
	// the whole log (the admins'), under the name it had, and a new team
	// of the same name does not read them. AUTOINCREMENT so that an id is
	// never reused, which paging by id relies on. An empty before or after
	// is none.
	`
CREATE TABLE audit (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	at      INTEGER NOT NULL,
	team_id INTEGER REFERENCES team(id) ON DELETE SET NULL,
	team    TEXT NOT NULL,
	actor   TEXT NOT NULL,
	action  TEXT NOT NULL,
	target  TEXT NOT NULL,
	status  INTEGER NOT NULL,
	before  BLOB NOT NULL,
	after   BLOB NOT NULL
);
CREATE INDEX audit_team ON audit(team_id, id);
`,
	// 10: the variables of a team, its sources, rules and checks (issue
	// 15), one row per set; owner is '' for the team's, and a set goes
	// with its owner (the catalog's deletes remove it).
	`
CREATE TABLE variable_set (
	team_id   INTEGER NOT NULL REFERENCES team(id) ON DELETE CASCADE,
	scope     TEXT NOT NULL,
	owner     TEXT NOT NULL,
	variables TEXT NOT NULL,
	PRIMARY KEY (team_id, scope, owner)
) WITHOUT ROWID;
`,

	// 11: the admins' news (issue 14), shown to every user.
	`
CREATE TABLE news (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	title      TEXT NOT NULL,
	text       TEXT NOT NULL,
	author     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
`,

	// 12: the admin's catalog of shared sources (issue 12). enforce: the
	// labels it enforces, a JSON array of {label, value}. Grants are team
	// sources of plugin 'Shared' naming an entry in their configuration.
	`
CREATE TABLE shared_source (
	name          TEXT PRIMARY KEY,
	plugin        TEXT NOT NULL,
	configuration BLOB NOT NULL,
	description   TEXT NOT NULL,
	enforce       TEXT NOT NULL
) WITHOUT ROWID;
`,
}

// pageSize is the page size of a new database file. Bigger pages than
// SQLite's 4 KiB default make the bulk write of a day's results cheaper.
const pageSize = 8192

// migrate brings the schema to the newest version in one transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	const op = "state store: migrate"
	// Both pragmas act on a new file only, and must come before its first
	// table; on an existing file page_size is a no-op and journal_mode
	// just confirms WAL.
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d", pageSize)); err != nil {
		return storeError(err, op)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return storeError(err, op)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return storeError(err, op)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return storeError(err, op)
	}
	var version int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return storeError(err, op)
		}
	case err != nil:
		return storeError(err, op)
	}
	if version > len(migrations) {
		return depc.Errorf(depc.EINVALID, "state store: schema version %d is newer than this depc knows (%d): upgrade depc", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return storeError(fmt.Errorf("migration %d: %w", i+1, err), op)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
		return storeError(err, op)
	}
	return storeError(tx.Commit(), op)
}

// SchemaVersion is the schema version this package writes.
func SchemaVersion() int { return len(migrations) }
