-- Per object, over the last $lookback_days days: records changed by others (the inflow the
-- sync pulls) and records the sync user wrote, plus the reach of each object's inflow series.
-- Where several sources report the same sample (collected, imported), the largest counts once.
WITH samples AS (
    SELECT object, ts, metric, max(value) AS value
    FROM sync_stats
    WHERE instance = $instance AND ts <= $now
      AND ((metric = 'inflow' AND direction = 'sfdc_to_marketo')
           OR (metric = 'throughput' AND direction = 'marketo_to_sfdc'))
    GROUP BY ALL
)
SELECT object,
       coalesce(sum(value) FILTER (WHERE metric = 'inflow'
           AND ts > $now - to_days(CAST($lookback_days AS INTEGER))), 0) AS changed_by_others,
       coalesce(sum(value) FILTER (WHERE metric = 'throughput'
           AND ts > $now - to_days(CAST($lookback_days AS INTEGER))), 0) AS written_by_sync,
       min(ts) FILTER (WHERE metric = 'inflow') AS first_sample,
       max(ts) FILTER (WHERE metric = 'inflow') AS last_sample
FROM samples
GROUP BY object
ORDER BY object
