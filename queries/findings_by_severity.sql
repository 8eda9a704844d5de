-- Open findings per severity (the health score reads this).
SELECT severity, count(*) AS findings
FROM findings
WHERE instance = $instance AND status = 'open'
GROUP BY severity
