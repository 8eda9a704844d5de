-- The auth_posture findings still seen since $since (first seen by $now), open first, worst
-- first: what will stop the sync user from logging in, and the Setup change that prevents it.
SELECT subject AS risk_to,
       status,
       severity,
       title AS finding,
       json_extract_string(evidence, '$.username') AS sync_user,
       json_extract_string(evidence, '$.fix') AS what_to_change
FROM findings
WHERE instance = $instance AND check_id = 'auth_posture'
  AND first_seen <= $now AND (last_seen >= $since OR status = 'open')
ORDER BY status = 'open' DESC,
         CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         risk_to
