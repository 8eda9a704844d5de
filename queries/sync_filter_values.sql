-- Records per value of each sync filter field, from its latest count (as of $now).
WITH latest AS (
    SELECT object, field, max(captured_at) AS captured_at
    FROM field_value_counts
    WHERE instance = $instance AND captured_at <= $now
    GROUP BY ALL
)
SELECT v.object, v.field, v.value, v.records, v.captured_at
FROM field_value_counts v
JOIN latest l ON v.object = l.object AND v.field = l.field AND v.captured_at = l.captured_at
WHERE v.instance = $instance
ORDER BY v.object, v.field, v.value
