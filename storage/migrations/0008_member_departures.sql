-- Members who left the roster (a new term, a resignation, a move): kept, with their history
-- in every export, but no longer expected at events, told anything or allowed to act.
-- NULL while the member is on the roster.
ALTER TABLE members ADD COLUMN deactivated_at TEXT;
