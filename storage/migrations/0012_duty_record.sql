-- The duty record (履职档案): the two dimensions staff assess by hand beside the computed one,
-- the supervision and digest runs, who was nudged for what, and the per-group digest switch.

-- 作风表现 (conduct) and 群众满意度 (satisfaction) per member per year: a grade or score and a
-- line of remarks, entered by staff (each change is in the audit log too).
CREATE TABLE duty_grades (
    member_id  INTEGER NOT NULL REFERENCES members(id),
    year       INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    dimension  TEXT NOT NULL CHECK (dimension IN ('conduct', 'satisfaction')),
    grade      TEXT NOT NULL,
    remarks    TEXT NOT NULL DEFAULT '',
    set_by     INTEGER,                         -- telegram user id (None: the command line)
    set_at     TEXT NOT NULL,
    PRIMARY KEY (member_id, year, dimension)
) WITHOUT ROWID;

-- One row per supervision period or digest week, written before anything is sent: a restart
-- finds it and resumes; the deliveries table keeps every recipient to one message.
CREATE TABLE duty_runs (
    key          TEXT PRIMARY KEY,               -- "supervision:2026-Q4", "digest:2026-W49"
    kind         TEXT NOT NULL CHECK (kind IN ('supervision', 'digest')),
    due_at       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'done')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT
) WITHOUT ROWID;

-- Who a supervision run found below the pro-rated minimums, and by how much (JSON), fixed when
-- the run starts: the nudge, the leader's list, the staff summary and /me all read it.
CREATE TABLE supervision_nudges (
    run_key    TEXT NOT NULL REFERENCES duty_runs(key),
    member_id  INTEGER NOT NULL REFERENCES members(id),
    group_id   INTEGER REFERENCES activity_groups(id),
    shortfall  TEXT NOT NULL,
    PRIMARY KEY (run_key, member_id)
) WITHOUT ROWID;
CREATE INDEX supervision_nudges_member ON supervision_nudges(member_id);

ALTER TABLE activity_groups ADD COLUMN digest_off INTEGER NOT NULL DEFAULT 0;

-- The duty record's aggregates by year.
CREATE INDEX checkins_member_event ON checkins(member_id, event_id, late);
CREATE INDEX reports_submitted_author ON reports(submitted_at, author_member_id);
