-- Per object, over the last $lookback_days days: records changed by others (the inflow the
-- sync pulls) and records the sync user wrote, plus the reach of each object's inflow series.
-- Where several sources report the same sample (collected, imported), the largest counts once.
-- Only the window is deduplicated; the reach is a plain min/max (cheap over a year of samples).
WITH recent AS (
    SELECT object, ts, metric, max(value) AS value
    FROM sync_stats
    WHERE instance = $instance AND ts <= $now
      AND ts > $now - to_days(CAST($lookback_days AS INTEGER))
      AND ((metric = 'inflow' AND direction = 'sfdc_to_marketo')
           OR (metric = 'throughput' AND direction = 'marketo_to_sfdc'))
    GROUP BY ALL
),
totals AS (
    SELECT object,
           sum(value) FILTER (WHERE metric = 'inflow') AS changed_by_others,
           sum(value) FILTER (WHERE metric = 'throughput') AS written_by_sync
    FROM recent
    GROUP BY object
),
reach AS (
    SELECT object, min(ts) AS first_sample, max(ts) AS last_sample
    FROM sync_stats
    WHERE instance = $instance AND ts <= $now
      AND metric = 'inflow' AND direction = 'sfdc_to_marketo'
    GROUP BY object
),
reach_throughput AS (
    SELECT DISTINCT object
    FROM sync_stats
    WHERE instance = $instance AND ts <= $now
      AND metric = 'throughput' AND direction = 'marketo_to_sfdc'
)
SELECT object,
       coalesce(totals.changed_by_others, 0) AS changed_by_others,
       coalesce(totals.written_by_sync, 0) AS written_by_sync,
       reach.first_sample,
       reach.last_sample
FROM (SELECT object FROM reach UNION SELECT object FROM reach_throughput) AS objects
LEFT JOIN totals USING (object)
LEFT JOIN reach USING (object)
ORDER BY object
