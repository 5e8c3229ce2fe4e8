-- 7: alerts (issue 14): receivers, the state of each alert, and one
-- delivery per state change and receiver. A delivery's key (team, receiver,
-- alert, seq, slot) is unique, so a change is queued once whichever process
-- records it; claimed_by and claimed_until hold it for one dispatcher.
-- alert is the JSON of the alert as of seq; secret is what state/sealed
-- gives to store.
CREATE TABLE alert_receiver (
	team_id bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	name    text COLLATE "C" NOT NULL,
	type    text NOT NULL,
	url     text NOT NULL,
	secret  text NOT NULL,
	PRIMARY KEY (team_id, name)
);

CREATE TABLE alert_state (
	team_id     bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	id          text COLLATE "C" NOT NULL,
	seq         bigint NOT NULL,
	firing      boolean NOT NULL,
	starts_at   bigint NOT NULL,
	ends_at     bigint NOT NULL,
	labels      text NOT NULL,
	annotations text NOT NULL,
	PRIMARY KEY (team_id, id)
);

CREATE TABLE alert_delivery (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	team_id         bigint NOT NULL REFERENCES team (id) ON DELETE CASCADE,
	receiver        text COLLATE "C" NOT NULL,
	alert_id        text COLLATE "C" NOT NULL,
	seq             bigint NOT NULL,
	slot            bigint NOT NULL,
	alert           text NOT NULL,
	status          text NOT NULL,
	attempts        integer NOT NULL,
	last_error      text NOT NULL,
	created_at      bigint NOT NULL,
	next_attempt_at bigint NOT NULL,
	delivered_at    bigint NOT NULL,
	claimed_by      text NOT NULL,
	claimed_until   bigint NOT NULL,
	UNIQUE (team_id, receiver, alert_id, seq, slot)
);
CREATE INDEX alert_delivery_due ON alert_delivery (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX alert_delivery_team ON alert_delivery (team_id, id);
CREATE INDEX alert_delivery_alert ON alert_delivery (team_id, alert_id);
