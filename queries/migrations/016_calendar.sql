-- Business calendar entries added on the dashboard (those of monitor.toml live in the file):
-- a one-off planned window (starts_at, ends_at) or a recurrence (every, days, hours).
CREATE TABLE IF NOT EXISTS calendar_entries (
    entry_id    VARCHAR PRIMARY KEY,
    instance    VARCHAR NOT NULL,            -- '' = every instance
    name        VARCHAR NOT NULL,
    object      VARCHAR NOT NULL,            -- '' = every object
    starts_at   TIMESTAMPTZ,                 -- one-off window
    ends_at     TIMESTAMPTZ,
    every       VARCHAR NOT NULL,            -- '' | month-end | quarter-end | year-end
    days        INTEGER NOT NULL,
    hours       INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    removed_at  TIMESTAMPTZ                  -- set when removed from the dashboard
);
