-- Open findings, worst first; an empty $instance means every instance.
SELECT fingerprint, instance, check_id, subject, severity, title, detail, owner,
       CAST(evidence AS VARCHAR) AS evidence, status, first_seen, last_seen, acknowledged_at
FROM findings
WHERE status = 'open' AND ($instance = '' OR instance = $instance)
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         check_id, subject
