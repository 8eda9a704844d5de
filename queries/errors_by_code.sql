-- Sync errors by code and object: how many, on how many records, when last.
SELECT error_code, category, coalesce(object, '') AS object, owner,
       count(*) AS errors,
       count(DISTINCT coalesce(sfdc_id, marketo_id)) AS records,
       max(occurred_at) AS last_seen,
       any_value(error_message) AS example_message
FROM sync_errors
WHERE instance = $instance AND occurred_at >= $since AND occurred_at <= $until
  AND ($object = '' OR object = $object)
  AND ($category = '' OR category = $category)
GROUP BY ALL
ORDER BY errors DESC
LIMIT 200
