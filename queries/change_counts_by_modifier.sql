-- Who changed synced Salesforce records in the last $lookback_days days, per object, modifier
-- and field (field '' where the source does not say which), most changes first.
SELECT object, modifier, field, sum(changes) AS changes
FROM change_counts
WHERE instance = $instance
  AND ts > $now - to_days(CAST($lookback_days AS INTEGER))
  AND ts <= $now
GROUP BY ALL
ORDER BY changes DESC, object, modifier, field
LIMIT 200
