-- Hourly backlog (max), throughput and inflow (sums) per object and direction.
SELECT time_bucket(INTERVAL 1 HOUR, ts) AS hour, object, direction,
       max(value) FILTER (WHERE metric = 'backlog') AS backlog,
       sum(value) FILTER (WHERE metric = 'throughput') AS throughput,
       sum(value) FILTER (WHERE metric = 'inflow') AS inflow,
       string_agg(DISTINCT provenance, ', ') AS provenance
FROM sync_stats
WHERE instance = $instance
  AND ts >= $since AND ts <= $until
  AND ($object = '' OR object = $object)
  AND ($direction = '' OR direction = $direction)
GROUP BY ALL
ORDER BY object, direction, hour
