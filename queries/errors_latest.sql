-- The latest error records (drill-down), newest first.
SELECT occurred_at, object, direction, failed_on, error_code, category,
       array_to_string(fields, ', ') AS fields, sfdc_id, marketo_id, owner, error_message, source
FROM sync_errors
WHERE instance = $instance AND occurred_at >= $since AND occurred_at <= $until
  AND ($object = '' OR object = $object)
  AND ($category = '' OR category = $category)
  AND ($code = '' OR error_code = $code)
ORDER BY occurred_at DESC
LIMIT CAST($limit AS BIGINT)
