-- What each source delivered for an instance, per kind of fact and source (or provenance, or
-- collection job): rows in the range, rows up to its end and the newest fact up to its end.
-- A kind with no row at all is a source that is not connected or imported (yet).
SELECT 'sync_stats' AS data, provenance AS source,
       count(*) FILTER (WHERE ts >= $since) AS rows_in_range, count(*) AS rows_to_date,
       max(ts) AS last_fact
FROM sync_stats WHERE instance = $instance AND ts <= $until GROUP BY ALL
UNION ALL
SELECT 'sync_errors', source, count(*) FILTER (WHERE occurred_at >= $since), count(*),
       max(occurred_at)
FROM sync_errors WHERE instance = $instance AND occurred_at <= $until GROUP BY ALL
UNION ALL
SELECT 'sync_cycles', source, count(*) FILTER (WHERE started_at >= $since), count(*),
       max(started_at)
FROM sync_cycles WHERE instance = $instance AND started_at <= $until GROUP BY ALL
UNION ALL
SELECT 'change_counts', provenance, count(*) FILTER (WHERE ts >= $since), count(*), max(ts)
FROM change_counts WHERE instance = $instance AND ts <= $until GROUP BY ALL
UNION ALL
SELECT 'api_usage', source, count(*) FILTER (WHERE ts >= $since), count(*), max(ts)
FROM api_usage WHERE instance = $instance AND ts <= $until GROUP BY ALL
UNION ALL
SELECT 'snapshots', kind || ' (' || source || ')', count(*) FILTER (WHERE captured_at >= $since),
       count(*), max(captured_at)
FROM snapshots WHERE instance = $instance AND captured_at <= $until GROUP BY ALL
UNION ALL
SELECT 'audit_events', source, count(*) FILTER (WHERE occurred_at >= $since), count(*),
       max(occurred_at)
FROM audit_events WHERE instance = $instance AND occurred_at <= $until GROUP BY ALL
UNION ALL
SELECT 'marketo_activities', source, count(*) FILTER (WHERE occurred_at >= $since), count(*),
       max(occurred_at)
FROM marketo_activities WHERE instance = $instance AND occurred_at <= $until GROUP BY ALL
UNION ALL
SELECT 'collection_runs', job, count(*) FILTER (WHERE started_at >= $since), count(*),
       max(started_at)
FROM collection_runs WHERE instance = $instance AND started_at <= $until GROUP BY ALL
ORDER BY data, source
