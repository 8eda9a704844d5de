-- Change Data Value activities in the view's range by changed field and by the Source and
-- Reason Marketo logged with them (a form fill, a smart campaign, an integration...). Marketo
-- often logs the same text for both: the reason is then '' (said once, as the source).
WITH changes AS (
    SELECT a.primary_attribute AS field, CAST(a.attributes AS JSON[]) AS attributes
    FROM marketo_activities a
    WHERE a.instance = $instance AND a.activity_type = 'Change Data Value'
      AND a.occurred_at >= $since AND a.occurred_at <= $until
)
SELECT field, source, CASE WHEN reason = source THEN '' ELSE reason END AS reason,
       count(*) AS changes
FROM (
    SELECT field,
           coalesce(list_filter(attributes, lambda x: x->>'name' = 'Source')[1]->>'value', '') AS source,
           coalesce(list_filter(attributes, lambda x: x->>'name' = 'Reason')[1]->>'value', '') AS reason
    FROM changes
)
GROUP BY ALL
ORDER BY changes DESC, field
LIMIT $limit
