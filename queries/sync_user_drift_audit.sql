-- Setup Audit Trail events (section, display text, who, when) that may explain a change of the
-- sync user's access: the last $training_days days, widened by $lookback_hours (the matching
-- margin) so that an event just before the oldest changed snapshot is still there.
SELECT occurred_at, actor, action, subject AS section, detail
FROM audit_events
WHERE instance = $instance
  AND source IN ('salesforce', 'demo')  -- the demo simulates Setup Audit Trail rows
  AND occurred_at >= $now - to_days(CAST($training_days AS INTEGER))
                          - to_hours(CAST($lookback_hours AS BIGINT))
  AND occurred_at <= $now
ORDER BY occurred_at, event_id
