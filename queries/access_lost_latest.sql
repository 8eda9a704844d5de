-- Per object and field ('' = the object itself), the newest permission snapshot (as of $now)
-- in which the sync user lost read or edit access: the change behind a gap that was not
-- always there. A field missing on the newer side of a pair has no access there.
WITH pairs AS (
    SELECT * FROM {{ permission_pairs }}
)
SELECT t.object, t.field, max(p.captured_at) AS lost_at
FROM pairs p
JOIN field_permissions t
  ON t.instance = $instance AND t.object = p.object AND t.captured_at = p.previous_at
LEFT JOIN field_permissions n
  ON n.instance = $instance AND n.object = p.object AND n.captured_at = p.captured_at
 AND n.field = t.field
WHERE (t.readable AND NOT coalesce(n.readable, false))
   OR (t.editable AND NOT coalesce(n.editable, false))
GROUP BY t.object, t.field
ORDER BY t.object, t.field
