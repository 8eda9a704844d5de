-- The reconciliation findings still seen since $since (first seen by $now), open first, with
-- what an admin acts on: the likely reason, the fields (worst rate first), the fix, the owner.
SELECT subject,
       status,
       severity,
       owner,
       json_extract_string(evidence, '$.reason') AS likely_reason,
       (SELECT string_agg(f ->> 'field', ', ')
        FROM unnest(CAST(json_extract(evidence, '$.fields') AS JSON[])) AS t(f)) AS fields,
       CAST(json_extract(evidence, '$.worst_rate') AS DOUBLE) AS worst_rate,
       json_extract_string(evidence, '$.fix') AS fix,
       last_seen
FROM findings
WHERE instance = $instance AND check_id = 'reconciliation'
  AND first_seen <= $now AND (last_seen >= $since OR status = 'open')
ORDER BY status = 'open' DESC, worst_rate DESC NULLS LAST, subject
