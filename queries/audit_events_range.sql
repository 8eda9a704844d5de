-- Audit events of an instance in the range (Salesforce Setup Audit Trail, Marketo user audit
-- events): who changed what, newest first.
SELECT occurred_at, actor, action, subject AS section, detail, source
FROM audit_events
WHERE instance = $instance AND occurred_at >= $since AND occurred_at <= $until
  -- The sync user's logins (a new session every few hours) would bury the Setup changes:
  -- the auth posture section shows them.
  AND source <> 'salesforce_login'
ORDER BY occurred_at DESC, event_id
LIMIT CAST($limit AS BIGINT)
