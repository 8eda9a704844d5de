-- Data dictionary of the synced fields: field_hygiene.sql (the latest describe as the sync
-- user sees it, how full each field is, when it last changed) with the sync user's access from
-- the latest permission snapshot, for one object or all ('').
WITH access AS (
    SELECT p.*
    FROM field_permissions p
    JOIN (SELECT scope, max(captured_at) AS captured_at FROM snapshots
          WHERE instance = $instance AND kind = 'permissions' AND captured_at <= $now
          GROUP BY scope) l
      ON p.object = l.scope AND p.captured_at = l.captured_at
    WHERE p.instance = $instance
)
SELECT h.object, h.field, h.label, h.type, h.length, h.is_custom, h.calculated,
       h.calculated_formula, h.updateable, a.readable, a.editable,
       h.fill_share AS fill_rate, h.last_change, h.described_at
FROM {{ field_hygiene }} h
LEFT JOIN access a ON a.object = h.object AND a.field = h.field
WHERE ($object = '' OR h.object = $object)
ORDER BY h.object, h.field
