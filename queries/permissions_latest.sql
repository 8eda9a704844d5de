-- The sync user's latest known access (as of $now) per object and field ('' = object level).
WITH latest AS (
    SELECT scope AS object, max(captured_at) AS captured_at
    FROM snapshots
    WHERE instance = $instance AND kind = 'permissions' AND captured_at <= $now
    GROUP BY scope
)
SELECT p.object, p.field, p.readable, p.editable, p.captured_at
FROM field_permissions p
JOIN latest l ON p.object = l.object AND p.captured_at = l.captured_at
WHERE p.instance = $instance
ORDER BY p.object, p.field
