-- 9: the audit log (issue 12): every write made through the API. team_id
-- becomes NULL when the team is deleted: its entries stay in the whole log
-- (the admins'), under the name it had, and a new team of the same name
-- does not read them. Documents are bytea, kept byte for byte as the API
-- wrote them; empty is none.

CREATE TABLE audit (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at      bigint NOT NULL,
	team_id bigint REFERENCES team (id) ON DELETE SET NULL,
	team    text COLLATE "C" NOT NULL,
	actor   text NOT NULL,
	action  text NOT NULL,
	target  text NOT NULL,
	status  integer NOT NULL,
	before  bytea NOT NULL,
	after   bytea NOT NULL
);
CREATE INDEX audit_team ON audit (team_id, id);
