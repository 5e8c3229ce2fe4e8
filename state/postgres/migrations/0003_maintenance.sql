-- 3: maintenance windows (issue 14). label and name are '' for a window on a
-- label or on the whole team. An id is never reused.
CREATE TABLE maintenance (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id    bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	label      text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	from_at    bigint NOT NULL,
	to_at      bigint NOT NULL,
	reason     text NOT NULL,
	created_at bigint NOT NULL
);
CREATE INDEX maintenance_from ON maintenance (team_id, from_at);
