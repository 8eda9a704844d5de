-- The field a planned mass update changes ($field, any case) as the latest describe of $object
-- (as of $now) shows it to the sync user, with the sync user's read access from the latest
-- permission snapshot. One row; described_at is null when no describe of the object is stored,
-- field is null when the describe does not hold the field (the sync user cannot see it).
WITH described AS (
    SELECT max(captured_at) AS captured_at
    FROM snapshots
    WHERE instance = $instance AND kind = 'describe' AND scope = $object AND captured_at <= $now
), field AS (
    SELECT f.field, f.label, f.calculated, f.calculated_formula
    FROM field_inventory f JOIN described d ON f.captured_at = d.captured_at
    WHERE f.instance = $instance AND f.object = $object AND lower(f.field) = lower($field)
), permitted AS (
    SELECT max(captured_at) AS captured_at
    FROM snapshots
    WHERE instance = $instance AND kind = 'permissions' AND scope = $object
      AND captured_at <= $now
), access AS (
    SELECT bool_or(p.readable) AS readable
    FROM field_permissions p JOIN permitted l ON p.captured_at = l.captured_at
    WHERE p.instance = $instance AND p.object = $object AND lower(p.field) = lower($field)
)
SELECT d.captured_at AS described_at, f.field, f.label, f.calculated, f.calculated_formula,
       a.readable
FROM described d
LEFT JOIN field f ON true
LEFT JOIN access a ON true
