-- What one check last concluded about each subject of an instance (any status), for the
-- findings first seen by $now: the evidence carries the answer readers show (a grant to make,
-- a likely cause), so they never work it out again.
SELECT fingerprint, subject, severity, status, CAST(evidence AS VARCHAR) AS evidence,
       first_seen, last_seen, resolved_at
FROM findings
WHERE instance = $instance AND check_id = $check AND first_seen <= $now
ORDER BY subject
