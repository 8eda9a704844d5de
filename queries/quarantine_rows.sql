-- Rejected input kept for repair and replay, newest first.
SELECT received_at, kind, origin, line, reason, raw
FROM quarantine
WHERE instance = $instance
ORDER BY received_at DESC, origin, line
LIMIT CAST($limit AS BIGINT)
