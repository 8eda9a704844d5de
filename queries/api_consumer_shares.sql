-- Salesforce API calls per consumer and UTC day in the range, biggest first within a day.
SELECT n.day, n.consumer, n.kind, n.calls, n.share
FROM {{ api_consumers_named }} n
WHERE n.day >= CAST($since AS DATE) AND n.day <= CAST($until AS DATE)
ORDER BY n.day, n.calls DESC, n.consumer
