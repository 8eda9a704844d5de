-- Collection runs per job in the range: how many ran, how they went, rows and API calls, and
-- the latest run's status and error (source health).
SELECT job,
       count(*) AS runs,
       count(*) FILTER (WHERE status = 'ok') AS ok,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       count(*) FILTER (WHERE status NOT IN ('ok', 'failed')) AS partial,
       CAST(sum(rows_written) AS BIGINT) AS rows_written,
       CAST(sum(api_calls) AS BIGINT) AS api_calls,
       max(started_at) AS last_run,
       arg_max(status, started_at) AS last_status,
       arg_max(error, started_at) FILTER (WHERE coalesce(error, '') <> '') AS last_error
FROM collection_runs
WHERE instance = $instance AND started_at >= $since AND started_at <= $until
GROUP BY job
ORDER BY job
