-- Reminders: schedules (recurring or one-off) with their audience, every occurrence written
-- before it is sent, the office's calendar corrections, and who pressed 收到 on a notice.

CREATE TABLE reminder_schedules (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL DEFAULT 'notice'
                   CHECK (kind IN ('notice', 'reading_day', 'advice_day')),
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    rule           TEXT NOT NULL,               -- JSON: bot.reminders.timing.Recurring | OneOff
    holiday_policy TEXT NOT NULL DEFAULT 'next'
                   CHECK (holiday_policy IN ('next', 'previous', 'skip', 'keep')),
    audience       TEXT NOT NULL,               -- JSON: bot.reminders.audience.Audience
    ack            INTEGER NOT NULL DEFAULT 0,  -- carries a 收到 button
    status         TEXT NOT NULL DEFAULT 'active'
                   CHECK (status IN ('active', 'paused', 'removed')),
    seed           TEXT UNIQUE,                 -- set for the schedules the config seeds
    created_by     INTEGER,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

-- One row per time something is pushed to an audience. `key` names what it is the
-- occurrence of ("schedule:3:2026-12-03", "event:12:evening"), so planning it twice is one row.
CREATE TABLE reminder_occurrences (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    schedule_id  INTEGER REFERENCES reminder_schedules(id),
    event_id     INTEGER REFERENCES events(id),
    due_at       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'due'
                 CHECK (status IN ('due', 'sending', 'sent', 'missed', 'withdrawn')),
    recipients   INTEGER,
    started_at   TEXT,
    finished_at  TEXT,
    staff_told   INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL
);
CREATE INDEX reminder_occurrences_due ON reminder_occurrences(status, due_at);
CREATE INDEX reminder_occurrences_event ON reminder_occurrences(event_id);

-- The office's corrections to the published calendar (a year's 调休 before the library has it).
CREATE TABLE calendar_days (
    day     TEXT PRIMARY KEY,                   -- YYYY-MM-DD, the committee's zone
    kind    TEXT NOT NULL CHECK (kind IN ('workday', 'holiday')),
    set_by  INTEGER,
    set_at  TEXT NOT NULL
);

CREATE TABLE reminder_acks (
    occurrence_id INTEGER NOT NULL REFERENCES reminder_occurrences(id),
    member_id     INTEGER NOT NULL REFERENCES members(id),
    at            TEXT NOT NULL,
    PRIMARY KEY (occurrence_id, member_id)
);

-- 读书心得: what a member shares from the 委员阅读日 reminder (counted in the duty record).
CREATE TABLE reading_notes (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    book       TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX reading_notes_member ON reading_notes(member_id, created_at);

-- A member whose account refused a push (blocked the bot): listed to staff, cleared on return.
ALTER TABLE members ADD COLUMN unreachable_since TEXT;
