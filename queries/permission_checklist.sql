-- The Permissions page's checklist: one row per open permission_failures finding, with the
-- grant that fixes it (or the advice when no grant can), and its failing records and errors
-- counted over the page's time range ($since, $until] (the finding's own counts cover the
-- check's lookback, not the range a reader picked).
WITH gaps AS (
    SELECT severity, last_seen AS finding_seen,
           coalesce(json_extract_string(evidence, '$.object'), '') AS object,
           coalesce(json_extract_string(evidence, '$.field'), '') AS field,
           -- Findings stored before `needs` existed: the grant's words say it.
           coalesce(json_extract_string(evidence, '$.needs'),
               CASE WHEN coalesce(json_extract_string(evidence, '$.grant'), '') LIKE '%Edit%'
                    THEN 'edit' ELSE 'read' END) AS needs,
           coalesce(json_extract_string(evidence, '$.grant'), '') AS "grant",
           coalesce(json_extract_string(evidence, '$.advice'), '') AS advice,
           title,
           CAST(json_extract_string(evidence, '$.access_lost_at') AS TIMESTAMPTZ) AS access_lost_at,
           coalesce(json_extract_string(evidence, '$.cause_key'), '') AS cause_key
    FROM findings
    WHERE instance = $instance AND status = 'open' AND check_id = 'permission_failures'
), recent AS (
    SELECT coalesce(object, '') AS object, coalesce(sfdc_id, marketo_id) AS record, occurred_at,
           CASE WHEN len(fields) = 0 THEN [''] ELSE fields END AS fields
    FROM sync_errors
    WHERE instance = $instance AND category = 'permission'
      AND occurred_at > $since AND occurred_at <= $until
), per_field AS (
    SELECT object, record, occurred_at, unnest(fields) AS field FROM recent
), counts AS (
    SELECT object, field, count(*) AS errors, count(DISTINCT record) AS records,
           max(occurred_at) AS last_error
    FROM per_field
    GROUP BY object, field
)
SELECT g.severity, g.object, g.field, g.needs, g."grant", g.advice, g.title,
       coalesce(c.records, 0) AS records, coalesce(c.errors, 0) AS errors, c.last_error,
       g.access_lost_at, g.cause_key
FROM gaps g
LEFT JOIN counts c ON c.object = g.object AND c.field = g.field
ORDER BY CASE g.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         coalesce(c.records, 0) DESC, g.object, g.field
