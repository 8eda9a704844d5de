-- The scheduler's jobs for an instance, and those over every instance ('*'): schedule, last run
-- (status, duration, rows, API calls), latest error and next run, as `python -m monitor run`
-- last wrote them (the dashboard is another process: it reads them from here).
SELECT job,
       CASE instance WHEN '*' THEN 'all' ELSE instance END AS instance,
       schedule,
       last_started_at AS last_run,
       last_status,
       last_finished_at AS finished,
       round(date_diff('millisecond', last_started_at, last_finished_at) / 1000.0, 1)
           AS duration_s,
       last_rows AS rows,
       last_api_calls AS api_calls,
       next_run_at AS next_run,
       last_error,
       last_error_at
FROM scheduler_jobs
WHERE instance IN ($instance, '*')
ORDER BY instance = '*', job
