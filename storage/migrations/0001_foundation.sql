-- Foundation: activity groups, the roster, Telegram bindings, invites, settings,
-- conversation steps, outbound deliveries and the audit trail.

CREATE TABLE activity_groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    chat_id     INTEGER UNIQUE,
    chat_title  TEXT,
    bound_at    TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE members (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    phone            TEXT NOT NULL UNIQUE,
    sector           TEXT NOT NULL DEFAULT '',
    group_id         INTEGER REFERENCES activity_groups(id),
    role             TEXT NOT NULL DEFAULT 'member'
                     CHECK (role IN ('member', 'leader', 'staff', 'admin')),
    telegram_user_id INTEGER UNIQUE,
    bound_at         TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX members_group ON members(group_id);

CREATE TABLE invites (
    token        TEXT PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_by   INTEGER,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    used_by      INTEGER
);

-- Per Telegram account, whether bound or not: the language chosen with /lang.
CREATE TABLE user_settings (
    telegram_user_id INTEGER PRIMARY KEY,
    language         TEXT,
    updated_at       TEXT NOT NULL
);

-- The step a user is at in a guided conversation, per chat, so a restart loses nothing.
CREATE TABLE conversations (
    telegram_user_id INTEGER NOT NULL,
    chat_id          INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    step             TEXT NOT NULL,
    data             TEXT NOT NULL DEFAULT '{}',
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (telegram_user_id, chat_id)
);

-- Every scheduled or bulk delivery, per recipient: a restart neither skips nor repeats one.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,
    chat_id     INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed', 'blocked')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    message_id  INTEGER,
    last_error  TEXT,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    UNIQUE (key, chat_id)
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_tg_id INTEGER,
    actor_member_id INTEGER,
    action      TEXT NOT NULL,
    subject     TEXT,
    detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_action ON audit_log(action, at);

-- Server secrets (callback-data signatures, rotating check-in tokens), made at first start.
CREATE TABLE app_secrets (
    name   TEXT PRIMARY KEY,
    value  BLOB NOT NULL
);
