-- 1: the initial schema, the tables of state/sqlite in PostgreSQL's types.
--
-- Names and text keys use the "C" collation: they sort by bytes, as Go
-- compares strings and as the SQLite store sorts, whatever the database's
-- locale. User-supplied documents (a source's configuration, a config
-- version) and rejected messages are bytea: they are kept byte for byte, and
-- may hold what a text column refuses (a zero byte, invalid UTF-8).
--
-- The result tables are shaped by the nightly write of a million node
-- results of one team's day: their keys start with (team_id, day), the rows
-- are written with COPY in key order, and a node's days are read with one
-- index seek per day that has results (result_day drives the loop). Labels
-- are interned in `label`, so the big keys hold a small integer.

CREATE TABLE team (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       text COLLATE "C" NOT NULL UNIQUE,
	timezone   text NOT NULL,
	created_at bigint NOT NULL
);

CREATE TABLE account (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       text COLLATE "C" NOT NULL UNIQUE,
	admin      boolean NOT NULL,
	token_hash bytea NOT NULL UNIQUE,
	created_at bigint NOT NULL
);

CREATE TABLE setting (
	key   text COLLATE "C" PRIMARY KEY,
	value bytea NOT NULL
);

CREATE TABLE team_grant (
	team_id bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	user_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
	role    text NOT NULL,
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_grant_user ON team_grant (user_id);

CREATE TABLE rejection (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	at      bigint NOT NULL,
	source  text NOT NULL,
	error   bytea NOT NULL,
	message bytea NOT NULL
);
CREATE INDEX rejection_team ON rejection (team_id, id);

CREATE TABLE source (
	team_id       bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	name          text COLLATE "C" NOT NULL,
	plugin        text NOT NULL,
	configuration bytea NOT NULL,
	PRIMARY KEY (team_id, name)
);

-- parameters: the check's parameters as JSON.
CREATE TABLE indicator (
	team_id    bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	name       text COLLATE "C" NOT NULL,
	source     text COLLATE "C" NOT NULL,
	type       text NOT NULL,
	parameters bytea NOT NULL,
	PRIMARY KEY (team_id, name),
	FOREIGN KEY (team_id, source) REFERENCES source (team_id, name)
);
CREATE INDEX indicator_source ON indicator (team_id, source);

CREATE TABLE rule (
	team_id bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	name    text COLLATE "C" NOT NULL,
	PRIMARY KEY (team_id, name)
);

CREATE TABLE rule_indicator (
	team_id   bigint NOT NULL,
	rule      text COLLATE "C" NOT NULL,
	position  integer NOT NULL,
	indicator text COLLATE "C" NOT NULL,
	PRIMARY KEY (team_id, rule, position),
	FOREIGN KEY (team_id, rule) REFERENCES rule (team_id, name) ON DELETE CASCADE,
	FOREIGN KEY (team_id, indicator) REFERENCES indicator (team_id, name)
);
CREATE INDEX rule_indicator_indicator ON rule_indicator (team_id, indicator);

-- rules: the names of the rules the version uses, sorted.
CREATE TABLE config (
	team_id    bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	id         bigint NOT NULL,
	created_at bigint NOT NULL,
	doc        bytea NOT NULL,
	rules      text[] COLLATE "C" NOT NULL,
	PRIMARY KEY (team_id, id)
);

-- errors: JSON array of the run's errors.
CREATE TABLE run (
	team_id     bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	id          bigint NOT NULL,
	days        text[] COLLATE "C" NOT NULL,
	status      text NOT NULL,
	created_at  bigint NOT NULL,
	started_at  bigint,
	finished_at bigint,
	nodes       bigint NOT NULL,
	errors      text NOT NULL,
	progress    double precision NOT NULL,
	PRIMARY KEY (team_id, id)
);
CREATE INDEX run_queued ON run (created_at, team_id, id) WHERE status = 'queued';

CREATE TABLE label (
	id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text COLLATE "C" NOT NULL UNIQUE
);

-- A row per team and day that has results. Its row lock orders concurrent
-- writes of one day (see ReplaceDayResults). gen is the generation of the
-- day's node results that readers see: a write adds the next generation
-- and commits it by raising gen here.
CREATE TABLE result_day (
	team_id     bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	day         date NOT NULL,
	gen         integer NOT NULL,
	computed_at bigint NOT NULL,
	PRIMARY KEY (team_id, day)
);

-- No foreign key here: checking one per row would slow the nightly write;
-- DeleteTeam deletes these rows itself. gen (see result_day) keeps a new
-- write's keys apart from the rows it replaces, which it deletes once it has
-- committed: inserting a million keys next to a million dead copies of
-- them costs three to four times as much. downtime: the KO periods as
-- [from0, to0, from1, to1, …]; children: [label0, name0, label1, name1, …];
-- both NULL when empty.
CREATE TABLE node_result (
	team_id  bigint NOT NULL,
	day      date NOT NULL,
	gen      integer NOT NULL,
	label_id integer NOT NULL,
	name     text COLLATE "C" NOT NULL,
	qos      double precision,
	ok       bigint,
	ko       bigint,
	unknown  bigint,
	downtime bigint[],
	children text[] COLLATE "C",
	PRIMARY KEY (team_id, day, gen, label_id, name)
);

CREATE TABLE label_result (
	team_id  bigint NOT NULL,
	label_id integer NOT NULL,
	day      date NOT NULL,
	qos      double precision,
	nodes    bigint NOT NULL,
	PRIMARY KEY (team_id, label_id, day)
);

CREATE TABLE worst_node (
	team_id  bigint NOT NULL,
	label_id integer NOT NULL,
	day      date NOT NULL,
	rank     integer NOT NULL,
	name     text COLLATE "C" NOT NULL,
	qos      double precision NOT NULL,
	PRIMARY KEY (team_id, label_id, day, rank)
);
