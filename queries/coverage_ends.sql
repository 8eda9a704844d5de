-- How far each family of facts of an instance reaches, as of $now: checks judge an input as of
-- this moment, never at the wall clock, so that data imported late is judged as it would have
-- been when fresh, and a source that stopped reporting leaves its findings as they were.
-- Data a collector reads, where a quiet window writes no row (nobody changed a record, Marketo
-- logged no activity), reaches as far as the last successful collection too.
WITH collected AS (
    SELECT job, max(started_at) AS last_ok_at
    FROM collection_runs
    WHERE instance = $instance AND status <> 'failed' AND started_at <= $now
    GROUP BY job
)
SELECT 'sync_errors' AS family,
       (SELECT max(occurred_at) FROM sync_errors
        WHERE instance = $instance AND occurred_at <= $now) AS covered_until
UNION ALL
SELECT 'sync_cycles',
       (SELECT max(coalesce(ended_at, started_at)) FROM sync_cycles
        WHERE instance = $instance AND coalesce(ended_at, started_at) <= $now)
UNION ALL
SELECT 'sync_stats',
       (SELECT max(ts) FROM sync_stats WHERE instance = $instance AND ts <= $now)
UNION ALL
SELECT 'change_counts',
       greatest((SELECT max(ts) FROM change_counts WHERE instance = $instance AND ts <= $now),
                (SELECT last_ok_at FROM collected WHERE job = 'salesforce'))
UNION ALL
SELECT 'marketo_activities',
       greatest((SELECT max(occurred_at) FROM marketo_activities
                 WHERE instance = $instance AND occurred_at <= $now),
                (SELECT last_ok_at FROM collected WHERE job = 'marketo'))
UNION ALL
SELECT 'api_usage',
       (SELECT max(ts) FROM api_usage WHERE instance = $instance AND ts <= $now)
UNION ALL
SELECT 'audit_events',
       greatest((SELECT max(occurred_at) FROM audit_events
                 WHERE instance = $instance AND occurred_at <= $now),
                (SELECT last_ok_at FROM collected WHERE job = 'salesforce'))
UNION ALL
-- Describe and permission snapshots are stored only when they change, the daily hygiene counts
-- and reconciliation samples once a day: the newest of them, or the collector's last
-- successful cycle (it takes snapshots hourly), says how recent they are.
SELECT 'snapshots',
       greatest((SELECT max(captured_at) FROM snapshots
                 WHERE instance = $instance AND captured_at <= $now),
                (SELECT max(captured_at) FROM field_fill
                 WHERE instance = $instance AND captured_at <= $now),
                (SELECT max(captured_at) FROM duplicate_summary
                 WHERE instance = $instance AND captured_at <= $now),
                (SELECT max(captured_at) FROM field_value_counts
                 WHERE instance = $instance AND captured_at <= $now),
                (SELECT max(sampled_at) FROM reconciliation_runs
                 WHERE instance = $instance AND sampled_at <= $now),
                (SELECT last_ok_at FROM collected WHERE job = 'salesforce'))
