-- Attendance: events, the groups expected at them, their announcements in group chats,
-- check-ins (one per member per event) and leave requests. Absence is not stored: an expected
-- member with neither a check-in nor approved leave after the end is absent, computed when read.

CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    type            TEXT NOT NULL
                    CHECK (type IN ('reading', 'advice', 'inspection', 'consultation',
                                    'meeting', 'study', 'other')),
    title           TEXT NOT NULL,
    starts_at       TEXT NOT NULL,
    ends_at         TEXT NOT NULL,
    place           TEXT NOT NULL DEFAULT '',
    venue_lat       REAL,
    venue_lon       REAL,
    venue_radius_m  INTEGER,
    policy          TEXT NOT NULL DEFAULT 'open' CHECK (policy IN ('open', 'venue')),
    status          TEXT NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'cancelled')),
    created_by      INTEGER REFERENCES members(id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK (ends_at > starts_at),
    -- a venue point is all three values or none
    CHECK ((venue_lat IS NULL) = (venue_lon IS NULL)
           AND (venue_lat IS NULL) = (venue_radius_m IS NULL))
);
CREATE INDEX events_starts ON events(starts_at);
CREATE INDEX events_ends ON events(ends_at);

-- The activity groups expected at an event.
CREATE TABLE event_groups (
    event_id  INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    group_id  INTEGER NOT NULL REFERENCES activity_groups(id),
    PRIMARY KEY (event_id, group_id)
) WITHOUT ROWID;
CREATE INDEX event_groups_group ON event_groups(group_id);

-- The message announcing an event in a group chat (edited for the live count).
CREATE TABLE event_announcements (
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (event_id, chat_id)
) WITHOUT ROWID;

CREATE TABLE checkins (
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    at         TEXT NOT NULL,
    method     TEXT NOT NULL CHECK (method IN ('qr', 'code', 'button', 'location', 'staff')),
    late       INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    marked_by  INTEGER REFERENCES members(id),
    PRIMARY KEY (event_id, member_id)
) WITHOUT ROWID;
CREATE INDEX checkins_member ON checkins(member_id);

CREATE TABLE leave_requests (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'declined')),
    decided_by  INTEGER REFERENCES members(id),
    decided_at  TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (event_id, member_id)
);
CREATE INDEX leave_requests_member ON leave_requests(member_id);
