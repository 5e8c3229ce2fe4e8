-- 2: objectives (issue 14). name is '' for a label's own objective.
CREATE TABLE objective (
	team_id     bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	label       text COLLATE "C" NOT NULL,
	name        text COLLATE "C" NOT NULL,
	target      double precision NOT NULL,
	window_kind text NOT NULL,
	PRIMARY KEY (team_id, label, name)
);
