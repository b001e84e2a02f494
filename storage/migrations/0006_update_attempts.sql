-- An update left unhandled by a run that stopped (a crash, a kill) is handled at the next
-- start. `attempts` counts those later tries, written as each one begins; an update that was
-- being handled every time the bot died ("a poison update") is set aside after a few, at
-- `set_aside_at`, instead of being tried at every start forever. Set-aside rows are kept
-- (not purged) for `liaison-bot doctor` to show.
ALTER TABLE update_inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE update_inbox ADD COLUMN set_aside_at TEXT;
