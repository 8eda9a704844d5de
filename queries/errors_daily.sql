-- Sync errors per day and category.
SELECT time_bucket(INTERVAL 1 DAY, occurred_at) AS day, category, count(*) AS errors
FROM sync_errors
WHERE instance = $instance AND occurred_at >= $since AND occurred_at <= $until
  AND ($object = '' OR object = $object)
  AND ($category = '' OR category = $category)
GROUP BY ALL
ORDER BY day, category
