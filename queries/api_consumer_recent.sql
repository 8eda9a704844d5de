-- The Salesforce API use per consumer of the last $lookback_days UTC days up to $now's day (the
-- api_budget check: which consumers grow fastest, the latest day against the days before it).
SELECT n.day, n.consumer, n.kind, n.calls, n.share
FROM {{ api_consumers_named }} n
WHERE n.day > CAST($now AS DATE) - CAST($lookback_days AS INTEGER) - 1
  AND n.day <= CAST($now AS DATE)
ORDER BY n.day, n.consumer
