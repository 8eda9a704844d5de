-- Per field of each object's latest describe (as of $now): how full it is (the latest daily
-- fill count) and when it last changed. Changes come from Marketo's Change Data Value
-- activities (Lead and Contact fields, matched on the API name, the label or the object and
-- name, "Lead Status" for Lead.Status, with case, spaces, underscores and __c ignored) and
-- from field-level change counts (Object.Field).
WITH fields AS (
    SELECT object, field, label, type, length, is_custom, calculated, calculated_formula,
           updateable, captured_at AS described_at,
           field_key(field) AS name_key,
           squeezed(label) AS label_key
    FROM {{ latest_describe_fields }}
), latest_fill AS (
    SELECT object, max(captured_at) AS captured_at
    FROM field_fill
    WHERE instance = $instance AND captured_at <= $now
    GROUP BY object
), fill AS (
    SELECT f.object, f.field, f.records, f.filled, f.captured_at
    FROM field_fill f
    JOIN latest_fill l ON f.object = l.object AND f.captured_at = l.captured_at
    WHERE f.instance = $instance
), marketo AS (
    SELECT field_key(primary_attribute) AS change_key,
           max(occurred_at) AS last_change
    FROM marketo_activities
    WHERE instance = $instance AND activity_type = 'Change Data Value' AND occurred_at <= $now
      AND primary_attribute IS NOT NULL
    GROUP BY 1
), marketo_fields AS (
    SELECT d.object, d.field, max(m.last_change) AS last_change
    FROM fields d
    JOIN marketo m ON m.change_key <> ''
     AND m.change_key IN (d.name_key, d.label_key, lower(d.object) || d.name_key)
    WHERE d.object IN ('Lead', 'Contact')
    GROUP BY ALL
), salesforce_fields AS (
    SELECT split_part(field, '.', 1) AS object, split_part(field, '.', 2) AS field,
           max(ts) AS last_change
    FROM change_counts
    WHERE instance = $instance AND field LIKE '%.%' AND changes > 0 AND ts <= $now
    GROUP BY ALL
)
SELECT d.object, d.field, d.label, d.type, d.length, d.is_custom, d.calculated,
       d.calculated_formula, d.updateable, fl.records, fl.filled,
       CASE WHEN fl.records > 0 THEN fl.filled / fl.records END AS fill_share,
       fl.captured_at AS filled_at,
       greatest(m.last_change, s.last_change) AS last_change,
       d.described_at
FROM fields d
LEFT JOIN fill fl ON fl.object = d.object AND fl.field = d.field
LEFT JOIN marketo_fields m ON m.object = d.object AND m.field = d.field
LEFT JOIN salesforce_fields s ON s.object = d.object AND s.field = d.field
ORDER BY d.object, d.field
