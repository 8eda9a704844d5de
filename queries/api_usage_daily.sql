-- API use per UTC day, source and metric in the range: the day's highest reading, its quota and
-- the highest share of the quota used (the samples the api_budget check judges).
SELECT time_bucket(INTERVAL 1 DAY, ts) AS day, source, metric,
       max(used) AS peak_used,
       max(quota) AS quota,
       max(used / quota) FILTER (WHERE quota > 0) AS peak_share,
       count(*) AS samples
FROM api_usage
WHERE instance = $instance AND ts >= $since AND ts <= $until
GROUP BY ALL
ORDER BY source, metric, day
