-- Who changed synced records in the range (and which field, where known).
SELECT object, modifier, field, sum(changes) AS changes,
       min(ts) AS first_change, max(ts) AS last_change
FROM change_counts
WHERE instance = $instance AND ts >= $since AND ts <= $until
  AND ($object = '' OR object = $object)
GROUP BY ALL
ORDER BY changes DESC
LIMIT 50
