-- Lifecycle transitions of an instance's findings in the range (spike markers, history).
SELECT e.changed_at, e.transition, e.severity, f.check_id, f.subject, f.title,
       CAST(f.evidence AS VARCHAR) AS evidence
FROM finding_events e
JOIN findings f USING (fingerprint)
WHERE f.instance = $instance AND e.changed_at >= $since AND e.changed_at <= $until
  AND ($check = '' OR f.check_id = $check)
-- Transitions of one moment: the worst first, then by check and subject (a stable order).
ORDER BY e.changed_at, CASE e.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         f.check_id, f.subject, e.transition
