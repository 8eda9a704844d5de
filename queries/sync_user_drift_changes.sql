-- The sync user's access that changed between consecutive permission snapshots of an object
-- ('' = the object itself) in the last $training_days days: permission_changes.sql, windowed
-- in days, with the previous snapshot's time. A row missing on one side of a pair comes back
-- with NULL access there (FieldPermissions has no row for a field nobody may read).
WITH pairs AS (
    SELECT * FROM {{ permission_pairs }}
    WHERE captured_at >= $now - to_days(CAST($training_days AS INTEGER))
), now_access AS (
    SELECT p.object, p.captured_at, p.previous_at, a.field, a.readable, a.editable
    FROM pairs p JOIN field_permissions a
      ON a.instance = $instance AND a.object = p.object AND a.captured_at = p.captured_at
), then_access AS (
    SELECT p.object, p.captured_at, p.previous_at, a.field, a.readable, a.editable
    FROM pairs p JOIN field_permissions a
      ON a.instance = $instance AND a.object = p.object AND a.captured_at = p.previous_at
)
SELECT coalesce(n.captured_at, t.captured_at) AS changed_at,
       coalesce(n.previous_at, t.previous_at) AS previous_at,
       coalesce(n.object, t.object) AS object,
       coalesce(n.field, t.field) AS field,
       t.readable AS was_readable, t.editable AS was_editable,
       n.readable AS readable, n.editable AS editable
FROM now_access n
FULL OUTER JOIN then_access t
  ON n.object = t.object AND n.captured_at = t.captured_at AND n.field = t.field
WHERE n.readable IS DISTINCT FROM t.readable OR n.editable IS DISTINCT FROM t.editable
ORDER BY object, field, changed_at
