-- What changed between consecutive describe snapshots of each object, as the sync user sees
-- it: fields that appeared (became visible), disappeared (became invisible), became (or
-- stopped being) formula fields, or became (or stopped being) editable.
SELECT changed_at, object, field,
       CASE
           WHEN NOT was_described THEN 'became visible'
           WHEN NOT is_described THEN 'became invisible'
           WHEN calculated AND NOT was_calculated THEN 'became a formula field'
           WHEN was_calculated AND NOT calculated THEN 'is no longer a formula field'
           WHEN was_updateable AND NOT updateable THEN 'became read-only'
           ELSE 'became editable'
       END AS change
FROM {{ describe_pair_fields }}
WHERE changed_at >= $since
  AND (NOT was_described OR NOT is_described
       OR calculated IS DISTINCT FROM was_calculated
       OR updateable IS DISTINCT FROM was_updateable)
ORDER BY changed_at DESC, object, field
