-- Per object, direction and hour of the history window: the hourly throughput while records
-- waited, measured as backlog_latest measures the drain pace (throughput of the samples whose
-- backlog stayed above zero: the sync ran at capacity), scaled to the samples of a full hour
-- (the most any hour holds: an hour cut by the window's edge or a pause is not a slow hour).
-- Read from the hourly roll-up (sync_drain_hourly, kept as samples are written): the hours
-- that ended by $until. A row holds every sample of its hour, so the hour still running is
-- left out: a plan as of a past moment (the planner's accuracy check plans as of the sample
-- before a spike) must not see the samples after that moment.
-- The backlog planner (monitor/planner) builds its hour-of-week rates from these rows.
SELECT hour, object, direction, samples, busy_samples,
       busy_throughput / busy_samples
           * max(samples) OVER (PARTITION BY object, direction) AS rate_per_hour
FROM sync_drain_hourly
WHERE instance = $instance
  AND hour > $until - to_days(CAST($history_days AS INTEGER)) - INTERVAL 1 HOUR
  AND hour + INTERVAL 1 HOUR <= $until
  AND busy_samples > 0
ORDER BY object, direction, hour
