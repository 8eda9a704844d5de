-- Deliveries due at $now: new, failed and waiting for their retry, or interrupted mid-send.
SELECT o.message_id, o.channel, o.status, o.attempts, o.parts_done,
       m.kind, m.notify_type, m.title, m.body, m.attachments
FROM alert_outbox o
JOIN alert_messages m USING (message_id)
WHERE o.status IN ('pending', 'failed', 'sending') AND o.next_attempt_at <= $now
ORDER BY o.created_at, o.message_id, o.channel
