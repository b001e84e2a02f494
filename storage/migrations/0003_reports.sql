-- Public-opinion reports (社情民意信息): drafts, submitted versions, attachments, co-authors,
-- the history of status moves, leader comments and the per-year numbering.

CREATE TABLE reports (
    id                INTEGER PRIMARY KEY,
    author_member_id  INTEGER NOT NULL REFERENCES members(id),
    -- "2026-0137": given on the first submission, kept across resubmissions
    number            TEXT UNIQUE,
    title             TEXT NOT NULL DEFAULT '',
    category          TEXT CHECK (category IS NULL OR category IN (
                          'economy', 'livelihood', 'governance', 'ecology',
                          'culture_education', 'health', 'rule_of_law', 'other')),
    body              TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'draft' CHECK (status IN (
                          'draft', 'submitted', 'accepted', 'returned', 'adopted',
                          'forwarded', 'kept', 'not_adopted')),
    level             TEXT CHECK (level IS NULL OR level IN ('city', 'province', 'national')),
    forwarded_to      TEXT,
    -- Telegram message id of the last text appended, so a redelivered update is not added twice
    body_message_id   INTEGER,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    -- first submission (the register date); status_at = when the status last changed
    submitted_at      TEXT,
    status_at         TEXT NOT NULL,
    -- how many times it was submitted; 0 for a draft never submitted
    version           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reports_author ON reports(author_member_id, status);
CREATE INDEX reports_status ON reports(status, status_at);
CREATE INDEX reports_submitted ON reports(submitted_at);

-- The last number given per year (in the committee's time zone).
CREATE TABLE report_numbers (
    year  INTEGER PRIMARY KEY,
    last  INTEGER NOT NULL
);

-- What was submitted each time: the text staff reviewed, kept when the report is reworked.
CREATE TABLE report_versions (
    report_id     INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    title         TEXT NOT NULL,
    category      TEXT NOT NULL,
    body          TEXT NOT NULL,
    attachments   TEXT NOT NULL DEFAULT '[]',
    submitted_at  TEXT NOT NULL,
    PRIMARY KEY (report_id, version)
);

CREATE TABLE report_attachments (
    report_id       INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    file_name       TEXT,
    mime            TEXT,
    PRIMARY KEY (report_id, position),
    UNIQUE (report_id, file_unique_id)
);

CREATE TABLE report_coauthors (
    report_id  INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    PRIMARY KEY (report_id, member_id)
);
CREATE INDEX report_coauthors_member ON report_coauthors(member_id);

-- Every status move: the report's history, shown to the author and exported.
CREATE TABLE report_moves (
    id               INTEGER PRIMARY KEY,
    report_id        INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    at               TEXT NOT NULL,
    actor_tg_id      INTEGER,
    actor_member_id  INTEGER REFERENCES members(id),
    from_status      TEXT NOT NULL,
    to_status        TEXT NOT NULL,
    note             TEXT,
    level            TEXT,
    forwarded_to     TEXT,
    version          INTEGER NOT NULL
);
CREATE INDEX report_moves_report ON report_moves(report_id, id);

-- Leader comments (领导批示) recorded on adopted reports.
CREATE TABLE report_comments (
    id                  INTEGER PRIMARY KEY,
    report_id           INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    leader              TEXT NOT NULL,
    text                TEXT NOT NULL,
    at                  TEXT NOT NULL,
    recorded_by_tg_id   INTEGER,
    recorded_by_member  INTEGER REFERENCES members(id)
);
CREATE INDEX report_comments_report ON report_comments(report_id, id);
