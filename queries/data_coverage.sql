-- What the store holds for an instance: rows and time span per kind of fact.
SELECT 'Sync stats' AS data, count(*) AS rows, min(ts) AS first, max(ts) AS last,
       string_agg(DISTINCT provenance, ', ') AS provenance
FROM sync_stats WHERE instance = $instance
UNION ALL
SELECT 'Sync errors', count(*), min(occurred_at), max(occurred_at), string_agg(DISTINCT source, ', ')
FROM sync_errors WHERE instance = $instance
UNION ALL
SELECT 'Sync status steps', count(*), min(started_at), max(started_at), string_agg(DISTINCT source, ', ')
FROM sync_cycles WHERE instance = $instance
UNION ALL
SELECT 'Describe snapshots', count(*), min(captured_at), max(captured_at), string_agg(DISTINCT source, ', ')
FROM snapshots WHERE instance = $instance AND kind = 'describe'
UNION ALL
SELECT 'Permission snapshots', count(*), min(captured_at), max(captured_at), string_agg(DISTINCT source, ', ')
FROM snapshots WHERE instance = $instance AND kind = 'permissions'
UNION ALL
SELECT 'Quarantined rows', count(*), min(received_at), max(received_at), string_agg(DISTINCT kind, ', ')
FROM quarantine WHERE instance = $instance
