-- The schema_drift findings still seen since $since (first seen by $now), open first, newest change
-- first, with what a Salesforce admin acts on: what changed, who changed it and when, what
-- Marketo does about it and what to do before the next sync cycle (all from the evidence).
SELECT json_extract_string(evidence, '$.changed_at') AS changed_at,
       subject AS field,
       status,
       severity,
       json_extract_string(evidence, '$.kind') AS kind,
       json_extract_string(evidence, '$.change') AS change,
       json_extract_string(evidence, '$.audit_event.actor') AS changed_by,
       json_extract_string(evidence, '$.audit_event.detail') AS audit_trail,
       json_extract_string(evidence, '$.consequence') AS marketo_consequence,
       json_extract_string(evidence, '$.fix') AS before_next_sync
FROM findings
WHERE instance = $instance AND check_id = 'schema_drift'
  AND first_seen <= $now AND (last_seen >= $since OR status = 'open')
ORDER BY status = 'open' DESC, changed_at DESC NULLS LAST, field
