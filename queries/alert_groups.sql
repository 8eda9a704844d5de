-- When each instance was last alerted (the group interval counts from there).
SELECT instance, last_alerted_at, last_message_id
FROM alert_groups
ORDER BY instance
