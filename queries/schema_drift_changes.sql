-- Every synced field that differs between two consecutive describe snapshots of its object
-- (as the sync user sees it) in the last $training_days days before $now: added, removed, or
-- changed in type, length, label, required-ness or picklist values. Both sides' raw describe
-- entries come along so the schema_drift check can tell what changed.
SELECT object, changed_at, previous_at, field,
       was_label, was_type, was_raw, label, type, raw
FROM {{ describe_pair_fields }}
WHERE changed_at >= $now - to_days(CAST($training_days AS INTEGER))
  AND (NOT was_described OR NOT is_described OR raw IS DISTINCT FROM was_raw)
ORDER BY changed_at, object, field
