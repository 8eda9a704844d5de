-- The fields of each object's latest describe (as of $now) with the describe's own flags, for
-- the collector's hygiene pass: which fields may be counted, grouped, or are a sync filter.
SELECT object, field, label, type, calculated,
       coalesce(TRY_CAST(json_extract(raw, '$.aggregatable') AS BOOLEAN), false)
           AS aggregatable,
       coalesce(TRY_CAST(json_extract(raw, '$.groupable') AS BOOLEAN), false) AS groupable,
       coalesce(TRY_CAST(json_extract(raw, '$.nillable') AS BOOLEAN), true) AS nillable
FROM {{ latest_describe_fields }}
ORDER BY object, field
