-- When a job last ran without failing (the scheduler's catch-up of a missed weekly report).
SELECT max(started_at) AS last_ok_at
FROM collection_runs
WHERE job = $job AND instance = $instance AND status <> 'failed'
