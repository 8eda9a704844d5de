-- Hourly backlog of all objects and directions together (the overview's sparkline).
WITH hourly AS (
    SELECT time_bucket(INTERVAL 1 HOUR, ts) AS hour, object, direction, max(value) AS backlog
    FROM sync_stats
    WHERE instance = $instance AND metric = 'backlog' AND ts >= $since AND ts <= $until
    GROUP BY ALL
)
SELECT hour, sum(backlog) AS backlog
FROM hourly
GROUP BY hour
ORDER BY hour
