-- Hourly backlog per object (both directions added up) and the provenance of the figures.
WITH hourly AS (
    SELECT time_bucket(INTERVAL 1 HOUR, ts) AS hour, object, direction, provenance,
           max(value) AS backlog
    FROM sync_stats
    WHERE instance = $instance AND metric = 'backlog' AND ts >= $since AND ts <= $until
    GROUP BY ALL
)
SELECT hour, object, sum(backlog) AS backlog, string_agg(DISTINCT provenance, ', ') AS provenance
FROM hourly
GROUP BY ALL
ORDER BY hour, object
