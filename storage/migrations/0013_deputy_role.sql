-- 副组长 (deputy leader): a fourth role on the roster. SQLite cannot change a CHECK
-- constraint in place, so `members` is rebuilt the documented way (make a new table, copy,
-- drop, rename), keeping every column in its order, the data, the ids and the index.
--
-- The runner (storage/db.py) turns foreign keys off before this transaction (it cannot
-- be done inside one), so dropping the old table neither cascades to invites nor fails on
-- the tables that reference members(id); it runs PRAGMA foreign_key_check before COMMIT.
-- The new table is renamed to `members`: the other tables' REFERENCES members(id) name the
-- table by that name and so point at the new one; nothing references members_new, so the
-- rename rewrites no other table whether or not legacy_alter_table is on.

CREATE TABLE members_new (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    phone            TEXT NOT NULL UNIQUE,
    sector           TEXT NOT NULL DEFAULT '',
    group_id         INTEGER REFERENCES activity_groups(id),
    role             TEXT NOT NULL DEFAULT 'member'
                     CHECK (role IN ('member', 'leader', 'deputy', 'staff', 'admin')),
    telegram_user_id INTEGER UNIQUE,
    bound_at         TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deactivated_at   TEXT,
    unreachable_since TEXT
);

INSERT INTO members_new (id, name, phone, sector, group_id, role, telegram_user_id, bound_at,
                         created_at, updated_at, deactivated_at, unreachable_since)
SELECT id, name, phone, sector, group_id, role, telegram_user_id, bound_at,
       created_at, updated_at, deactivated_at, unreachable_since
FROM members;

DROP TABLE members;
ALTER TABLE members_new RENAME TO members;
CREATE INDEX members_group ON members(group_id);
