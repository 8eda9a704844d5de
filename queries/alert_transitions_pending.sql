-- Consumed transitions waiting for their instance's group to be sent, with their finding and
-- whether the finding's opening was announced; the finding's evidence names its incident.
SELECT a.fingerprint, a.changed_at, a.transition, a.severity, a.instance,
       f.check_id, f.subject, f.title, f.owner, f.status AS finding_status,
       f.severity AS finding_severity, f.first_seen, f.last_seen,
       CAST(f.evidence AS VARCHAR) AS evidence,
       coalesce(s.is_announced, false) AS is_announced
FROM alert_transitions a
JOIN findings f USING (fingerprint)
LEFT JOIN alert_state s USING (fingerprint)
WHERE a.status = 'pending'
ORDER BY a.instance, a.changed_at, a.fingerprint, a.transition
