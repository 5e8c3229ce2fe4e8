-- 8: runs are drained day by day by the schedulers of several processes
-- (issue 11). run_day is a run's days, each queued, running (held by a
-- lease: owner, claim number, expires in Unix ms), done, or dropped (its
-- run finished without it); interruptions counts the leases of the day
-- that expired. The days of unfinished runs are added: those the progress
-- says are done are done, the day a running run was computing is held by
-- an expired lease (its process died), the others are queued. lease is the
-- named leases of the scheduler's jobs (the nightly job, the catch-up),
-- expires in Unix ms.

CREATE TABLE run_day (
	team_id       bigint NOT NULL,
	run_id        bigint NOT NULL,
	pos           integer NOT NULL,
	day           text COLLATE "C" NOT NULL,
	state         text NOT NULL,
	owner         text,
	claim         bigint NOT NULL,
	expires       bigint,
	interruptions integer NOT NULL,
	PRIMARY KEY (team_id, run_id, pos),
	FOREIGN KEY (team_id, run_id) REFERENCES run (team_id, id) ON DELETE CASCADE
);
CREATE INDEX run_day_open ON run_day (team_id, day) WHERE state IN ('queued', 'running');

INSERT INTO run_day (team_id, run_id, pos, day, state, owner, claim, expires, interruptions)
SELECT r.team_id, r.id, d.pos - 1, d.day,
	CASE WHEN d.pos - 1 < r.done THEN 'done'
		WHEN d.pos - 1 = r.done AND r.status = 'running' THEN 'running'
		ELSE 'queued' END,
	CASE WHEN d.pos - 1 = r.done AND r.status = 'running' THEN '' END,
	CASE WHEN d.pos - 1 = r.done AND r.status = 'running' THEN 1 ELSE 0 END,
	CASE WHEN d.pos - 1 = r.done AND r.status = 'running' THEN 0 END,
	0
FROM (SELECT team_id, id, days, status, round(progress * cardinality(days))::integer AS done FROM run
	WHERE status IN ('queued', 'running')) r,
	unnest(r.days) WITH ORDINALITY AS d (day, pos);

CREATE TABLE lease (
	name    text COLLATE "C" PRIMARY KEY,
	owner   text NOT NULL,
	expires bigint NOT NULL
);
