-- Per object and direction: the latest backlog and the average hourly throughput of the
-- 24 hours before it (for the drain-time estimate).
WITH recent AS (
    SELECT * FROM sync_stats
    WHERE instance = $instance AND ts <= $until AND ts > $until - INTERVAL 1 DAY
      AND metric IN ('backlog', 'throughput')
), latest AS (
    SELECT object, direction, max(ts) AS ts FROM recent WHERE metric = 'backlog' GROUP BY ALL
)
SELECT l.object, l.direction, l.ts,
       max(r.value) FILTER (WHERE r.metric = 'backlog' AND r.ts = l.ts) AS backlog,
       sum(r.value) FILTER (WHERE r.metric = 'throughput')
           / greatest(date_diff('second', min(r.ts), max(r.ts)) / 3600.0, 1.0)
           AS throughput_per_hour,
       string_agg(DISTINCT r.provenance, ', ') AS provenance
FROM latest l
JOIN recent r ON r.object = l.object AND r.direction = l.direction
GROUP BY l.object, l.direction, l.ts
ORDER BY backlog DESC, l.object, l.direction
