-- The levels a report can be adopted at come from the committee's config
-- ([[duty_record.levels]]): a county committee adopts at county, city, province and national
-- level. The CHECK that allowed city, province and national only goes; the review accepts the
-- config's codes alone. SQLite cannot drop a CHECK in place, so `reports` is rebuilt the
-- documented way (new table, copy, drop, rename; see 0013_deputy_role.sql for why foreign
-- keys and the other tables' REFERENCES reports(id) come through), keeping every column in
-- its order, the data, the ids and the indexes.

CREATE TABLE reports_new (
    id                INTEGER PRIMARY KEY,
    author_member_id  INTEGER NOT NULL REFERENCES members(id),
    number            TEXT UNIQUE,
    title             TEXT NOT NULL DEFAULT '',
    category          TEXT CHECK (category IS NULL OR category IN (
                          'economy', 'livelihood', 'governance', 'ecology',
                          'culture_education', 'health', 'rule_of_law', 'other')),
    body              TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN (
                          'draft', 'submitted', 'accepted', 'returned', 'adopted',
                          'forwarded', 'kept', 'not_adopted')),
    -- the highest level adopted at, a code of [[duty_record.levels]]; it stays when the
    -- report is forwarded on, whatever the higher level does with it
    level             TEXT CHECK (level IS NULL OR length(level) BETWEEN 1 AND 12),
    forwarded_to      TEXT,
    body_message_id   INTEGER,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    submitted_at      TEXT,
    status_at         TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 0
);

INSERT INTO reports_new (id, author_member_id, number, title, category, body, status, level,
                         forwarded_to, body_message_id, created_at, updated_at, submitted_at,
                         status_at, version)
SELECT id, author_member_id, number, title, category, body, status, level,
       forwarded_to, body_message_id, created_at, updated_at, submitted_at,
       status_at, version
FROM reports;

DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE INDEX reports_author ON reports(author_member_id, status);
CREATE INDEX reports_status ON reports(status, status_at);
CREATE INDEX reports_submitted ON reports(submitted_at);
CREATE INDEX reports_submitted_author ON reports(submitted_at, author_member_id);
