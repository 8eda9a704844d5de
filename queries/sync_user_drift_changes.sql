-- The sync user's access that changed between consecutive permission snapshots of an object
-- ('' = the object itself) in the last $training_days days: permission_changes.sql, windowed
-- in days, with the previous snapshot's time. A row missing on one side of a pair comes back
-- with NULL access there (FieldPermissions has no row for a field nobody may read).
SELECT changed_at, previous_at, object, field, was_readable, was_editable, readable, editable
FROM {{ permission_pair_access }}
WHERE changed_at >= $now - to_days(CAST($training_days AS INTEGER))
  AND (readable IS DISTINCT FROM was_readable OR editable IS DISTINCT FROM was_editable)
ORDER BY object, field, changed_at
