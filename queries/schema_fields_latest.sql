-- Every field of the latest describe snapshot (as of $now) of each object, as the sync user
-- sees it, with its raw describe entry (nillable, defaultedOnCreate, picklist values): what the
-- required-field contract of schema_drift is checked against.
SELECT object, field, label, type, createable, updateable, CAST(raw AS VARCHAR) AS raw,
       captured_at
FROM {{ latest_describe_fields }}
ORDER BY object, field
