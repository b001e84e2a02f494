-- Proposal windows (提案征集): the office opens one with a title, an opening day and a deadline;
-- members say how many proposals they filed, the office imports or corrects the counts.

CREATE TABLE proposal_windows (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    opens_on    TEXT NOT NULL,                  -- YYYY-MM-DD, the committee's zone
    deadline    TEXT NOT NULL,                  -- YYYY-MM-DD, the last day of filing
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by  INTEGER REFERENCES members(id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CHECK (deadline >= opens_on)
);

-- One row per member and window: how many they filed and who said so. `audited` is set when
-- the office confirmed the count (its import or a correction); a member's own report is not.
CREATE TABLE proposal_filings (
    window_id   INTEGER NOT NULL REFERENCES proposal_windows(id),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    count       INTEGER NOT NULL CHECK (count BETWEEN 0 AND 99),
    source      TEXT NOT NULL CHECK (source IN ('chat', 'import', 'staff')),
    audited     INTEGER NOT NULL DEFAULT 0,
    updated_by  INTEGER,                        -- telegram user id of who set it (None: CLI)
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (window_id, member_id)
);
