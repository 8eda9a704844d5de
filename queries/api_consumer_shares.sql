-- Salesforce API calls per consumer and UTC day in the range, biggest first within a day:
-- the Marketo sync user, other integrations (connected app / client name) and people.
SELECT day, consumer, kind, calls, share
FROM api_consumers_daily
WHERE instance = $instance AND day >= CAST($since AS DATE) AND day <= CAST($until AS DATE)
ORDER BY day, calls DESC, consumer
