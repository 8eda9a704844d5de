-- The sync user's logins (LoginHistory, collected by the Salesforce collector) of the last
-- $lookback_days days, newest last: Status 'Success' or the failure's reason.
SELECT occurred_at, subject AS status, detail
FROM audit_events
WHERE instance = $instance
  AND source = 'salesforce_login'
  AND occurred_at >= $now - to_days(CAST($lookback_days AS INTEGER))
  AND occurred_at <= $now
ORDER BY occurred_at, event_id
