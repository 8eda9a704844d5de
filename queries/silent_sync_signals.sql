-- What shows the sync at work, next to what it has to do, over the last $lookback_hours:
--   inflow             records changed in Salesforce by others (sync_stats metric inflow)
--   synced_records     records the sync moved: throughput in either direction (the sync user's
--                      writes from the Salesforce collector; Marketo's figures when imported)
--   marketo_activities Marketo activities of the sync (types in $activity_types)
--   sync_status_steps  steps of Marketo's Sync Status page (imported exports)
-- One row per signal and timestamp; amount 0 rows are kept (they show the signal is observed).
SELECT 'inflow' AS signal, ts, sum(value) AS amount
FROM sync_stats
WHERE instance = $instance AND metric = 'inflow' AND direction = 'sfdc_to_marketo'
  AND ts > $now - to_hours(CAST($lookback_hours AS BIGINT)) AND ts <= $now
GROUP BY ts
UNION ALL
SELECT 'synced_records', ts, sum(value)
FROM sync_stats
WHERE instance = $instance AND metric = 'throughput'
  AND ts > $now - to_hours(CAST($lookback_hours AS BIGINT)) AND ts <= $now
GROUP BY ts
UNION ALL
SELECT 'marketo_activities', ts, sum(activities)
FROM activity_counts
WHERE instance = $instance AND activity_type IN (SELECT unnest($activity_types))
  AND ts > $now - to_hours(CAST($lookback_hours AS BIGINT)) AND ts <= $now
GROUP BY ts
UNION ALL
SELECT 'sync_status_steps', coalesce(ended_at, started_at), count(*)
FROM sync_cycles
WHERE instance = $instance
  AND coalesce(ended_at, started_at) > $now - to_hours(CAST($lookback_hours AS BIGINT))
  AND coalesce(ended_at, started_at) <= $now
GROUP BY 2
ORDER BY signal, ts
