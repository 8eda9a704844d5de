-- Data dictionary of the synced fields: describe (as the sync user sees it) + its access, how
-- full each field is (the latest daily fill count) and when it last changed (as in
-- field_hygiene.sql: Marketo Change Data Value activities and field-level change counts).
WITH fields AS (
    SELECT f.*,
           field_key(f.field) AS name_key,
           squeezed(f.label) AS label_key
    FROM field_inventory f
    JOIN (SELECT scope, max(captured_at) AS captured_at FROM snapshots
          WHERE instance = $instance AND kind = 'describe' AND captured_at <= $now
          GROUP BY scope) l
      ON f.object = l.scope AND f.captured_at = l.captured_at
    WHERE f.instance = $instance
), access AS (
    SELECT p.*
    FROM field_permissions p
    JOIN (SELECT scope, max(captured_at) AS captured_at FROM snapshots
          WHERE instance = $instance AND kind = 'permissions' AND captured_at <= $now
          GROUP BY scope) l
      ON p.object = l.scope AND p.captured_at = l.captured_at
    WHERE p.instance = $instance
), fill AS (
    SELECT f.object, f.field, f.records, f.filled
    FROM field_fill f
    JOIN (SELECT object, max(captured_at) AS captured_at FROM field_fill
          WHERE instance = $instance AND captured_at <= $now
          GROUP BY object) l
      ON f.object = l.object AND f.captured_at = l.captured_at
    WHERE f.instance = $instance
), marketo AS (
    SELECT field_key(primary_attribute) AS change_key,
           max(occurred_at) AS last_change
    FROM marketo_activities
    WHERE instance = $instance AND activity_type = 'Change Data Value' AND occurred_at <= $now
      AND primary_attribute IS NOT NULL
    GROUP BY 1
), changed AS (
    SELECT d.object, d.field, max(m.last_change) AS last_change
    FROM fields d
    JOIN marketo m ON m.change_key <> ''
     AND m.change_key IN (d.name_key, d.label_key, lower(d.object) || d.name_key)
    WHERE d.object IN ('Lead', 'Contact')
    GROUP BY ALL
    UNION ALL
    SELECT split_part(field, '.', 1), split_part(field, '.', 2), max(ts)
    FROM change_counts
    WHERE instance = $instance AND field LIKE '%.%' AND changes > 0 AND ts <= $now
    GROUP BY ALL
), last_change AS (
    SELECT object, field, max(last_change) AS last_change FROM changed GROUP BY ALL
)
SELECT f.object, f.field, f.label, f.type, f.length, f.is_custom, f.calculated,
       f.calculated_formula, f.updateable, a.readable, a.editable,
       CASE WHEN fl.records > 0 THEN fl.filled / fl.records END AS fill_rate,
       c.last_change,
       f.captured_at AS described_at
FROM fields f
LEFT JOIN access a ON a.object = f.object AND a.field = f.field
LEFT JOIN fill fl ON fl.object = f.object AND fl.field = f.field
LEFT JOIN last_change c ON c.object = f.object AND c.field = f.field
WHERE ($object = '' OR f.object = $object)
ORDER BY f.object, f.field
