-- Lifecycle transitions of an instance's findings in the range (spike markers, history).
SELECT e.changed_at, e.transition, e.severity, f.check_id, f.subject, f.title,
       CAST(f.evidence AS VARCHAR) AS evidence
FROM finding_events e
JOIN findings f USING (fingerprint)
WHERE f.instance = $instance AND e.changed_at >= $since AND e.changed_at <= $until
  AND ($check = '' OR f.check_id = $check)
ORDER BY e.changed_at
