-- API usage samples that report a quota over the last $lookback_days days (plus the hours the
-- outlook's pace needs): the same hours of earlier days forecast the rest of today's use
-- (checks/api_outlook.py). The check takes only the newest sample of its $recent_hours as today.
SELECT source, metric, ts, used, quota
FROM api_usage
WHERE instance = $instance
  AND quota > 0
  AND ts > $now - to_days(CAST($lookback_days AS BIGINT))
               - to_hours(CAST($forecast_hours AS BIGINT) + 2)
  AND ts <= $now
ORDER BY source, metric, ts
