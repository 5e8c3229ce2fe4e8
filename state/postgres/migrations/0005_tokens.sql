-- 5: tokens of their own (several per user, named, expiring), and the admin
-- token's hash as a string (argon2id, issue 12).
--
-- Each user's token moves to api_token as its "default" token. The old
-- SHA-256 of the admin token becomes "sha256$<hex>", which passhash still
-- verifies (and replaces at its first use).

CREATE TABLE api_token (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
	name       text COLLATE "C" NOT NULL,
	hash       bytea NOT NULL UNIQUE,
	created_at bigint NOT NULL,
	expires_at bigint NOT NULL,
	UNIQUE (account_id, name)
);
INSERT INTO api_token (account_id, name, hash, created_at, expires_at)
	SELECT id, 'default', token_hash, created_at, 0 FROM account ORDER BY id;
ALTER TABLE account DROP COLUMN token_hash;
UPDATE setting SET key = 'admin_token', value = convert_to('sha256$' || encode(value, 'hex'), 'UTF8')
	WHERE key = 'admin_token_hash';
