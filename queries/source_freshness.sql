-- How fresh each source of an instance is, as of $now: the newest data it delivered (for a
-- collector, its last successful collection; for exports, the newest row or the last import,
-- since an export with no rows still shows the feed is alive; for Data Streams, the newest
-- event received). One row per source that ever delivered anything; `kind` says which cadence
-- applies: collector (its interval), export (export_stale_hours), stream (stream_stale_hours),
-- demo (a recording, judged at its own end).
WITH collected AS (
    SELECT job, max(started_at) FILTER (WHERE status <> 'failed') AS newest,
           max(started_at) AS last_attempt
    FROM collection_runs
    WHERE instance = $instance AND job IN ('salesforce', 'marketo') AND started_at <= $now
    GROUP BY job
),
imported AS (
    SELECT kind, max(imported_at) AS imported_at, max(newest_at) AS newest_at
    FROM imports
    WHERE instance = $instance AND imported_at <= $now
    GROUP BY kind
),
exports AS (
    SELECT 'sync-errors' AS kind, 'Sync Errors exports' AS source,
           (SELECT max(occurred_at) FROM sync_errors
            WHERE instance = $instance AND source = 'sync_errors_export' AND occurred_at <= $now)
               AS newest_row
    UNION ALL
    SELECT 'sync-status', 'Sync Status exports',
           (SELECT max(coalesce(ended_at, started_at)) FROM sync_cycles
            WHERE instance = $instance AND source = 'sync_status_export'
              AND coalesce(ended_at, started_at) <= $now)
    UNION ALL
    SELECT 'sync-stats', 'Imported series',
           (SELECT max(newest_at) FROM imports
            WHERE instance = $instance AND kind = 'sync-stats' AND newest_at <= $now)
)
SELECT CASE job WHEN 'salesforce' THEN 'Salesforce collector' ELSE 'Marketo collector' END
           AS source,
       'collector' AS kind, job AS key, newest, last_attempt
FROM collected
UNION ALL
SELECT e.source, 'export', e.kind,
       greatest(e.newest_row, i.imported_at), i.imported_at
FROM exports e
LEFT JOIN imported i ON i.kind = e.kind
WHERE e.newest_row IS NOT NULL OR i.imported_at IS NOT NULL
UNION ALL
SELECT 'Data Streams', 'stream', 'data_streams',
       max(received_at), max(received_at)
FROM stream_events
WHERE instance = $instance AND received_at <= $now
HAVING count(*) > 0
UNION ALL
SELECT 'Demo workspace', 'demo', 'demo', simulated_until, simulated_until
FROM instances
WHERE instance = $instance AND simulated_until IS NOT NULL
ORDER BY kind, source
