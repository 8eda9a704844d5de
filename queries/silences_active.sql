-- Silences created on the dashboard that are still running at $now (monitor.toml has the rest).
SELECT silence_id, instance, check_id, subject, until, reason, created_at
FROM silences
WHERE until > $now
ORDER BY until, silence_id
