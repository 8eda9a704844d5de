-- Per object, direction and hour of the history window: the hourly throughput while records
-- waited, measured as backlog_latest measures the drain pace (throughput of the samples whose
-- backlog stayed above zero: the sync ran at capacity), scaled to the samples of a full hour
-- (the most any hour holds: an hour cut by the window's edge or a pause is not a slow hour).
-- The backlog planner (monitor/planner) builds its hour-of-week rates from these rows.
WITH paired AS (
    -- One row per sample: its throughput and its backlog (the largest of the provenances).
    SELECT ts, object, direction,
           max(value) FILTER (WHERE metric = 'throughput') AS throughput,
           max(value) FILTER (WHERE metric = 'backlog') AS backlog
    FROM sync_stats
    WHERE instance = $instance AND metric IN ('backlog', 'throughput')
      AND ts > $until - to_days(CAST($history_days AS INTEGER)) AND ts <= $until
    GROUP BY ALL
    HAVING max(value) FILTER (WHERE metric = 'throughput') IS NOT NULL
), hourly AS (
    SELECT time_bucket(INTERVAL 1 HOUR, ts) AS hour, object, direction,
           count(*) AS samples,
           count(*) FILTER (WHERE backlog > 0) AS busy_samples,
           sum(throughput) FILTER (WHERE backlog > 0) AS busy_throughput
    FROM paired
    GROUP BY ALL
)
SELECT hour, object, direction, samples, busy_samples,
       busy_throughput / busy_samples
           * max(samples) OVER (PARTITION BY object, direction) AS rate_per_hour
FROM hourly
WHERE busy_samples > 0
ORDER BY object, direction, hour
