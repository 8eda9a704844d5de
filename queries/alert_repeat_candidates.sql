-- Open, unacknowledged critical findings with the time they were last alerted, else last
-- changed: the repeat interval counts from there.
SELECT f.fingerprint, f.instance, f.check_id, f.subject, f.title, f.owner, f.severity,
       f.first_seen, f.last_seen, CAST(f.evidence AS VARCHAR) AS evidence,
       coalesce((SELECT max(e.changed_at) FROM finding_events e
                 WHERE e.fingerprint = f.fingerprint AND e.transition IN ('opened', 'reopened')),
                f.first_seen) AS open_since,
       coalesce(s.last_alerted_at,
                (SELECT max(e.changed_at) FROM finding_events e
                 WHERE e.fingerprint = f.fingerprint),
                f.first_seen) AS reference_at,
       coalesce(s.is_announced, false) AS is_announced
FROM findings f
LEFT JOIN alert_state s USING (fingerprint)
WHERE f.status = 'open' AND f.severity = 'critical' AND f.acknowledged_at IS NULL
ORDER BY f.instance, f.check_id, f.subject
