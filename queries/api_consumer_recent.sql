-- The Salesforce API use per consumer of the last $lookback_days UTC days up to $now's day (the
-- api_budget check: which consumers grow fastest, the latest day against the days before it).
SELECT day, consumer, kind, calls, share
FROM api_consumers_daily
WHERE instance = $instance
  AND day > CAST($now AS DATE) - CAST($lookback_days AS INTEGER) - 1
  AND day <= CAST($now AS DATE)
ORDER BY day, consumer
