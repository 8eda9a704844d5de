-- What changed between consecutive describe snapshots of each object, as the sync user sees
-- it: fields that appeared (became visible), disappeared (became invisible), became (or
-- stopped being) formula fields, or became (or stopped being) editable.
WITH pairs AS (
    SELECT * FROM {{ describe_pairs }} WHERE captured_at >= $since
), now_fields AS (
    SELECT p.object, p.captured_at, f.field, f.calculated, f.updateable
    FROM pairs p JOIN field_inventory f
      ON f.instance = $instance AND f.object = p.object AND f.captured_at = p.captured_at
), then_fields AS (
    SELECT p.object, p.captured_at, f.field, f.calculated, f.updateable
    FROM pairs p JOIN field_inventory f
      ON f.instance = $instance AND f.object = p.object AND f.captured_at = p.previous_at
)
SELECT coalesce(n.captured_at, t.captured_at) AS changed_at,
       coalesce(n.object, t.object) AS object,
       coalesce(n.field, t.field) AS field,
       CASE
           WHEN t.field IS NULL THEN 'became visible'
           WHEN n.field IS NULL THEN 'became invisible'
           WHEN n.calculated AND NOT t.calculated THEN 'became a formula field'
           WHEN t.calculated AND NOT n.calculated THEN 'is no longer a formula field'
           WHEN t.updateable AND NOT n.updateable THEN 'became read-only'
           ELSE 'became editable'
       END AS change
FROM now_fields n
FULL OUTER JOIN then_fields t
  ON n.object = t.object AND n.captured_at = t.captured_at AND n.field = t.field
WHERE t.field IS NULL OR n.field IS NULL
   OR n.calculated IS DISTINCT FROM t.calculated
   OR n.updateable IS DISTINCT FROM t.updateable
ORDER BY changed_at DESC, object, field
