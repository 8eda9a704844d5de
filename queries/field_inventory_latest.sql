-- Every field of the most recent describe snapshot (as of $now) of each object, as the sync
-- user sees it.
SELECT object, field, label, type, length, is_custom, calculated, calculated_formula,
       updateable, createable, captured_at
FROM {{ latest_describe_fields }}
ORDER BY object, field
