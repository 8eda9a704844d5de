-- The sync user's access that changed between consecutive permission snapshots of an object
-- ('' = the object itself) since $since: the drift behind sudden permission failures.
SELECT changed_at, object, field, was_readable, was_editable, readable, editable
FROM {{ permission_pair_access }}
WHERE changed_at >= $since
  AND (readable IS DISTINCT FROM was_readable OR editable IS DISTINCT FROM was_editable)
ORDER BY changed_at DESC, object, field
