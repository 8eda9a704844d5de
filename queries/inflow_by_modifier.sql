-- Who changed the records of each object in the last $lookback_days days (the inflow's
-- modifiers, as collected per window; field-level rows left out so nothing counts twice).
SELECT object, modifier, sum(changes) AS changes
FROM change_counts
WHERE instance = $instance AND field = '' AND ts <= $now
  AND ts > $now - to_days(CAST($lookback_days AS INTEGER))
GROUP BY ALL
ORDER BY object, changes DESC
