-- Marketo activities per type in the last $lookback_days days, from the 5-minute counts: what
-- is collected at all and since when (a check needs enough history before it judges).
SELECT activity_type,
       sum(activities) AS activities,
       min(ts) AS first_bucket,
       max(ts) AS last_bucket
FROM activity_counts
WHERE instance = $instance
  AND ts > $now - to_days(CAST($lookback_days AS INTEGER))
  AND ts <= $now
GROUP BY activity_type
ORDER BY activities DESC, activity_type
