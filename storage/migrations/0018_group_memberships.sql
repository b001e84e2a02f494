-- Each member's memberships of activity groups, with dates: the duty record expects a member
-- at a group's events held while they were in it, and pro-rates the yearly minimums from the
-- day they joined. A roster import that moves a member closes the old membership and opens
-- the new one at the import; a member added to a roster that already had members joins on
-- the day of the import. `joined_at` NULL: a member since before the record (the first
-- roster, and every member at this migration). `left_at` NULL: still in the group.

CREATE TABLE group_memberships (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    group_id   INTEGER NOT NULL REFERENCES activity_groups(id),
    joined_at  TEXT,
    left_at    TEXT,
    CHECK (joined_at IS NULL OR left_at IS NULL OR joined_at <= left_at)
);
CREATE INDEX group_memberships_member ON group_memberships(member_id, joined_at);
CREATE INDEX group_memberships_group ON group_memberships(group_id);

INSERT INTO group_memberships(member_id, group_id)
SELECT id, group_id FROM members WHERE group_id IS NOT NULL ORDER BY id;

-- The memberships follow `members.group_id` whoever writes it (the roster import, a seed), at
-- the time the row carries (created_at, updated_at: the writer's clock). A member created with
-- the first members of the roster (the earliest created_at among them) has been in the group
-- since before the record; one created later joined then.
CREATE TRIGGER group_memberships_on_insert AFTER INSERT ON members
WHEN NEW.group_id IS NOT NULL
BEGIN
    INSERT INTO group_memberships(member_id, group_id, joined_at)
    SELECT NEW.id, NEW.group_id,
           CASE WHEN NEW.created_at <= (SELECT min(created_at) FROM members
                                        WHERE role IN ('member', 'leader', 'deputy'))
                THEN NULL ELSE NEW.created_at END;
END;

-- A move: the open membership ends and the new one begins at the update.
CREATE TRIGGER group_memberships_on_move AFTER UPDATE OF group_id ON members
WHEN OLD.group_id IS NOT NEW.group_id
BEGIN
    UPDATE group_memberships SET left_at = NEW.updated_at
    WHERE member_id = NEW.id AND left_at IS NULL;
    INSERT INTO group_memberships(member_id, group_id, joined_at)
    SELECT NEW.id, NEW.group_id, NEW.updated_at WHERE NEW.group_id IS NOT NULL;
END;

-- Back on the roster after leaving it: the membership ended when they left, a new one begins
-- now (if the move trigger has not begun one already).
CREATE TRIGGER group_memberships_on_return AFTER UPDATE OF deactivated_at ON members
WHEN OLD.deactivated_at IS NOT NULL AND NEW.deactivated_at IS NULL AND NEW.group_id IS NOT NULL
BEGIN
    UPDATE group_memberships SET left_at = OLD.deactivated_at
    WHERE member_id = NEW.id AND left_at IS NULL
      AND (joined_at IS NULL OR joined_at <= OLD.deactivated_at);
    INSERT INTO group_memberships(member_id, group_id, joined_at)
    SELECT NEW.id, NEW.group_id, NEW.updated_at
    WHERE NOT EXISTS (SELECT 1 FROM group_memberships
                      WHERE member_id = NEW.id AND left_at IS NULL);
END;
