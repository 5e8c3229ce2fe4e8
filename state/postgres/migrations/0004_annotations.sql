-- 4: annotations (issue 13): notes of a team's editors on a node, or on a
-- label as a whole (name ''), over [from_at, to_at). The identity is never
-- reused: ids are in the links people paste. Listings read a team's
-- annotations of a window by from_at and filter them in Go
-- (depc.SelectAnnotations); a team has few.
CREATE TABLE annotation (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id    bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	label      text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	from_at    bigint NOT NULL,
	to_at      bigint NOT NULL,
	text       text NOT NULL,
	author     text COLLATE "C" NOT NULL,
	created_at bigint NOT NULL,
	updated_by text COLLATE "C" NOT NULL,
	updated_at bigint NOT NULL
);
CREATE INDEX annotation_team ON annotation (team_id, from_at);
