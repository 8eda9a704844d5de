-- The scheduler as a whole: its state (running | stopped | once), process, when it planned its
-- jobs, when a job last reported, and whether that is overdue (no report for three of its
-- shortest intervals plus a minute: the process was probably killed).
SELECT any_value(state) AS state,
       any_value(pid) AS pid,
       min(scheduled_at) AS scheduled_at,
       max(updated_at) AS last_heard_at,
       count(*) AS jobs,
       coalesce(
           any_value(state) = 'running'
           AND max(updated_at) < $now - to_seconds(3 * min(interval_seconds) + 60),
           false
       ) AS is_overdue
FROM scheduler_jobs
HAVING count(*) > 0
