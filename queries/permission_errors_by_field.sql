-- Permission-class sync errors in the lookback window, grouped by object and named field
-- ('' when the message names none).
WITH recent AS (
    SELECT occurred_at, coalesce(object, '') AS object, sfdc_id, marketo_id, error_code,
           direction,
           CASE WHEN len(fields) = 0 THEN [''] ELSE fields END AS fields
    FROM {{ lookback_sync_errors }}
    WHERE category = 'permission'
), per_field AS (
    SELECT occurred_at, object, sfdc_id, marketo_id, error_code, direction,
           unnest(fields) AS field
    FROM recent
)
SELECT object, field,
       count(*) AS errors,
       count(DISTINCT coalesce(sfdc_id, marketo_id)) AS records,
       min(occurred_at) AS first_seen,
       max(occurred_at) AS last_seen,
       string_agg(DISTINCT error_code, ', ' ORDER BY error_code) AS codes,
       -- Marketo writing Salesforce (Failed to update/create SFDC): the operation the advice
       -- depends on.
       bool_or(coalesce(direction = 'marketo_to_sfdc', false)) AS is_push,
       list(DISTINCT coalesce(sfdc_id, marketo_id) ORDER BY coalesce(sfdc_id, marketo_id))
           FILTER (WHERE coalesce(sfdc_id, marketo_id) IS NOT NULL)[1:5] AS sample_ids
FROM per_field
GROUP BY object, field
ORDER BY errors DESC, object, field
