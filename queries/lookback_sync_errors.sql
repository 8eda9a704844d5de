-- The instance's sync errors in the lookback window: after $now - $lookback_hours, up to $now.
-- The base of the checks' per-window error queries, which add their own filter.
SELECT *
FROM sync_errors
WHERE instance = $instance
  AND occurred_at > $now - to_hours(CAST($lookback_hours AS BIGINT))
  AND occurred_at <= $now
