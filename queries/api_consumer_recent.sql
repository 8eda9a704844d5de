-- The Salesforce API use per consumer of the last $lookback_days UTC days up to $now's day (the
-- api_budget check: which consumers grow fastest, the latest day against the days before it);
-- people by name and username where resolved, else by user id.
SELECT c.day,
       CASE WHEN u.name IS NULL THEN c.consumer
            WHEN u.username IS NULL THEN u.name
            ELSE u.name || ' (' || u.username || ')' END AS consumer,
       c.kind, c.calls, c.share
FROM api_consumers_daily c
LEFT JOIN api_users u
  ON u.instance = c.instance AND c.kind = 'person' AND u.user_id = left(substr(c.consumer, 6), 15)
WHERE c.instance = $instance
  AND c.day > CAST($now AS DATE) - CAST($lookback_days AS INTEGER) - 1
  AND c.day <= CAST($now AS DATE)
ORDER BY c.day, 2
