-- Per collecting source of an instance (collection_runs.job in $sources): its last run, last
-- successful run (ok or partial: something was collected), failures since, and the interval the
-- scheduler runs it at (scheduler_jobs; NULL when it is not scheduled, e.g. `collect` in cron).
-- A source counts when the scheduler plans it or it ran in the last $lookback_hours.
WITH runs AS (
    SELECT job, started_at, status, error
    FROM collection_runs
    WHERE instance = $instance
      AND job IN (SELECT unnest($sources))
      AND started_at <= $now
),
summary AS (
    SELECT job,
           min(started_at) AS first_run_at,
           max(started_at) AS last_run_at,
           max(started_at) FILTER (WHERE status <> 'failed') AS last_ok_at,
           arg_max(status, started_at) AS last_status,
           arg_max(error, started_at) AS last_error
    FROM runs
    GROUP BY job
),
planned AS (
    SELECT job, interval_seconds, state AS scheduler_state, scheduled_at
    FROM scheduler_jobs
    WHERE instance = $instance AND job IN (SELECT unnest($sources))
)
SELECT coalesce(s.job, p.job) AS source,
       p.interval_seconds,
       p.scheduler_state,
       p.scheduled_at,
       s.first_run_at,
       s.last_run_at,
       s.last_ok_at,
       s.last_status,
       s.last_error,
       (SELECT count(*) FROM runs r
        WHERE r.job = s.job AND r.status = 'failed'
          AND r.started_at > coalesce(s.last_ok_at, '-infinity'::TIMESTAMPTZ)) AS failed_runs
FROM summary s
FULL OUTER JOIN planned p ON p.job = s.job
WHERE p.job IS NOT NULL
   OR s.last_run_at > $now - to_hours(CAST($lookback_hours AS BIGINT))
ORDER BY source
