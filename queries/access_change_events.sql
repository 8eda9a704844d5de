-- The Setup Audit Trail events sync_user_drift attached to each access change (cause_key):
-- who changed the sync user's access, when, and in which profile or permission set.
WITH events AS (
    SELECT json_extract_string(evidence, '$.cause_key') AS cause_key,
           unnest(CAST(json_extract(evidence, '$.audit_events') AS JSON[])) AS event
    FROM findings
    WHERE instance = $instance AND check_id = 'sync_user_drift'
      AND json_extract(evidence, '$.audit_events') IS NOT NULL
)
SELECT DISTINCT cause_key,
       json_extract_string(event, '$.actor') AS actor,
       json_extract_string(event, '$.action') AS action,
       json_extract_string(event, '$.section') AS section,
       json_extract_string(event, '$.detail') AS detail,
       CAST(json_extract_string(event, '$.occurred_at') AS TIMESTAMPTZ) AS occurred_at
FROM events
WHERE cause_key IS NOT NULL
ORDER BY cause_key, occurred_at, detail
