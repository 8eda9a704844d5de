-- Business calendar entries added on the dashboard and not removed (monitor.toml has the rest).
SELECT entry_id, instance, name, object, starts_at, ends_at, every, days, hours, created_at
FROM calendar_entries
WHERE removed_at IS NULL
ORDER BY created_at, entry_id
