-- The latest collection runs of an instance: when, how it went, rows, API calls, problems.
SELECT job, started_at, finished_at, status, rows_written, api_calls, error
FROM collection_runs
WHERE instance = $instance
ORDER BY started_at DESC
LIMIT CAST($limit AS BIGINT)
