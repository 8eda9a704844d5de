-- Past backlog spikes that drained, per object and direction, for the planner's accuracy check
-- (monitor/planner/accuracy.py). A spike is a sample whose records arriving since the sample
-- before (the backlog's rise plus what the sync served meanwhile) reach $min_records; it drained
-- at the first later sample whose backlog is back to at most the level before plus
-- $tolerance_share of the spike. known_at is the sample before: what a plan made then knew.
WITH paired AS (
    SELECT ts, object, direction,
           max(value) FILTER (WHERE metric = 'throughput') AS throughput,
           max(value) FILTER (WHERE metric = 'backlog') AS backlog
    FROM sync_stats
    WHERE instance = $instance AND metric IN ('backlog', 'throughput')
      AND ts > $since AND ts <= $until
    GROUP BY ALL
    HAVING max(value) FILTER (WHERE metric = 'backlog') IS NOT NULL
), stepped AS (
    SELECT *, lag(backlog) OVER w AS level_before, lag(ts) OVER w AS known_at
    FROM paired
    WINDOW w AS (PARTITION BY object, direction ORDER BY ts)
), spikes AS (
    SELECT object, direction, known_at, ts AS started_at, level_before,
           backlog - level_before + coalesce(throughput, 0) AS records
    FROM stepped
    WHERE level_before IS NOT NULL
      AND backlog - level_before + coalesce(throughput, 0) >= $min_records
)
SELECT s.object, s.direction, s.known_at, s.started_at, s.level_before, s.records,
       (SELECT min(p.ts) FROM paired p
        WHERE p.object = s.object AND p.direction = s.direction AND p.ts > s.started_at
          AND p.backlog <= s.level_before + $tolerance_share * s.records) AS cleared_at
FROM spikes s
ORDER BY s.started_at, s.object, s.direction
