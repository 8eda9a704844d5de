-- Marketo's SFDC-related activities per day and type in the view's range (REST collector,
-- Data Streams or demo), from the 5-minute counts.
SELECT date_trunc('day', ts) AS day, activity_type, sum(activities) AS activities
FROM activity_counts
WHERE instance = $instance AND ts >= $since AND ts <= $until
GROUP BY ALL
ORDER BY day, activity_type
