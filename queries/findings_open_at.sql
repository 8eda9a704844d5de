-- Findings of an instance that were open at $now, rebuilt from their lifecycle events (the
-- findings table keeps only the latest state), so a weekly report scores the end of its week.
-- Severity is the latest event's, so an escalation counts; opened_at is the last (re)opening.
WITH latest AS (
    SELECT e.fingerprint,
           arg_max(e.transition, e.changed_at) AS transition,
           arg_max(e.severity, e.changed_at) AS severity,
           max(e.changed_at) FILTER (WHERE e.transition IN ('opened', 'reopened')) AS opened_at
    FROM finding_events e
    JOIN findings f USING (fingerprint)
    WHERE f.instance = $instance AND e.changed_at <= $now
    GROUP BY e.fingerprint
)
SELECT f.fingerprint, f.check_id, f.subject, l.severity, f.title, f.owner, l.opened_at,
       CAST(f.evidence AS VARCHAR) AS evidence
FROM latest l
JOIN findings f USING (fingerprint)
WHERE l.transition <> 'resolved'
ORDER BY CASE l.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         f.check_id, f.subject
