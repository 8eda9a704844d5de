-- The latest duplicate count (as of $now) of each collected dedupe field.
WITH latest AS (
    SELECT object, field, max(captured_at) AS captured_at
    FROM duplicate_summary
    WHERE instance = $instance AND captured_at <= $now
    GROUP BY ALL
)
SELECT s.object, s.field, s.duplicated_values, s.records, s.is_capped, s.captured_at
FROM duplicate_summary s
JOIN latest l ON s.object = l.object AND s.field = l.field AND s.captured_at = l.captured_at
WHERE s.instance = $instance
ORDER BY s.object, s.field
