-- Audit events of an instance in the range (Salesforce Setup Audit Trail, Marketo user audit
-- events): who changed what, newest first.
SELECT occurred_at, actor, action, subject AS section, detail, source
FROM audit_events
WHERE instance = $instance AND occurred_at >= $since AND occurred_at <= $until
ORDER BY occurred_at DESC, event_id
LIMIT CAST($limit AS BIGINT)
