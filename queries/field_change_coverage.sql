-- How far back Marketo's Change Data Value history reaches (as of $now): the field change
-- history that covers every logged Lead and Contact field, not only some.
SELECT min(occurred_at) AS first_change, max(occurred_at) AS last_change,
       count(*) AS changes
FROM marketo_activities
WHERE instance = $instance AND activity_type = 'Change Data Value' AND occurred_at <= $now
