-- Each pair of consecutive describe snapshots of an object as of $now (describe_pairs.sql)
-- with every field on either side, as the sync user sees it: whether the older (was_) and the
-- newer snapshot describe it, and its describe in each (NULL on a side without the field).
-- changed_at is the newer snapshot.
WITH sides AS (
    SELECT object, captured_at, previous_at, unnest([previous_at, captured_at]) AS side_at
    FROM {{ describe_pairs }}
), fields AS (
    SELECT s.captured_at AS changed_at, s.previous_at, s.object, f.field,
           f.captured_at = s.previous_at AS is_older,
           f.label, f.type, CAST(f.raw AS VARCHAR) AS raw, f.calculated, f.updateable
    FROM sides s
    JOIN field_inventory f
      ON f.instance = $instance AND f.object = s.object AND f.captured_at = s.side_at
)
SELECT changed_at, previous_at, object, field,
       bool_or(is_older) AS was_described, bool_or(NOT is_older) AS is_described,
       any_value(label) FILTER (WHERE is_older) AS was_label,
       any_value(type) FILTER (WHERE is_older) AS was_type,
       any_value(raw) FILTER (WHERE is_older) AS was_raw,
       any_value(calculated) FILTER (WHERE is_older) AS was_calculated,
       any_value(updateable) FILTER (WHERE is_older) AS was_updateable,
       any_value(label) FILTER (WHERE NOT is_older) AS label,
       any_value(type) FILTER (WHERE NOT is_older) AS type,
       any_value(raw) FILTER (WHERE NOT is_older) AS raw,
       any_value(calculated) FILTER (WHERE NOT is_older) AS calculated,
       any_value(updateable) FILTER (WHERE NOT is_older) AS updateable
FROM fields
GROUP BY ALL
