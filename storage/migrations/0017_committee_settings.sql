-- The committee's own settings the bot keeps (one value per name), beginning with the instant
-- the bot first started ('first_started_at', UTC): the duty record starts on that day in the
-- committee's zone unless [duty_record] record_starts says otherwise, and nothing before it is
-- due or judged. The bot writes it at its first start and never changes it.
CREATE TABLE committee_settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- A database the bot has already run on (the callback secret is made at its first start) is
-- not a first start: it takes the earliest trace of the bot at work, so an upgrade does not
-- begin the record again on the day of the upgrade.
INSERT INTO committee_settings(name, value)
SELECT 'first_started_at', first FROM (
    SELECT MIN(t) AS first FROM (
        SELECT MIN(received_at) AS t FROM update_inbox
        UNION ALL SELECT MIN(created_at) FROM deliveries
        UNION ALL SELECT MIN(bound_at) FROM members
        UNION ALL SELECT MIN(created_at) FROM events
        UNION ALL SELECT MIN(created_at) FROM reports
    )
)
WHERE first IS NOT NULL AND EXISTS (SELECT 1 FROM app_secrets WHERE name = 'callback');
