-- The last UTC day whose API use by consumer is stored (NULL before the first read): the
-- daily read asks Salesforce only for the days after it.
SELECT max(day) AS day FROM api_consumers_daily WHERE instance = $instance
