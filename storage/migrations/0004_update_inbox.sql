-- Updates received from the Bot API. An update is stored here before it is confirmed to
-- Telegram and marked handled when its handler has finished, so a crash loses nothing (what is
-- not handled is handled at the next start) and an update delivered twice is handled once.
-- Handled rows are kept two days (Telegram keeps unconfirmed updates for one), then purged.
CREATE TABLE update_inbox (
    update_id   INTEGER PRIMARY KEY,
    body        TEXT NOT NULL,            -- the update's JSON as received
    received_at TEXT NOT NULL,
    handled_at  TEXT
);

CREATE INDEX update_inbox_pending ON update_inbox(update_id) WHERE handled_at IS NULL;
