-- Data dictionary of the synced fields: describe (as the sync user sees it) + its access.
WITH fields AS (
    SELECT f.*
    FROM field_inventory f
    JOIN (SELECT scope, max(captured_at) AS captured_at FROM snapshots
          WHERE instance = $instance AND kind = 'describe' AND captured_at <= $now
          GROUP BY scope) l
      ON f.object = l.scope AND f.captured_at = l.captured_at
    WHERE f.instance = $instance
), access AS (
    SELECT p.*
    FROM field_permissions p
    JOIN (SELECT scope, max(captured_at) AS captured_at FROM snapshots
          WHERE instance = $instance AND kind = 'permissions' AND captured_at <= $now
          GROUP BY scope) l
      ON p.object = l.scope AND p.captured_at = l.captured_at
    WHERE p.instance = $instance
)
SELECT f.object, f.field, f.label, f.type, f.length, f.is_custom, f.calculated,
       f.calculated_formula, f.updateable, a.readable, a.editable,
       f.captured_at AS described_at
FROM fields f
LEFT JOIN access a ON a.object = f.object AND a.field = f.field
WHERE ($object = '' OR f.object = $object)
ORDER BY f.object, f.field
