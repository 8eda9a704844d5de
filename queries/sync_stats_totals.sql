-- Records per object, direction and metric (inflow, throughput) in the last $lookback_days
-- days. Where several sources (provenances) measured the same sample, the largest counts once.
WITH samples AS (
    SELECT object, direction, metric, ts, max(value) AS value
    FROM sync_stats
    WHERE instance = $instance
      AND metric IN ('inflow', 'throughput')
      AND ts > $now - to_days(CAST($lookback_days AS INTEGER))
      AND ts <= $now
    GROUP BY ALL
)
SELECT object, direction, metric,
       sum(value) AS records,
       count(*) AS samples,
       min(ts) AS first_ts,
       max(ts) AS last_ts
FROM samples
GROUP BY ALL
ORDER BY object, direction, metric
