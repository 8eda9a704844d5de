-- Every synced field that differs between two consecutive describe snapshots of its object
-- (as the sync user sees it) in the last $training_days days before $now: added, removed, or
-- changed in type, length, label, required-ness or picklist values. Both sides' raw describe
-- entries come along so the schema_drift check can tell what changed.
WITH pairs AS (
    SELECT * FROM {{ describe_pairs }}
    WHERE captured_at >= $now - to_days(CAST($training_days AS INTEGER))
), now_fields AS (
    SELECT p.object, p.captured_at, p.previous_at, f.field, f.label, f.type,
           CAST(f.raw AS VARCHAR) AS raw
    FROM pairs p JOIN field_inventory f
      ON f.instance = $instance AND f.object = p.object AND f.captured_at = p.captured_at
), then_fields AS (
    SELECT p.object, p.captured_at, p.previous_at, f.field, f.label, f.type,
           CAST(f.raw AS VARCHAR) AS raw
    FROM pairs p JOIN field_inventory f
      ON f.instance = $instance AND f.object = p.object AND f.captured_at = p.previous_at
)
SELECT coalesce(n.object, t.object) AS object,
       coalesce(n.captured_at, t.captured_at) AS changed_at,
       coalesce(n.previous_at, t.previous_at) AS previous_at,
       coalesce(n.field, t.field) AS field,
       t.label AS was_label, t.type AS was_type, t.raw AS was_raw,
       n.label AS label, n.type AS type, n.raw AS raw
FROM now_fields n
FULL OUTER JOIN then_fields t
  ON n.object = t.object AND n.captured_at = t.captured_at AND n.field = t.field
WHERE n.field IS NULL OR t.field IS NULL OR n.raw IS DISTINCT FROM t.raw
ORDER BY changed_at, object, field
