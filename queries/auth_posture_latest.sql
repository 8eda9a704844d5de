-- The sync user's latest auth reading (User row and system permissions) as of $now.
SELECT captured_at, user_id, username, is_active, profile, last_password_change_at,
       permissions
FROM sync_user_auth
WHERE instance = $instance AND captured_at <= $now
ORDER BY captured_at DESC
LIMIT 1
