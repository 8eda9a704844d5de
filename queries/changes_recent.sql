-- Who changed synced records recently (explains inflow and backlog spikes).
SELECT ts, object, modifier, field, changes
FROM change_counts
WHERE instance = $instance
  AND ts > $now - to_hours(CAST($recent_hours AS BIGINT)) - INTERVAL 1 HOUR
  AND ts <= $now
ORDER BY ts
