-- The instance's Marketo activities in the last $lookback_days days before $now, with their
-- attributes as a list of {name, value} (NULL when the stored attributes are not a list).
SELECT *,
       CASE WHEN json_type(attributes) = 'ARRAY'
            THEN from_json(attributes, '[{"name": "VARCHAR", "value": "VARCHAR"}]')
       END AS attrs
FROM marketo_activities
WHERE instance = $instance
  AND occurred_at > $now - to_days(CAST($lookback_days AS INTEGER))
  AND occurred_at <= $now
