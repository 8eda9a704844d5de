-- What alerting did with an instance's latest finding transitions.
SELECT a.changed_at, a.transition, a.severity, f.check_id, f.subject, f.title,
       a.status, a.reason, m.title AS message, a.decided_at
FROM alert_transitions a
JOIN findings f USING (fingerprint)
LEFT JOIN alert_messages m USING (message_id)
WHERE a.instance = $instance AND a.status <> 'stale'
ORDER BY a.changed_at DESC, f.check_id, f.subject
LIMIT $limit
