-- The sync user's access that changed between consecutive permission snapshots of an object
-- ('' = the object itself): the drift behind sudden permission failures.
WITH pairs AS (
    SELECT * FROM {{ permission_pairs }} WHERE captured_at >= $since
), now_access AS (
    SELECT p.object, p.captured_at, a.field, a.readable, a.editable
    FROM pairs p JOIN field_permissions a
      ON a.instance = $instance AND a.object = p.object AND a.captured_at = p.captured_at
), then_access AS (
    SELECT p.object, p.captured_at, a.field, a.readable, a.editable
    FROM pairs p JOIN field_permissions a
      ON a.instance = $instance AND a.object = p.object AND a.captured_at = p.previous_at
)
SELECT coalesce(n.captured_at, t.captured_at) AS changed_at,
       coalesce(n.object, t.object) AS object,
       coalesce(n.field, t.field) AS field,
       t.readable AS was_readable, t.editable AS was_editable,
       n.readable AS readable, n.editable AS editable
FROM now_access n
FULL OUTER JOIN then_access t
  ON n.object = t.object AND n.captured_at = t.captured_at AND n.field = t.field
WHERE n.readable IS DISTINCT FROM t.readable OR n.editable IS DISTINCT FROM t.editable
ORDER BY changed_at DESC, object, field
