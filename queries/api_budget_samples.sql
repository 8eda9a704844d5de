-- API usage samples that report a quota: the last $recent_hours (what is judged) plus
-- $lookback_hours before them, so the forecast's rate window is complete even for an older
-- latest sample. One row per sample; the check picks the metrics it judges.
SELECT source, metric, ts, used, quota
FROM api_usage
WHERE instance = $instance
  AND quota > 0
  AND ts > $now - to_hours(CAST($recent_hours AS BIGINT))
               - to_hours(CAST($lookback_hours AS BIGINT))
  AND ts <= $now
ORDER BY source, metric, ts
