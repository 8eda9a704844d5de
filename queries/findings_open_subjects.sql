-- Subjects of the open findings of some checks (e.g. the sources stale_data and source_down
-- say stopped delivering).
SELECT check_id, subject, severity, title
FROM findings
WHERE instance = $instance AND status = 'open' AND check_id IN (SELECT unnest($checks))
ORDER BY check_id, subject
