-- Validation rule, required field, flow and trigger failures in the lookback window, one row
-- per object and rule message: the text after the code, e.g.
--   FIELD_CUSTOM_VALIDATION_EXCEPTION: Company is required when Status is Qualified
--   -> Company is required when Status is Qualified
-- without Marketo's braces ({CODE: ...}), a trailing field list (": [Company]", kept for
-- REQUIRED_FIELD_MISSING, whose list is the message), flow Error IDs and record ids, which
-- change from one failure to the next, so that one rule makes one group.
WITH recent AS (
    SELECT occurred_at, coalesce(object, '') AS object, error_code, fields, error_message,
           coalesce(sfdc_id, marketo_id) AS record,
           regexp_replace(coalesce(error_message, ''), '\s*\}\s*$', '') AS message
    FROM {{ lookback_sync_errors }}
    WHERE error_code IN ('FIELD_CUSTOM_VALIDATION_EXCEPTION', 'REQUIRED_FIELD_MISSING',
                         'CANNOT_EXECUTE_FLOW_TRIGGER', 'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY')
), after_code AS (
    SELECT *,
           -- The text after the first of the codes; the whole message when the code stood
           -- in Marketo's Error Type instead.
           regexp_extract(
               message,
               '(?s)^(?:.*?\b(?:FIELD_CUSTOM_VALIDATION_EXCEPTION|REQUIRED_FIELD_MISSING|'
                   || 'CANNOT_EXECUTE_FLOW_TRIGGER|CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY)\b'
                   || '\s*[:,]?\s*)?(.*)$',
               1) AS text,
           -- Field API names in a trailing ": [A, B]".
           list_filter(
               list_transform(
                   string_split(regexp_extract(message, ':\s*\[([^\]]*)\]\s*$', 1), ','),
                   lambda name: trim(name)),
               lambda name: name <> '') AS listed_fields
    FROM recent
), normalised AS (
    SELECT occurred_at, object, error_code, error_message, record,
           list_distinct(list_concat(fields, listed_fields)) AS named_fields,
           trim(regexp_replace(regexp_replace(regexp_replace(
               CASE WHEN error_code = 'REQUIRED_FIELD_MISSING' THEN text
                    ELSE regexp_replace(text, ':\s*\[[^\]]*\]\s*$', '') END,
               'Error ID:\s*-?[0-9]+-[0-9]+\s*\(-?[0-9]+\)\.?', '', 'g'),
               -- 15/18-character record ids (their sixth character is always 0).
               '\b[a-zA-Z0-9]{5}0[a-zA-Z0-9]{9}(?:[a-zA-Z0-9]{3})?\b', '<id>', 'g'),
               '\s+', ' ', 'g')) AS cleaned
    FROM after_code
), ruled AS (
    SELECT *,
           coalesce(nullif(cleaned, ''), '(no message)') AS rule,
           -- Subjects carry at most 120 characters of the rule.
           CASE WHEN length(rule) > 120 THEN left(rule, 119) || '…' ELSE rule END AS rule_key
    FROM normalised
)
SELECT object, rule_key,
       min(rule) AS rule,
       string_agg(DISTINCT error_code, ', ' ORDER BY error_code) AS codes,
       count(*) AS errors,
       count(DISTINCT record) AS records,
       min(occurred_at) AS first_seen,
       max(occurred_at) AS last_seen,
       list_sort(list_distinct(flatten(list(named_fields)))) AS fields,
       list(DISTINCT record ORDER BY record) FILTER (WHERE record IS NOT NULL)[1:5]
           AS sample_ids,
       min(error_message) AS sample_message
FROM ruled
GROUP BY object, rule_key
ORDER BY errors DESC, object, rule_key
