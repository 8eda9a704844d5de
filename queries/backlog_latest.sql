-- Per object and direction: the latest backlog, the hourly throughput of the last two hours
-- while the backlog was not zero (what the drain-time estimate uses: the sync's current pace),
-- and the average hourly throughput of the 24 hours before it (context).
WITH recent AS (
    SELECT * FROM sync_stats
    WHERE instance = $instance AND ts <= $until AND ts > $until - INTERVAL 1 DAY
      AND metric IN ('backlog', 'throughput')
), latest AS (
    SELECT object, direction, max(ts) AS ts FROM recent WHERE metric = 'backlog' GROUP BY ALL
), pace AS (
    -- Samples of the last two hours: throughput where the backlog was waiting.
    SELECT l.object, l.direction,
           count(DISTINCT t.ts) AS samples,
           count(DISTINCT t.ts) FILTER (WHERE b.value > 0) AS busy_samples,
           sum(t.value) FILTER (WHERE b.value > 0) AS busy_throughput
    FROM latest l
    JOIN recent t ON t.object = l.object AND t.direction = l.direction
     AND t.metric = 'throughput' AND t.ts > l.ts - INTERVAL 2 HOUR AND t.ts <= l.ts
    LEFT JOIN recent b ON b.object = t.object AND b.direction = t.direction
     AND b.metric = 'backlog' AND b.ts = t.ts
    GROUP BY ALL
)
SELECT l.object, l.direction, l.ts,
       max(r.value) FILTER (WHERE r.metric = 'backlog' AND r.ts = l.ts) AS backlog,
       sum(r.value) FILTER (WHERE r.metric = 'throughput')
           / greatest(date_diff('second', min(r.ts), max(r.ts)) / 3600.0, 1.0)
           AS throughput_per_hour,
       any_value(p.busy_throughput) / nullif(any_value(p.busy_samples), 0)
           * any_value(p.samples) / 2.0 AS recent_throughput_per_hour,
       string_agg(DISTINCT r.provenance, ', ') AS provenance
FROM latest l
JOIN recent r ON r.object = l.object AND r.direction = l.direction
LEFT JOIN pace p ON p.object = l.object AND p.direction = l.direction
GROUP BY l.object, l.direction, l.ts
ORDER BY backlog DESC, l.object, l.direction
