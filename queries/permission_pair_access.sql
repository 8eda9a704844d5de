-- Each pair of consecutive permission snapshots of an object as of $now (permission_pairs.sql)
-- with every field ('' = the object itself) on either side: the sync user's access in the
-- older snapshot (was_*) and in the newer one, NULL on a side with no row for the field
-- (FieldPermissions has none for a field nobody may read). changed_at is the newer snapshot.
WITH sides AS (
    SELECT object, captured_at, previous_at, unnest([previous_at, captured_at]) AS side_at
    FROM {{ permission_pairs }}
)
SELECT s.captured_at AS changed_at, s.previous_at, s.object, a.field,
       any_value(a.readable) FILTER (WHERE a.captured_at = s.previous_at) AS was_readable,
       any_value(a.editable) FILTER (WHERE a.captured_at = s.previous_at) AS was_editable,
       any_value(a.readable) FILTER (WHERE a.captured_at = s.captured_at) AS readable,
       any_value(a.editable) FILTER (WHERE a.captured_at = s.captured_at) AS editable
FROM sides s
JOIN field_permissions a
  ON a.instance = $instance AND a.object = s.object AND a.captured_at = s.side_at
GROUP BY ALL
