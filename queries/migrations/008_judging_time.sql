-- Judging time is the data's time (see queries/coverage_ends.sql).

-- A demo workspace is a recording: it is judged at the moment its simulation ends, whatever
-- the wall clock says. NULL for every real instance.
ALTER TABLE instances ADD COLUMN IF NOT EXISTS simulated_until TIMESTAMPTZ;

-- Every file imported, with the newest data time it held: how fresh each kind of export is
-- (an export with no rows, Marketo's "no errors" day, still shows the feed is alive).
CREATE TABLE IF NOT EXISTS imports (
    instance          VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL,      -- sync-errors | sync-status | describe | ...
    origin            VARCHAR NOT NULL,      -- the file's name
    imported_at       TIMESTAMPTZ NOT NULL,
    rows_read         BIGINT NOT NULL,
    rows_added        BIGINT NOT NULL,
    rows_quarantined  BIGINT NOT NULL,
    newest_at         TIMESTAMPTZ,           -- the newest time a row of the file holds
    PRIMARY KEY (instance, kind, origin, imported_at)
);
