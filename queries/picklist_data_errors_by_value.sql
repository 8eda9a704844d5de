-- Restricted-picklist and field-integrity (state/country) sync errors in the lookback window,
-- one row per object, field ('' when unknown) and the bad value the message names ('' when it
-- names none). Salesforce words them, for example:
--   bad value for restricted picklist field: California
--   Day of Month: bad value for restricted picklist field: 30: [npsp__DayOfMonth__c]
--   There's a problem with this state, ... from the list of valid states.: Billing State/Province: [BillingState]
-- and Marketo's export may wrap them in braces: Failed to update SFDC {CODE: ...}.
WITH recent AS (
    SELECT occurred_at, coalesce(object, '') AS object, error_code, fields,
           coalesce(sfdc_id, marketo_id) AS record, error_message,
           regexp_replace(coalesce(error_message, ''), '\s*\}\s*$', '') AS message
    FROM {{ lookback_sync_errors }}
    WHERE error_code IN ('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'FIELD_INTEGRITY_EXCEPTION')
), parsed AS (
    SELECT occurred_at, object, error_code, record, message, error_message,
           -- The API name in a trailing ": [Name]" (the first one when it lists several).
           regexp_extract(message, ':\s*\[\s*([A-Za-z][A-Za-z0-9_]*)[^\]]*\]\s*$', 1)
               AS api_field,
           -- The field label: before ": bad value for restricted picklist field", or after
           -- the ".: " that ends a state/country message.
           coalesce(
               nullif(regexp_extract(
                   message,
                   '(?:^|[{:,])\s*([^:{},\[\]]+?)\s*:\s*bad value for restricted picklist field',
                   1), ''),
               regexp_extract(message, '(?s)\.:\s*([^:{}\[\]]+?)\s*(?::\s*\[[^\]]*\]\s*)?$', 1)
           ) AS label,
           regexp_extract(
               message,
               '(?s)bad value for restricted picklist field:\s*(.*?)\s*(?::\s*\[[^\]]*\]\s*)?$',
               1) AS bad_value,
           fields
    FROM recent
), named AS (
    SELECT occurred_at, object, error_code, record, error_message, bad_value,
           -- A code standing where a label would be ("CODE: bad value ...") is no label.
           CASE WHEN regexp_full_match(label, '[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+') THEN ''
                ELSE label END AS field_label,
           CASE WHEN len(fields) > 0 THEN fields[1]
                WHEN api_field <> '' THEN api_field
                ELSE field_label END AS field
    FROM parsed
), per_field AS (
    SELECT object, field, count(DISTINCT record) AS field_records
    FROM named
    GROUP BY object, field
)
SELECT n.object, n.field, n.bad_value,
       max(n.field_label) AS field_label,
       count(*) AS errors,
       count(DISTINCT n.record) AS records,
       min(n.occurred_at) AS first_seen,
       max(n.occurred_at) AS last_seen,
       string_agg(DISTINCT n.error_code, ', ' ORDER BY n.error_code) AS codes,
       list(DISTINCT n.record ORDER BY n.record) FILTER (WHERE n.record IS NOT NULL)[1:5]
           AS sample_ids,
       min(n.error_message) AS sample_message,
       any_value(f.field_records) AS field_records
FROM named n
JOIN per_field f USING (object, field)
GROUP BY n.object, n.field, n.bad_value
ORDER BY errors DESC, n.object, n.field, n.bad_value
