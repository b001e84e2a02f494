-- A /qr message kept fresh for a screen at the venue: the chat it is in, the message showing the
-- current code, and until when. Kept so that a restart of the bot resumes the refreshing.
CREATE TABLE qr_screens (
    chat_id           INTEGER PRIMARY KEY,
    event_id          INTEGER NOT NULL REFERENCES events(id),
    telegram_user_id  INTEGER NOT NULL,   -- who asked for it: their rights are checked each time
    message_id        INTEGER NOT NULL,
    language          TEXT NOT NULL,
    until             TEXT NOT NULL
);
