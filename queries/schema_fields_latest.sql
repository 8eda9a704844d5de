-- Every field of the latest describe snapshot (as of $now) of each object, as the sync user
-- sees it, with its raw describe entry (nillable, defaultedOnCreate, picklist values): what the
-- required-field contract of schema_drift is checked against.
WITH latest AS (
    SELECT scope AS object, max(captured_at) AS captured_at
    FROM snapshots
    WHERE instance = $instance AND kind = 'describe' AND captured_at <= $now
    GROUP BY scope
)
SELECT f.object, f.field, f.label, f.type, f.createable, f.updateable,
       CAST(f.raw AS VARCHAR) AS raw, f.captured_at
FROM field_inventory f
JOIN latest l ON f.object = l.object AND f.captured_at = l.captured_at
WHERE f.instance = $instance
ORDER BY f.object, f.field
