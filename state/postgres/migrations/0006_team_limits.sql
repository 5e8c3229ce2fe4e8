-- A team's limits set by the admin (depc.Limits as JSON; '{}': the
-- server's defaults). A column of team, so that renaming or deleting a
-- team carries them.
ALTER TABLE team ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';
