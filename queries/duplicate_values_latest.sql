-- The values of the latest duplicate count (as of $now), most shared first.
WITH latest AS (
    SELECT object, field, max(captured_at) AS captured_at
    FROM duplicate_summary
    WHERE instance = $instance AND captured_at <= $now
    GROUP BY ALL
)
SELECT v.object, v.field, v.value, v.records
FROM duplicate_values v
JOIN latest l ON v.object = l.object AND v.field = l.field AND v.captured_at = l.captured_at
WHERE v.instance = $instance
ORDER BY v.object, v.field, v.records DESC, v.value
