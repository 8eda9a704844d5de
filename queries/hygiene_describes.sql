-- The fields of each object's latest describe (as of $now) with the describe's own flags, for
-- the collector's hygiene pass: which fields may be counted, grouped, or are a sync filter.
WITH latest AS (
    SELECT scope AS object, max(captured_at) AS captured_at
    FROM snapshots
    WHERE instance = $instance AND kind = 'describe' AND captured_at <= $now
    GROUP BY scope
)
SELECT f.object, f.field, f.label, f.type, f.calculated,
       coalesce(TRY_CAST(json_extract(f.raw, '$.aggregatable') AS BOOLEAN), false)
           AS aggregatable,
       coalesce(TRY_CAST(json_extract(f.raw, '$.groupable') AS BOOLEAN), false) AS groupable,
       coalesce(TRY_CAST(json_extract(f.raw, '$.nillable') AS BOOLEAN), true) AS nillable
FROM field_inventory f
JOIN latest l ON f.object = l.object AND f.captured_at = l.captured_at
WHERE f.instance = $instance
ORDER BY f.object, f.field
