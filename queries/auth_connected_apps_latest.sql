-- The latest reading of the connected apps the sync user holds OAuth tokens for, as of $now.
SELECT captured_at, apps, not_read
FROM sync_user_connected_apps
WHERE instance = $instance AND captured_at <= $now
ORDER BY captured_at DESC
LIMIT 1
