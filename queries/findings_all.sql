-- Findings of an instance (every status, or one), worst and newest first.
SELECT fingerprint, check_id, subject, severity, status, title, detail, owner,
       CAST(evidence AS VARCHAR) AS evidence, first_seen, last_seen, resolved_at, acknowledged_at
FROM findings
WHERE instance = $instance AND ($status = '' OR status = $status)
ORDER BY status = 'resolved', CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         last_seen DESC
