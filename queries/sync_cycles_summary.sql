-- Marketo Sync Status steps per object and operation in the range: how many ran, how many
-- failed or stopped incomplete, the items they failed or skipped, and the latest failure.
SELECT object, operation,
       count(*) AS steps,
       count(*) FILTER (WHERE lower(status) IN ('failed', 'incomplete')) AS failed_steps,
       CAST(sum(failed_count) AS BIGINT) AS failed_items,
       CAST(sum(skipped_count) AS BIGINT) AS skipped_items,
       max(started_at) FILTER (WHERE lower(status) IN ('failed', 'incomplete') OR failed_count > 0)
           AS last_failure
FROM sync_cycles
WHERE instance = $instance AND started_at >= $since AND started_at <= $until
GROUP BY ALL
ORDER BY failed_steps DESC, failed_items DESC, object, operation
