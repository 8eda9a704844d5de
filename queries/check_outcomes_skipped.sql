-- Subjects a check could not judge at its last run (e.g. not enough history).
SELECT check_id, subject, reason, evaluated_at
FROM check_outcomes
WHERE instance = $instance AND outcome = 'not_evaluated'
ORDER BY check_id, subject
