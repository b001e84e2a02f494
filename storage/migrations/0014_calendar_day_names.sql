-- The name of a day the office entered (春节, 国庆节调休上班 …), as its calendar file gives it
-- (`liaison-bot calendar import`); '' where none was given (`calendar set`, older rows).
ALTER TABLE calendar_days ADD COLUMN name TEXT NOT NULL DEFAULT '';
