-- Finding transitions the alerting layer has not consumed yet, oldest first.
SELECT e.fingerprint, e.changed_at, e.transition, e.severity, f.instance
FROM finding_events e
JOIN findings f USING (fingerprint)
WHERE NOT EXISTS (
    SELECT 1 FROM alert_transitions a
    WHERE a.fingerprint = e.fingerprint AND a.changed_at = e.changed_at
      AND a.transition = e.transition
)
ORDER BY e.changed_at, e.fingerprint, e.transition
