-- Past backlog spikes that drained, per object and direction, for the planner's accuracy check
-- (monitor/planner/accuracy.py). Records arriving at a sample are the backlog's rise since the
-- sample before plus what the sync served meanwhile; consecutive samples whose arrivals run at
-- $min_records an hour or faster are one arrival (a mass update is loaded in batches), and a
-- spike when together they reach $min_records. It drained at the first sample after its last
-- arrival whose backlog is back to at most the level before it plus $tolerance_share of it.
-- known_at is the sample before the first arrival: what a plan made then knew.
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
    SELECT *, lag(backlog) OVER w AS level_before, lag(ts) OVER w AS known_at,
           backlog - lag(backlog) OVER w + coalesce(throughput, 0) AS arrived,
           date_diff('second', lag(ts) OVER w, ts) / 3600.0 AS step_hours
    FROM paired
    WINDOW w AS (PARTITION BY object, direction ORDER BY ts)
), arriving AS (
    SELECT *, lag(ts) OVER (PARTITION BY object, direction ORDER BY ts) AS arrival_before
    FROM stepped
    WHERE coalesce(arrived >= $min_records * step_hours, false)
), islands AS (
    -- Consecutive arriving samples are one run: a run starts where the arriving sample before
    -- it is not the sample before it. (Numbered among the few arriving samples, not all.)
    SELECT *, sum(CASE WHEN arrival_before IS NOT DISTINCT FROM known_at THEN 0 ELSE 1 END)
               OVER (PARTITION BY object, direction ORDER BY ts ROWS UNBOUNDED PRECEDING)
               AS island
    FROM arriving
), spikes AS (
    SELECT object, direction, arg_min(known_at, ts) AS known_at, min(ts) AS started_at,
           max(ts) AS arrived_until, arg_min(level_before, ts) AS level_before,
           sum(arrived) AS records
    FROM islands
    GROUP BY object, direction, island
    HAVING sum(arrived) >= $min_records
)
SELECT s.object, s.direction, s.known_at, s.started_at, s.level_before, s.records,
       (SELECT min(p.ts) FROM paired p
        WHERE p.object = s.object AND p.direction = s.direction AND p.ts > s.arrived_until
          AND p.backlog <= s.level_before + $tolerance_share * s.records) AS cleared_at
FROM spikes s
ORDER BY s.started_at, s.object, s.direction
