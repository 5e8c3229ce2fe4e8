-- 12: the admin's catalog of shared sources (issue 12). enforce: the
-- labels it enforces, a JSON array of {label, value}. Grants are team
-- sources of plugin 'Shared' naming an entry in their configuration.

CREATE TABLE shared_source (
	name          text COLLATE "C" PRIMARY KEY,
	plugin        text NOT NULL,
	configuration bytea NOT NULL,
	description   text NOT NULL,
	enforce       text NOT NULL
);
