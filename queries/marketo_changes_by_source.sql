-- Change Data Value activities in the view's range by changed field and by the Source and
-- Reason Marketo logged with them (a form fill, a smart campaign, an integration...).
WITH changes AS (
    SELECT a.primary_attribute AS field, CAST(a.attributes AS JSON[]) AS attributes
    FROM marketo_activities a
    WHERE a.instance = $instance AND a.activity_type = 'Change Data Value'
      AND a.occurred_at >= $since AND a.occurred_at <= $until
)
SELECT field,
       coalesce(list_filter(attributes, lambda x: x->>'name' = 'Source')[1]->>'value', '') AS source,
       coalesce(list_filter(attributes, lambda x: x->>'name' = 'Reason')[1]->>'value', '') AS reason,
       count(*) AS changes
FROM changes
GROUP BY ALL
ORDER BY changes DESC, field
LIMIT $limit
