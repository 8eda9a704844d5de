-- The sync user's latest known access (as of $now) per object and field ('' = object level).
SELECT p.object, p.field, p.readable, p.editable, p.captured_at
FROM field_permissions p
JOIN {{ latest_snapshots }} l
  ON l.kind = 'permissions' AND p.object = l.object AND p.captured_at = l.captured_at
WHERE p.instance = $instance
ORDER BY p.object, p.field
