-- The scheduler's job table (`python -m monitor run`), written by the scheduler so that other
-- processes (the dashboard, `check`) see what runs when: one row per planned job, replaced when
-- `run` starts. The run history itself is in collection_runs; this holds the latest state.
CREATE TABLE IF NOT EXISTS scheduler_jobs (
    job_id            VARCHAR PRIMARY KEY,   -- job:instance, e.g. salesforce:prod
    instance          VARCHAR NOT NULL,      -- '*' for a job over every instance
    job               VARCHAR NOT NULL,      -- as in collection_runs.job
    schedule          VARCHAR NOT NULL,      -- e.g. 'every 5 min', 'Mondays 06:00 UTC'
    interval_seconds  INTEGER,               -- NULL for calendar jobs
    state             VARCHAR NOT NULL,      -- running | stopped | once
    pid               INTEGER NOT NULL,      -- process of the scheduler
    scheduled_at      TIMESTAMPTZ NOT NULL,  -- when this scheduler planned the job
    next_run_at       TIMESTAMPTZ,           -- NULL once the scheduler stopped
    last_started_at   TIMESTAMPTZ,
    last_finished_at  TIMESTAMPTZ,
    last_status       VARCHAR,               -- ok | partial | failed | idle
    last_rows         BIGINT,
    last_api_calls    INTEGER,
    last_error        VARCHAR,               -- the latest error, even if later runs went well
    last_error_at     TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL
);
