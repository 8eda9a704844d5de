-- What each source delivered for an instance, per kind of fact and source (or provenance, or
-- collection job): rows in the range, rows up to its end and the newest fact up to its end.
-- A kind with no row at all is a source that is not connected or imported (yet).
-- Each table gives (kind, source, instance, time of the fact); one aggregate counts them all.
WITH facts AS (
    SELECT 'sync_stats' AS data, provenance AS source, instance, ts FROM sync_stats
    UNION ALL SELECT 'sync_errors', source, instance, occurred_at FROM sync_errors
    UNION ALL SELECT 'sync_cycles', source, instance, started_at FROM sync_cycles
    UNION ALL SELECT 'change_counts', provenance, instance, ts FROM change_counts
    UNION ALL SELECT 'api_usage', source, instance, ts FROM api_usage
    UNION ALL SELECT 'snapshots', kind || ' (' || source || ')', instance, captured_at
              FROM snapshots
    UNION ALL SELECT 'audit_events', source, instance, occurred_at FROM audit_events
    UNION ALL SELECT 'marketo_activities', source, instance, occurred_at FROM marketo_activities
    UNION ALL SELECT 'collection_runs', job, instance, started_at FROM collection_runs
)
SELECT data, source, count(*) FILTER (WHERE ts >= $since) AS rows_in_range,
       count(*) AS rows_to_date, max(ts) AS last_fact
FROM facts WHERE instance = $instance AND ts <= $until
GROUP BY ALL
ORDER BY data, source
