-- The newest deliveries of every message (alerts of every instance, reports, tests).
SELECT o.created_at, o.status, o.channel, o.attempts, o.error, o.next_attempt_at, m.title,
       m.instance, m.kind, o.last_attempt_at, o.sent_at, o.message_id
FROM alert_outbox o
JOIN alert_messages m USING (message_id)
ORDER BY o.status = 'sent', o.created_at DESC, o.channel
LIMIT $limit
