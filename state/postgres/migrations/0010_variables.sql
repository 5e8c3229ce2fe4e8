-- 10: the variables of a team, its sources, rules and checks (issue 15), one
-- row per set; owner is '' for the team's, and a set goes with its owner
-- (the catalog's deletes remove it).
CREATE TABLE variable_set (
	team_id   bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	scope     text NOT NULL,
	owner     text COLLATE "C" NOT NULL,
	variables text NOT NULL,
	PRIMARY KEY (team_id, scope, owner)
);
